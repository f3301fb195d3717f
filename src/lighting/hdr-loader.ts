/**
 * Decodes a user's HDR environment map (Radiance .hdr / RGBE, or OpenEXR) into an `EnvMap`.
 *
 * The pixel decoding is three.js's maintained `HDRLoader` / `EXRLoader` (`.parse(buffer)`, no DOM: works in Node,
 * pages and workers). They are imported lazily, so the ~0.5 MB of three.js only loads when a user actually opens a
 * file; presets never need it (their SH is precomputed, see env-sh.generated.ts).
 *
 * Those decoders trust their input: a truncated RLE .hdr decodes "successfully" with black rows, and header sizes
 * go straight into an allocation. So everything a hostile or broken file can get wrong is checked here first, with
 * a `RelightError('invalid-hdr', message)` whose message a user can act on:
 * size limit, magic bytes (and what the file is instead), header sanity and dimensions (before any allocation),
 * completeness of the RGBE scanline stream, decoder failures (wrapped), then the decoded values (NaN/Inf, mostly
 * negative data, all black).
 */
import { RelightError } from '../core/errors.js';
import type { EnvMap } from './env-map.js';

export interface HdrLimits {
  readonly maxFileBytes: number;
  readonly minWidthPx: number;
  readonly minHeightPx: number;
  readonly maxWidthPx: number;
  readonly maxHeightPx: number;
  /** Allowed |width / height - 2| for an equirectangular panorama. */
  readonly maxAspectError: number;
  /** Largest tolerated (sum of negative values) / (sum of positive values): lossy-codec ringing stays far below. */
  readonly maxNegativeEnergy: number;
}

export const HDR_LIMITS: Readonly<HdrLimits> = Object.freeze({
  maxFileBytes: 64 * 1024 * 1024,
  minWidthPx: 8,
  minHeightPx: 4,
  maxWidthPx: 8192,
  maxHeightPx: 4096,
  maxAspectError: 0.1,
  // The DWAB maps shipped in @pmndrs/assets reach 0.11 (ringing around the sun); signed data (normal maps,
  // motion vectors) is near 0.5.
  maxNegativeEnergy: 0.3,
});

export type HdrFormat = 'rgbe' | 'exr';

export interface HdrHeaderInfo {
  readonly format: HdrFormat;
  readonly widthPx: number;
  readonly heightPx: number;
}

interface RgbeHeader extends HdrHeaderInfo {
  readonly format: 'rgbe';
  /** Byte offset of the first scanline. */
  readonly payloadOffset: number;
  /** FORMAT=32-bit_rle_xyze: pixels are CIE XYZ, converted to RGB after decoding. */
  readonly xyze: boolean;
}

const EXR_MAGIC = 20000630;

function invalid(message: string, cause?: unknown): RelightError {
  return new RelightError('invalid-hdr', message, cause === undefined ? undefined : { cause });
}

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
}

/** Bytes as a Latin-1 string, in chunks (spreading 64 KB into one call can overflow the argument limit). */
function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** Recognises common non-HDR files so the message can say what the user picked instead. */
function describeOtherFormat(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return 'a PNG image';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'a JPEG image';
  if (startsWith(bytes, ascii('GIF8'))) return 'a GIF image';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'a WebP image';
  if (startsWith(bytes, ascii('ftyp'), 4)) return 'an AVIF/HEIC/MP4 file';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'a TIFF image';
  if (startsWith(bytes, ascii('%PDF'))) return 'a PDF document';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'a ZIP archive';
  if (startsWith(bytes, ascii('BM'))) return 'a BMP image';
  return undefined;
}

/** Which HDR format the bytes are, from magic bytes only (never the file name). Throws for anything else. */
export function sniffHdrFormat(bytes: Uint8Array, label = 'the file'): HdrFormat {
  if (bytes.length === 0) throw invalid(`${label} is empty (0 bytes)`);
  if (startsWith(bytes, [0x76, 0x2f, 0x31, 0x01])) return 'exr';
  if (startsWith(bytes, ascii('#?'))) return 'rgbe';
  const other = describeOtherFormat(bytes);
  throw invalid(
    `${label} is not an HDR environment map${other ? `: it is ${other}` : ' (unknown file signature)'}. ` +
      'Use a Radiance .hdr or an OpenEXR .exr file (an equirectangular panorama, 2:1).',
  );
}

function checkDimensions(widthPx: number, heightPx: number, label: string, limits: HdrLimits): void {
  if (!Number.isSafeInteger(widthPx) || !Number.isSafeInteger(heightPx) || widthPx <= 0 || heightPx <= 0) {
    throw invalid(`${label} has an invalid image size in its header (${widthPx} x ${heightPx})`);
  }
  if (widthPx > limits.maxWidthPx || heightPx > limits.maxHeightPx) {
    throw invalid(`${label} is ${widthPx} x ${heightPx} px; the largest supported environment map is ` +
      `${limits.maxWidthPx} x ${limits.maxHeightPx} (downscale it: lighting only needs a few hundred pixels)`);
  }
  if (widthPx < limits.minWidthPx || heightPx < limits.minHeightPx) {
    throw invalid(`${label} is ${widthPx} x ${heightPx} px; the smallest supported environment map is ` +
      `${limits.minWidthPx} x ${limits.minHeightPx}`);
  }
  const aspect = widthPx / heightPx;
  if (Math.abs(aspect - 2) > limits.maxAspectError) {
    throw invalid(`${label} is ${widthPx} x ${heightPx} px (aspect ${aspect.toFixed(2)}:1); an environment map must ` +
      'be an equirectangular panorama with a 2:1 aspect (cube maps and cropped photos are not supported)');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Radiance RGBE

const MAX_RGBE_HEADER_BYTES = 64 * 1024;

function parseRgbeHeader(bytes: Uint8Array, label: string, limits: HdrLimits): RgbeHeader {
  const scanEnd = Math.min(bytes.length, MAX_RGBE_HEADER_BYTES);
  let blank = -1; // index of the "\n" that ends the empty line closing the header
  for (let i = 1; i < scanEnd; i++) {
    if (bytes[i] === 0x0a && bytes[i - 1] === 0x0a) { blank = i; break; }
  }
  if (blank < 0) {
    throw invalid(`${label} has a truncated or corrupt Radiance header (no empty line ends it within ` +
      `${Math.round(scanEnd / 1024)} KB)`);
  }
  const lines = latin1(bytes.subarray(0, blank - 1)).split('\n');
  if (!/^#\?\S*/.test(lines[0] ?? '')) throw invalid(`${label} has a corrupt Radiance header (bad first line)`);
  let format: string | undefined;
  for (const line of lines.slice(1)) {
    const m = /^\s*FORMAT\s*=\s*(\S+)\s*$/.exec(line);
    if (m) format = m[1];
  }
  // EXPOSURE= / GAMMA= are ignored on purpose: absolute scale is normalised away downstream.
  if (format === undefined) throw invalid(`${label} has a corrupt Radiance header (no FORMAT line)`);
  if (format !== '32-bit_rle_rgbe' && format !== '32-bit_rle_xyze') {
    throw invalid(`${label} has an unsupported Radiance pixel format "${format.slice(0, 40)}"`);
  }
  let eol = blank + 1;
  while (eol < bytes.length && eol < blank + 80 && bytes[eol] !== 0x0a) eol++;
  if (eol >= bytes.length || bytes[eol] !== 0x0a) {
    throw invalid(`${label} is truncated or corrupt: its Radiance resolution line is missing`);
  }
  const resLine = latin1(bytes.subarray(blank + 1, eol)).trim();
  const res = /^-Y\s+(\d+)\s+\+X\s+(\d+)$/.exec(resLine);
  if (!res) {
    if (/^[-+][XY]\s+\d+\s+[-+][XY]\s+\d+$/.test(resLine)) {
      throw invalid(`${label} uses the Radiance scanline order "${resLine}"; only the standard "-Y H +X W" ` +
        '(top-down, left-to-right) is supported');
    }
    throw invalid(`${label} has a corrupt Radiance resolution line`);
  }
  const heightPx = Number(res[1]), widthPx = Number(res[2]);
  checkDimensions(widthPx, heightPx, label, limits);
  return { format: 'rgbe', widthPx, heightPx, payloadOffset: eol + 1, xyze: format === '32-bit_rle_xyze' };
}

/**
 * Walks the scanline stream without decoding it, mirroring the rules of three's decoder, so a file that ends early
 * is reported as truncated instead of decoding to black rows. Linear-time, no allocation.
 */
function checkRgbePayload(bytes: Uint8Array, h: RgbeHeader, label: string): void {
  const { widthPx: w, heightPx: rows, payloadOffset: start } = h;
  const n = bytes.length;
  const truncated = (row: number): RelightError =>
    invalid(`${label} is truncated: its pixel data ends in scanline ${row + 1} of ${rows}`);
  const isRle = w >= 8 && w <= 0x7fff && n - start >= 4 && bytes[start] === 2 && bytes[start + 1] === 2 &&
    (bytes[start + 2]! & 0x80) === 0;
  if (!isRle) {
    if (n - start < w * rows * 4) throw truncated(Math.floor((n - start) / (w * 4)));
    return;
  }
  const span = 4 * w; // three decodes the four channel runs of a scanline as one span of 4 * width bytes
  let pos = start;
  for (let row = 0; row < rows; row++) {
    if (pos + 4 > n) throw truncated(row);
    if (bytes[pos] !== 2 || bytes[pos + 1] !== 2 || ((bytes[pos + 2]! << 8) | bytes[pos + 3]!) !== w) {
      throw invalid(`${label} is corrupt: scanline ${row + 1} of ${rows} has a bad run-length header`);
    }
    pos += 4;
    let filled = 0;
    while (filled < span) {
      if (pos >= n) throw truncated(row);
      let count = bytes[pos++]!;
      if (count > 128) {
        count -= 128;
        pos += 1;
      } else {
        pos += count;
      }
      if (count === 0 || filled + count > span) {
        throw invalid(`${label} is corrupt: scanline ${row + 1} of ${rows} has a bad run length`);
      }
      if (pos > n) throw truncated(row);
      filled += count;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// OpenEXR

const EXR_COMPRESSIONS = ['none', 'RLE', 'ZIPS', 'ZIP', 'PIZ', 'PXR24', 'B44', 'B44A', 'DWAA', 'DWAB'];

interface ExrHeader extends HdrHeaderInfo {
  readonly format: 'exr';
  readonly channels: readonly { name: string; pixelType: number }[];
}

/**
 * Reads the header attributes (name\0 type\0 int32 size, value) far enough to know the size and channels before
 * three allocates anything. Bounds-checked: a corrupt header ends in a RelightError, never a read past the end.
 */
function parseExrHeader(bytes: Uint8Array, label: string, limits: HdrLimits): ExrHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (what: string): RelightError => invalid(`${label} is truncated or corrupt: ${what}`);
  if (bytes.length < 8) throw corrupt('the OpenEXR header is incomplete');
  if (view.getUint32(0, true) !== EXR_MAGIC) throw corrupt('bad OpenEXR magic number');
  const version = bytes[4]!, flags = bytes[5]!;
  if (version !== 2) throw invalid(`${label} has an unsupported OpenEXR version ${version}`);
  if (flags & 0x08) throw invalid(`${label} is a deep OpenEXR image, which is not supported`);
  let pos = 8;
  const readString = (): string => {
    const end = bytes.indexOf(0, pos);
    if (end < 0 || end - pos > 255) throw corrupt('an OpenEXR header attribute name runs past the header');
    const s = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  let dataWindow: [number, number, number, number] | undefined;
  let channels: { name: string; pixelType: number }[] | undefined;
  let compression: number | undefined;
  for (let attr = 0; ; attr++) {
    if (attr > 1000) throw corrupt('the OpenEXR header never ends');
    if (pos >= bytes.length) throw corrupt('the OpenEXR header is incomplete');
    const name = readString();
    if (name === '') break;
    const type = readString();
    if (pos + 4 > bytes.length) throw corrupt('the OpenEXR header is incomplete');
    const size = view.getInt32(pos, true);
    pos += 4;
    if (size < 0 || pos + size > bytes.length) throw corrupt(`OpenEXR attribute "${name}" has a bad size`);
    if (name === 'dataWindow' && type === 'box2i' && size === 16) {
      dataWindow = [view.getInt32(pos, true), view.getInt32(pos + 4, true), view.getInt32(pos + 8, true),
        view.getInt32(pos + 12, true)];
    } else if (name === 'compression' && size === 1) {
      compression = bytes[pos]!;
    } else if (name === 'channels' && type === 'chlist') {
      channels = [];
      let p = pos;
      const end = pos + size;
      while (p < end && bytes[p] !== 0) {
        const z = bytes.indexOf(0, p);
        if (z < 0 || z + 17 > end) throw corrupt('bad OpenEXR channel list');
        channels.push({ name: latin1(bytes.subarray(p, z)), pixelType: view.getInt32(z + 1, true) });
        p = z + 17; // name\0, int32 pixelType, uint8 pLinear, 3 reserved, int32 xSampling, int32 ySampling
      }
    }
    pos += size;
  }
  if (!dataWindow) throw corrupt('the OpenEXR header has no dataWindow');
  if (!channels || channels.length === 0) throw corrupt('the OpenEXR header has no channel list');
  if (compression === undefined || compression >= EXR_COMPRESSIONS.length) {
    throw invalid(`${label} uses an unknown OpenEXR compression (code ${compression ?? 'missing'})`);
  }
  const names = new Set(channels.map((c) => c.name));
  const colour = ['R', 'G', 'B'].every((c) => names.has(c)) ? ['R', 'G', 'B'] : names.has('Y') ? ['Y'] : undefined;
  if (!colour) {
    throw invalid(`${label} has no colour channels (needs R, G, B or Y; found ` +
      `${[...names].slice(0, 8).join(', ')}): only the first layer of a plain RGB/luminance EXR is read`);
  }
  for (const c of channels) {
    if (colour.includes(c.name) && c.pixelType !== 1 && c.pixelType !== 2) {
      throw invalid(`${label} stores channel ${c.name} as ${c.pixelType === 0 ? 'unsigned integers' : 'an unknown type'}; ` +
        'only half and float EXR channels are supported');
    }
  }
  const [xMin, yMin, xMax, yMax] = dataWindow;
  checkDimensions(xMax - xMin + 1, yMax - yMin + 1, label, limits);
  return { format: 'exr', widthPx: xMax - xMin + 1, heightPx: yMax - yMin + 1, channels };
}

// ---------------------------------------------------------------------------------------------------------------

function toBytes(input: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw invalid('HDR input must be an ArrayBuffer or a typed array');
}

/** An ArrayBuffer holding exactly these bytes (the three decoders wrap the whole buffer they are given). */
function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer;
}

function readHeader(bytes: Uint8Array, label: string, limits: HdrLimits): RgbeHeader | ExrHeader {
  if (bytes.length > limits.maxFileBytes) {
    throw invalid(`${label} is ${(bytes.length / 2 ** 20).toFixed(1)} MB; the limit for an environment map is ` +
      `${(limits.maxFileBytes / 2 ** 20).toFixed(0)} MB`);
  }
  return sniffHdrFormat(bytes, label) === 'rgbe' ? parseRgbeHeader(bytes, label, limits) : parseExrHeader(bytes, label, limits);
}

const labelOf = (name?: string): string => (name ? `"${name}"` : 'the file');

/** Reads the header only: format and size, validated against `limits`. Cheap; for showing a file before decoding. */
export function probeHdr(input: ArrayBuffer | ArrayBufferView, name?: string, limits: HdrLimits = HDR_LIMITS): HdrHeaderInfo {
  const h = readHeader(toBytes(input), labelOf(name), limits);
  return { format: h.format, widthPx: h.widthPx, heightPx: h.heightPx };
}

interface DecodedTexture {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * Decodes a Radiance .hdr or OpenEXR file (format from magic bytes) into an equirectangular `EnvMap` (top row
 * first, RGB, linear). `name` only makes messages friendlier. Throws `RelightError` code 'invalid-hdr' with a
 * message fit for the user for every bad input; never returns a partially decoded map.
 */
export async function decodeHdr(input: ArrayBuffer | ArrayBufferView, name?: string, limits: HdrLimits = HDR_LIMITS): Promise<EnvMap> {
  const bytes = toBytes(input);
  const label = labelOf(name);
  // Size limit, magic bytes, header and dimensions, all before three allocates anything.
  const header = readHeader(bytes, label, limits);
  const three = await import('three');
  let decoded: DecodedTexture;
  if (header.format === 'rgbe') {
    checkRgbePayload(bytes, header, label);
    const { HDRLoader } = await import('three/examples/jsm/loaders/HDRLoader.js');
    try {
      decoded = new HDRLoader().setDataType(three.FloatType).parse(exactBuffer(bytes)) as unknown as DecodedTexture;
    } catch (err) {
      throw invalid(`${label} is corrupt Radiance data (${err instanceof Error ? err.message : String(err)})`, err);
    }
  } else {
    const { EXRLoader } = await import('three/examples/jsm/loaders/EXRLoader.js');
    try {
      decoded = new EXRLoader().setDataType(three.FloatType).parse(exactBuffer(bytes)) as unknown as DecodedTexture;
    } catch (err) {
      throw invalid(`${label} is truncated or corrupt OpenEXR data (${err instanceof Error ? err.message : String(err)})`, err);
    }
  }
  // RGBE "-Y" stores the top scanline first and three keeps that order (its flipY is for GL upload); three's
  // EXRLoader writes the last scanline first (GL texture order).
  const bottomUp = header.format === 'exr';
  const { widthPx: w, heightPx: h } = header;
  if (decoded.width !== w || decoded.height !== h || !(decoded.data instanceof Float32Array) || decoded.data.length < w * h * 4) {
    throw invalid(`${label} decoded to an unexpected size (${decoded.width} x ${decoded.height}, header says ${w} x ${h})`);
  }
  const env = toEnvMap(decoded.data, w, h, bottomUp);
  if (header.format === 'rgbe' && header.xyze) xyzToLinearRgbInPlace(env.data);
  checkValues(env, label, limits);
  return env;
}

function toEnvMap(rgba: Float32Array, w: number, h: number, bottomUp: boolean): EnvMap {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const srcRow = bottomUp ? h - 1 - y : y;
    let s = srcRow * w * 4, d = y * w * 3;
    for (let x = 0; x < w; x++, s += 4, d += 3) {
      data[d] = rgba[s]!; data[d + 1] = rgba[s + 1]!; data[d + 2] = rgba[s + 2]!;
    }
  }
  return { widthPx: w, heightPx: h, data };
}

function xyzToLinearRgbInPlace(d: Float32Array): void {
  for (let i = 0; i < d.length; i += 3) {
    const X = d[i]!, Y = d[i + 1]!, Z = d[i + 2]!;
    d[i] = 3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z;
    d[i + 1] = -0.969266 * X + 1.8760108 * Y + 0.041556 * Z;
    d[i + 2] = 0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z;
  }
}

function checkValues(env: EnvMap, label: string, limits: HdrLimits): void {
  const d = env.data;
  let nonFinite = 0, pos = 0, neg = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isFinite(v)) nonFinite++;
    else if (v >= 0) pos += v;
    else neg -= v;
  }
  if (nonFinite > 0) {
    throw invalid(`${label} contains ${nonFinite} NaN or infinite values (corrupt, or a half-float overflow); ` +
      're-export it with finite values');
  }
  if (!(pos > 0)) throw invalid(`${label} is completely black: it holds no light`);
  if (neg > limits.maxNegativeEnergy * pos) {
    throw invalid(`${label} holds large negative values (${((100 * neg) / pos).toFixed(0)}% of its light): ` +
      'it is not a radiance map (a normal or vector map?)');
  }
}
