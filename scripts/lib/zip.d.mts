/** Types of scripts/lib/zip.mjs (plain ESM so that node build scripts and vite configs share it). */
export declare function crc32(bytes: Uint8Array): number;
export interface ZipOptions {
  align?: number;
  deflate?: boolean;
  date?: [number, number, number];
  unixMode?: number;
}
export declare function zipBytes(files: ReadonlyArray<{ name: string; bytes: Uint8Array }>, options?: ZipOptions): Uint8Array;
export interface ZipMember { name: string; method: number; size: number; compressedSize: number; crc: number; dataOffset: number }
export declare function listZip(bytes: Uint8Array): ZipMember[];
