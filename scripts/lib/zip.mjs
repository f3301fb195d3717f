/**
 * Deterministic zip writing and reading for the build scripts (no zip CLI, no package): fixed timestamps, members in
 * the given order, so the same input gives the same bytes. Two users:
 *  - scripts/build-face-landmarker.mjs: face_landmarker.task, stored members whose data start 64-byte aligned (a
 *    runtime that maps members in place gets aligned flatbuffers);
 *  - vite.ext.config.ts: dist/relight-extension.zip, members deflated where that is smaller, UTF-8 names, Unix modes.
 */
import { deflateRawSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE, as zip uses it) of a byte array. */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Extra-field id of the alignment padding (the one Android's zipalign writes). */
const ALIGN_EXTRA_ID = 0xd935;

/**
 * The fields that the local header (at offset 4) and the central directory entry (at offset 6) share, in the same
 * order: version needed, flags, method, DOS time and date, CRC-32, compressed and uncompressed size, name length.
 */
function writeEntryFields(buf, at, f) {
  buf.writeUInt16LE(f.version, at);
  buf.writeUInt16LE(f.flags, at + 2);
  buf.writeUInt16LE(f.method, at + 4);
  buf.writeUInt16LE(f.dosTime, at + 6);
  buf.writeUInt16LE(f.dosDate, at + 8);
  buf.writeUInt32LE(f.crc, at + 10);
  buf.writeUInt32LE(f.compressedSize, at + 14);
  buf.writeUInt32LE(f.size, at + 18);
  buf.writeUInt16LE(f.nameLength, at + 22);
}

/**
 * A zip of `files` ([{ name, bytes }], in that order) as a Uint8Array.
 * Options:
 *  - align: stored members' data start at a multiple of it (padding in the local header's extra field); 0: none.
 *  - deflate: deflate a member when that makes it smaller (else stored).
 *  - date: [year, month, day] of every member (time 00:00:00).
 *  - unixMode: e.g. 0o100644: "made by Unix" with that mode, and UTF-8 names flagged; unset: plain DOS entries.
 */
export function zipBytes(files, { align = 0, deflate = false, date = [1980, 1, 1], unixMode = undefined } = {}) {
  if (align && deflate) throw new Error('[zip] align applies to stored members only');
  const dosTime = 0;
  const dosDate = ((date[0] - 1980) << 9) | (date[1] << 5) | date[2];
  const version = deflate ? 20 : 10;
  const flags = unixMode === undefined ? 0 : 0x0800;
  const chunks = [];
  const central = [];
  let offset = 0;
  for (const { name, bytes } of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const deflated = deflate ? deflateRawSync(data) : null;
    const method = deflated && deflated.length < data.length ? 8 : 0;
    const body = method === 8 ? deflated : data;
    const crc = crc32(data);
    const pad = align ? (align - ((offset + 30 + nameBytes.length + 4) % align)) % align : 0;
    const extraLen = align ? pad + 4 : 0;
    const local = Buffer.alloc(30 + nameBytes.length + extraLen);
    const fields = { version, flags, method, dosTime, dosDate, crc, compressedSize: body.length, size: data.length, nameLength: nameBytes.length };
    local.writeUInt32LE(0x04034b50, 0);
    writeEntryFields(local, 4, fields);
    local.writeUInt16LE(extraLen, 28);
    nameBytes.copy(local, 30);
    if (align) {
      local.writeUInt16LE(ALIGN_EXTRA_ID, 30 + nameBytes.length);
      local.writeUInt16LE(pad, 32 + nameBytes.length);
    }
    const entry = Buffer.alloc(46 + nameBytes.length);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(unixMode === undefined ? 20 : 0x031e, 4); // made by: DOS 2.0 / Unix 3.0
    writeEntryFields(entry, 6, fields);
    if (unixMode !== undefined) entry.writeUInt32LE((unixMode << 16) >>> 0, 38);
    entry.writeUInt32LE(offset, 42);
    nameBytes.copy(entry, 46);
    central.push(entry);
    chunks.push(local, body);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((s, e) => s + e.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...chunks, ...central, end]));
}

/** Lists a zip's members from its central directory: [{ name, method, size, compressedSize, crc, dataOffset }]. */
export function listZip(bytes) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = buf.length - 22; i >= 0; i--) if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  if (eocd < 0) throw new Error('[zip] not a zip: no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const local = buf.readUInt32LE(p + 42);
    const dataOffset = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    out.push({ name, method, size, compressedSize, crc, dataOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
