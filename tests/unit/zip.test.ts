/**
 * scripts/lib/zip.mjs, the one zip writer of the builds (face_landmarker.task and dist/relight-extension.zip): what
 * it writes reads back member for member (stored and deflated), is byte-for-byte the same for the same input, and
 * keeps stored members aligned where asked.
 */
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, listZip, zipBytes } from '../../scripts/lib/zip.mjs';

const text = new TextEncoder();
/** Incompressible bytes (xorshift32), so deflate cannot make them smaller. */
function noise(n: number): Uint8Array {
  let x = 2463534242;
  return Uint8Array.from({ length: n }, () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) & 0xff; });
}
const FILES = [
  { name: 'manifest.json', bytes: text.encode('{"name":"relight","version":"1.0"}\n'.repeat(40)) },
  { name: 'wasm/random.bin', bytes: noise(3001) },
  { name: 'models/ünïcode name.txt', bytes: text.encode('x') },
  { name: 'empty', bytes: new Uint8Array(0) },
];

function read(zip: Uint8Array, m: ReturnType<typeof listZip>[number]): Uint8Array {
  const body = zip.subarray(m.dataOffset, m.dataOffset + m.compressedSize);
  return m.method === 8 ? new Uint8Array(inflateRawSync(body)) : body;
}

describe('zip writer', () => {
  it('CRC-32 matches the standard check value', () => {
    expect(crc32(text.encode('123456789'))).toBe(0xcbf43926);
  });

  it('deflated archive (the extension zip) reads back every member, deflating only where smaller', () => {
    const zip = zipBytes(FILES, { deflate: true, date: [2024, 1, 1], unixMode: 0o100644 });
    const members = listZip(zip);
    expect(members.map((m) => m.name)).toEqual(FILES.map((f) => f.name));
    for (const [i, m] of members.entries()) {
      const back = read(zip, m);
      expect(Buffer.from(back).equals(Buffer.from(FILES[i]!.bytes)), m.name).toBe(true);
      expect(crc32(back)).toBe(m.crc);
    }
    expect(members[0]!.method).toBe(8);                    // repetitive text: deflated
    expect(members[1]!.method).toBe(0);                    // noise: stored
    expect(members[0]!.compressedSize).toBeLessThan(FILES[0]!.bytes.length / 5);
    const view = Buffer.from(zip);
    expect(view.readUInt16LE(6) & 0x0800).toBe(0x0800);    // UTF-8 names flagged
    expect(view.readUInt16LE(12)).toBe(((2024 - 1980) << 9) | (1 << 5) | 1);
  });

  it('stored archive (the .task) aligns member data and reads back', () => {
    const zip = zipBytes(FILES, { align: 64 });
    for (const [i, m] of listZip(zip).entries()) {
      expect(m.method).toBe(0);
      expect(m.dataOffset % 64).toBe(0);
      expect(Buffer.from(read(zip, m)).equals(Buffer.from(FILES[i]!.bytes))).toBe(true);
    }
    expect(() => zipBytes(FILES, { align: 64, deflate: true })).toThrow(/stored members only/);
  });

  it('is deterministic and changes when a member changes', () => {
    const a = zipBytes(FILES, { deflate: true }), b = zipBytes(FILES, { deflate: true });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const changed = FILES.map((f, i) => (i === 2 ? { ...f, bytes: text.encode('y') } : f));
    expect(Buffer.from(zipBytes(changed, { deflate: true })).equals(Buffer.from(a))).toBe(false);
  });

  it('says so when the bytes are not a zip', () => {
    expect(() => listZip(text.encode('not a zip at all, just some text'))).toThrow(/not a zip/);
  });
});
