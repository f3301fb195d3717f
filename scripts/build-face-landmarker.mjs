/**
 * Builds models/generated/face_landmarker.task for @mediapipe/tasks-vision's FaceLandmarker from the legacy
 * @mediapipe/face_mesh package (no network: no npm package ships an official face_landmarker.task).
 *
 * Steps (all deterministic: same node_modules in, same bytes out):
 * 1. Cut face_detection_short_range.tflite, face_landmark.tflite and geometry_pipeline_metadata_landmarks.binarypb
 *    out of face_mesh_solution_packed_assets.data, using the byte offsets its loader js lists.
 * 2. Add TFLite Model Metadata (an image input with NormalizationOptions) to both models: tasks-vision refuses
 *    float32 image inputs without it. Detector input is [-1, 1] (mean 127.5, std 127.5); landmark input [0, 1]
 *    (mean 0, std 255), as the legacy face_mesh graphs configured them.
 * 3. Widen the landmark model's last conv from 1404 to 1434 output channels: tasks-vision decodes 478 landmarks
 *    (468 mesh + 2 x 5 iris). Each extra point is the average of the 16 eye-contour points tasks-vision itself
 *    uses for iris averaging; the layer is linear, so averaging weight rows and biases averages the outputs.
 * 4. Zip them, stored (uncompressed; MediaPipe reads members in place), into face_landmarker.task.
 *
 * TFLite flatbuffer editing without a generated schema: flatbuffer offsets only point forward, so the original
 * model is kept byte-for-byte as one blob at the END of a new buffer, and a new root `Model` table, a new
 * `buffers` vector, new `Buffer` tables and the new metadata are written in front of it, pointing forward into
 * the blob (everything untouched: operators, tensors, subgraphs). Tensor shapes are patched in place (same length).
 * The replaced weight data stays as dead bytes in the blob; they are zeroed so they compress away.
 * Field ids are from tensorflow/lite/schema/schema.fbs (Model, SubGraph, Tensor, Operator, Buffer, Metadata) and
 * tensorflow_lite_support/metadata/metadata_schema.fbs (ModelMetadata and friends).
 *
 * Usage: `node scripts/build-face-landmarker.mjs` (writes the .task), `--write-mesh` also regenerates
 * src/geometry/canonical-mesh.generated.ts. scripts/build-models.mjs calls `build()`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Builder, ByteBuffer } from 'flatbuffers';
import { zipBytes } from './lib/zip.mjs';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FACE_MESH_DIR = resolve(REPO_ROOT, 'node_modules/@mediapipe/face_mesh');
export const FACE_MESH_VERSION = '0.4.1633559619';
export const TASK_FILE = 'face_landmarker.task';

/** Member names tasks-vision's FaceLandmarkerGraph looks up in the bundle. */
export const TASK_MEMBERS = Object.freeze({
  detector: 'face_detector.tflite',
  landmarks: 'face_landmarks_detector.tflite',
  geometry: 'geometry_pipeline_metadata_landmarks.binarypb',
});

const PACKED = {
  detector: '/third_party/mediapipe/modules/face_detection/face_detection_short_range.tflite',
  landmarks: '/third_party/mediapipe/modules/face_landmark/face_landmark.tflite',
  geometry: '/third_party/mediapipe/modules/face_geometry/data/geometry_pipeline_metadata_landmarks.binarypb',
};

/** tensors_to_face_landmarks_graph.cc: kLeftIrisAvgIndices / kRightIrisAvgIndices (eye contours). */
export const LEFT_EYE_CONTOUR = [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173];
export const RIGHT_EYE_CONTOUR = [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398];
const MESH_POINTS = 468;
const IRIS_POINTS_PER_EYE = 5;

// ---------------------------------------------------------------------------------------------------------------
// 1. Cutting the packed assets

/** Returns { detector, landmarks, geometry } as Uint8Arrays cut from the face_mesh package. */
export function extractFaceMeshAssets(faceMeshDir = FACE_MESH_DIR) {
  const pkg = JSON.parse(readFileSync(resolve(faceMeshDir, 'package.json'), 'utf8'));
  if (pkg.version !== FACE_MESH_VERSION) {
    throw new Error(`[build-face-landmarker] @mediapipe/face_mesh ${pkg.version} found, ${FACE_MESH_VERSION} expected`);
  }
  const loader = readFileSync(resolve(faceMeshDir, 'face_mesh_solution_packed_assets_loader.js'), 'utf8');
  const data = readFileSync(resolve(faceMeshDir, 'face_mesh_solution_packed_assets.data'));
  const entries = new Map();
  const re = /"filename":\s*"([^"]+)",\s*"start":\s*(\d+),\s*"end":\s*(\d+)/g;
  for (const m of loader.matchAll(re)) entries.set(m[1], { start: Number(m[2]), end: Number(m[3]) });
  const out = {};
  for (const [key, name] of Object.entries(PACKED)) {
    const e = entries.get(name);
    if (!e || e.end > data.length || e.start >= e.end) throw new Error(`[build-face-landmarker] ${name} not in packed assets`);
    out[key] = new Uint8Array(data.subarray(e.start, e.end));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// 2. The canonical face mesh (GeometryPipelineMetadata proto: canonical_mesh = 1; Mesh3d: vertex_buffer = 3
//    (x, y, z in cm, u, v per vertex), index_buffer = 4 (triangles))

function readVarint(buf, pos) {
  let result = 0;
  let mul = 1;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error('[build-face-landmarker] truncated varint');
    result += (b & 0x7f) * mul;
    if (!(b & 0x80)) return [result, pos];
    mul *= 128;
  }
}

/** Minimal protobuf wire parser: [{ field, wire, value }] (value: number or Uint8Array for length-delimited). */
function parseProto(buf) {
  const out = [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  while (p < buf.length) {
    let key;
    [key, p] = readVarint(buf, p);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      let v;
      [v, p] = readVarint(buf, p);
      out.push({ field, wire, value: v });
    } else if (wire === 2) {
      let len;
      [len, p] = readVarint(buf, p);
      out.push({ field, wire, value: buf.subarray(p, p + len) });
      p += len;
    } else if (wire === 5) {
      out.push({ field, wire, value: dv.getFloat32(p, true) });
      p += 4;
    } else if (wire === 1) {
      out.push({ field, wire, value: dv.getFloat64(p, true) });
      p += 8;
    } else {
      throw new Error(`[build-face-landmarker] unsupported wire type ${wire}`);
    }
  }
  return out;
}

/** { positionsCm: number[468*3], uvs: number[468*2], triangles: number[898*3] } */
export function parseCanonicalMesh(binarypb) {
  const top = parseProto(binarypb);
  const meshField = top.find((f) => f.field === 1 && f.wire === 2);
  if (!meshField) throw new Error('[build-face-landmarker] no canonical_mesh in geometry metadata');
  const floats = [];
  const indices = [];
  for (const f of parseProto(meshField.value)) {
    if (f.field === 3) {
      if (f.wire === 5) floats.push(f.value);
      else if (f.wire === 2) {
        const dv = new DataView(f.value.buffer, f.value.byteOffset, f.value.byteLength);
        for (let i = 0; i < f.value.length; i += 4) floats.push(dv.getFloat32(i, true));
      }
    } else if (f.field === 4) {
      if (f.wire === 0) indices.push(f.value);
      else if (f.wire === 2) {
        let p = 0;
        while (p < f.value.length) {
          let v;
          [v, p] = readVarint(f.value, p);
          indices.push(v);
        }
      }
    } else if ((f.field === 1 || f.field === 2) && f.value !== 0) {
      throw new Error('[build-face-landmarker] unexpected mesh vertex/primitive type');
    }
  }
  if (floats.length !== MESH_POINTS * 5) throw new Error(`[build-face-landmarker] ${floats.length / 5} mesh vertices`);
  if (indices.length % 3 !== 0) throw new Error('[build-face-landmarker] index buffer not triangles');
  const positionsCm = [];
  const uvs = [];
  for (let i = 0; i < MESH_POINTS; i++) {
    positionsCm.push(floats[5 * i], floats[5 * i + 1], floats[5 * i + 2]);
    uvs.push(floats[5 * i + 3], floats[5 * i + 4]);
  }
  return { positionsCm, uvs, triangles: indices };
}

/** TypeScript source of src/geometry/canonical-mesh.generated.ts. */
export function canonicalMeshSource(mesh) {
  const fmt = (arr, per, digits) => {
    const lines = [];
    for (let i = 0; i < arr.length; i += per * 4) {
      lines.push('  ' + arr.slice(i, i + per * 4).map((v) => (digits === null ? String(v) : Number(v.toFixed(digits)).toString())).join(', ') + ',');
    }
    return lines.join('\n');
  };
  return `/**
 * GENERATED by scripts/build-face-landmarker.mjs --write-mesh from @mediapipe/face_mesh@${FACE_MESH_VERSION}
 * (geometry_pipeline_metadata_landmarks.binarypb, Apache-2.0). Do not edit; tests/unit/geometry-face-landmarker-build
 * checks that it matches the package.
 *
 * The canonical face mesh: vertex i is face landmark i. Positions in cm, canonical frame (+x = the face's left,
 * i.e. image right for a frontal face, +y up, +z toward the viewer). UVs in [0, 1]. Triangles index vertices.
 */
export const CANONICAL_VERTEX_COUNT = ${mesh.positionsCm.length / 3};
export const CANONICAL_TRIANGLE_COUNT = ${mesh.triangles.length / 3};

/** x, y, z (cm) per vertex. */
export const CANONICAL_POSITIONS_CM: Float32Array = new Float32Array([
${fmt(mesh.positionsCm, 3, 6)}
]);

/** u, v per vertex. */
export const CANONICAL_UVS: Float32Array = new Float32Array([
${fmt(mesh.uvs, 2, 6)}
]);

/** 3 vertex indices per triangle, winding as in MediaPipe. */
export const CANONICAL_TRIANGLES: Uint16Array = new Uint16Array([
${fmt(mesh.triangles, 6, null)}
]);
`;
}

// ---------------------------------------------------------------------------------------------------------------
// 3. TFLite flatbuffer reading and patching

// tensorflow/lite/schema/schema.fbs field ids.
const MODEL = { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4, metadataBuffer: 5, metadata: 6, signatureDefs: 7 };
const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2, operators: 3 };
const TENSOR = { shape: 0, type: 1, buffer: 2, name: 3, shapeSignature: 7 };
const OPERATOR = { opcodeIndex: 0, inputs: 1, outputs: 2 };
const OPCODE = { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 };
const BUFFER = { data: 0, offset: 1, size: 2 };
const METADATA = { name: 0, buffer: 1 };
const OP_CONV_2D = 3;
const OP_DEQUANTIZE = 6;
const TYPE_FLOAT32 = 0;
const TYPE_FLOAT16 = 1;

/** Read-only view of a TFLite model with absolute byte positions (needed for in-place patches). */
class TfliteView {
  constructor(bytes, identifier = 'TFL3') {
    this.bytes = bytes;
    this.bb = new ByteBuffer(bytes);
    if (!this.bb.__has_identifier(identifier)) throw new Error(`[build-face-landmarker] buffer lacks identifier ${identifier}`);
    this.root = this.bb.readUint32(0);
  }
  /** Absolute position of field `id` of the table at `table`, or 0 when absent. */
  field(table, id) {
    const o = this.bb.__offset(table, 4 + 2 * id);
    return o ? table + o : 0;
  }
  deref(pos) {
    return pos + this.bb.readUint32(pos);
  }
  /** { lenPos, start, length } of a vector field, or null. */
  vector(table, id) {
    const f = this.field(table, id);
    if (!f) return null;
    const lenPos = this.deref(f);
    return { lenPos, start: lenPos + 4, length: this.bb.readUint32(lenPos) };
  }
  tables(table, id) {
    const v = this.vector(table, id);
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => this.deref(v.start + 4 * i));
  }
  ints(table, id) {
    const v = this.vector(table, id);
    if (!v) return null;
    return Array.from({ length: v.length }, (_, i) => this.bb.readInt32(v.start + 4 * i));
  }
  u32(table, id, dflt = 0) {
    const f = this.field(table, id);
    return f ? this.bb.readUint32(f) : dflt;
  }
  i8(table, id, dflt = 0) {
    const f = this.field(table, id);
    return f ? this.bb.readInt8(f) : dflt;
  }
  i32(table, id, dflt = 0) {
    const f = this.field(table, id);
    return f ? this.bb.readInt32(f) : dflt;
  }
  str(table, id) {
    const f = this.field(table, id);
    return f ? this.bb.__string(f) : null;
  }
  /** The root table's vtable field count. */
  rootFieldCount() {
    const vt = this.root - this.bb.readInt32(this.root);
    return (this.bb.readUint16(vt) - 4) / 2;
  }
  subgraph(i = 0) {
    return this.tables(this.root, MODEL.subgraphs)[i];
  }
  buffers() {
    return this.tables(this.root, MODEL.buffers);
  }
  tensor(sg, i) {
    const t = this.tables(sg, SUBGRAPH.tensors)[i];
    return {
      pos: t,
      name: this.str(t, TENSOR.name),
      shape: this.ints(t, TENSOR.shape),
      shapeVec: this.vector(t, TENSOR.shape),
      signatureVec: this.vector(t, TENSOR.shapeSignature),
      type: this.i8(t, TENSOR.type),
      buffer: this.u32(t, TENSOR.buffer),
    };
  }
  builtinCode(opcodeIndex) {
    const oc = this.tables(this.root, MODEL.operatorCodes)[opcodeIndex];
    const extended = this.i32(oc, OPCODE.builtinCode);
    return Math.max(extended, this.i8(oc, OPCODE.deprecatedBuiltinCode));
  }
  operators(sg) {
    return this.tables(sg, SUBGRAPH.operators).map((op) => ({
      code: this.builtinCode(this.u32(op, OPERATOR.opcodeIndex)),
      inputs: this.ints(op, OPERATOR.inputs) ?? [],
      outputs: this.ints(op, OPERATOR.outputs) ?? [],
    }));
  }
  bufferData(bufferIndex) {
    const b = this.buffers()[bufferIndex];
    if (this.field(b, BUFFER.offset)) throw new Error('[build-face-landmarker] external (>2GB) buffers unsupported');
    const v = this.vector(b, BUFFER.data);
    return v ? { start: v.start, length: v.length } : null;
  }
  metadataNames() {
    return this.tables(this.root, MODEL.metadata).map((m) => this.str(m, METADATA.name));
  }
}

/** A compact summary (for tests and logs). */
export function summarizeTflite(bytes) {
  const m = new TfliteView(bytes);
  const sg = m.subgraph(0);
  const io = (id) => (m.ints(sg, id) ?? []).map((i) => {
    const t = m.tensor(sg, i);
    return { name: t.name, shape: t.shape, type: t.type };
  });
  let metadata = null;
  const metas = m.tables(m.root, MODEL.metadata);
  for (const md of metas) {
    if (m.str(md, METADATA.name) !== 'TFLITE_METADATA') continue;
    const d = m.bufferData(m.u32(md, METADATA.buffer));
    if (d) metadata = summarizeMetadata(bytes.subarray(d.start, d.start + d.length));
  }
  return { inputs: io(SUBGRAPH.inputs), outputs: io(SUBGRAPH.outputs), metadataNames: m.metadataNames(), metadata };
}

/** Float values of the constant tensor `name` in subgraph 0 (fp16 or fp32), or null (tests). */
export function tensorValues(bytes, name) {
  const m = new TfliteView(bytes);
  const sg = m.subgraph(0);
  const count = m.tables(sg, SUBGRAPH.tensors).length;
  for (let i = 0; i < count; i++) {
    const t = m.tensor(sg, i);
    if (t.name !== name) continue;
    const d = t.buffer ? m.bufferData(t.buffer) : null;
    if (!d) return null;
    const n = d.length / (t.type === TYPE_FLOAT16 ? 2 : 4);
    return { shape: t.shape, values: readElements(bytes, d.start, n, t.type) };
  }
  return null;
}

// ---- fp16 <-> fp32 (weights of the landmark model are fp16 + DEQUANTIZE)

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToFloat(h) {
  const s = (h & 0x8000) ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Round-to-nearest-even float -> IEEE half. */
export function floatToHalf(v) {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

function readElements(bytes, start, count, type) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + start, count * (type === TYPE_FLOAT16 ? 2 : 4));
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = type === TYPE_FLOAT16 ? halfToFloat(dv.getUint16(2 * i, true)) : dv.getFloat32(4 * i, true);
  return out;
}

function writeElements(values, type) {
  const bytes = new Uint8Array(values.length * (type === TYPE_FLOAT16 ? 2 : 4));
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    if (type === TYPE_FLOAT16) dv.setUint16(2 * i, floatToHalf(values[i]), true);
    else dv.setFloat32(4 * i, values[i], true);
  }
  return bytes;
}

/**
 * Output channel layout of the widened layer: channel 3*p + c is coordinate c of point p. Returns, for each new
 * point 468..477, the list of source points it averages.
 */
export function irisSourcePoints() {
  const out = [];
  for (let k = 0; k < IRIS_POINTS_PER_EYE; k++) out.push(LEFT_EYE_CONTOUR);
  for (let k = 0; k < IRIS_POINTS_PER_EYE; k++) out.push(RIGHT_EYE_CONTOUR);
  return out;
}

/** Follows a tensor back through a DEQUANTIZE op to the constant tensor holding its data. */
function constantSource(view, sg, ops, tensorIndex) {
  const t = view.tensor(sg, tensorIndex);
  if (t.buffer !== 0 && view.bufferData(t.buffer)) return { index: tensorIndex, tensor: t, dequantized: [] };
  const producer = ops.find((o) => o.outputs.includes(tensorIndex));
  if (!producer || producer.code !== OP_DEQUANTIZE) throw new Error(`[build-face-landmarker] tensor ${t.name} has no constant source`);
  const src = constantSource(view, sg, ops, producer.inputs[0]);
  return { ...src, dequantized: [...src.dequantized, tensorIndex] };
}

/**
 * Plans the widening of the landmark model's first output. Returns in-place shape patches and replacement data
 * for the weight and bias buffers.
 */
function planWidening(view, fromPoints, toPoints) {
  const sg = view.subgraph(0);
  const ops = view.operators(sg);
  const outIndex = (view.ints(sg, SUBGRAPH.outputs) ?? [])[0];
  const out = view.tensor(sg, outIndex);
  const fromCh = fromPoints * 3;
  const toCh = toPoints * 3;
  if (!out.shape || out.shape[out.shape.length - 1] !== fromCh) {
    throw new Error(`[build-face-landmarker] landmark output ${out.name} is ${JSON.stringify(out.shape)}, expected last dim ${fromCh}`);
  }
  const conv = ops.find((o) => o.outputs.includes(outIndex));
  if (!conv || conv.code !== OP_CONV_2D) throw new Error('[build-face-landmarker] landmark output is not produced by CONV_2D');
  const kernel = constantSource(view, sg, ops, conv.inputs[1]);
  const bias = constantSource(view, sg, ops, conv.inputs[2]);
  const shapePatches = [];
  // Output [.., 1404] -> [.., 1434]; kernel [1404, kh, kw, cin] -> [1434, ...]; bias [1404] -> [1434].
  shapePatches.push({ tensor: outIndex, dim: out.shape.length - 1 });
  for (const ti of [kernel.index, ...kernel.dequantized, bias.index, ...bias.dequantized]) shapePatches.push({ tensor: ti, dim: 0 });
  for (const p of shapePatches) {
    const t = view.tensor(sg, p.tensor);
    if (t.shape[p.dim] !== fromCh) throw new Error(`[build-face-landmarker] ${t.name} dim ${p.dim} is ${t.shape[p.dim]}`);
  }
  const sources = irisSourcePoints();
  if (sources.length !== toPoints - fromPoints) throw new Error('[build-face-landmarker] iris plan mismatch');
  const widen = (src, rowSize) => {
    const data = view.bufferData(src.tensor.buffer);
    const count = fromCh * rowSize;
    if (data.length !== count * (src.tensor.type === TYPE_FLOAT16 ? 2 : 4)) throw new Error(`[build-face-landmarker] ${src.tensor.name} size mismatch`);
    if (src.tensor.type !== TYPE_FLOAT16 && src.tensor.type !== TYPE_FLOAT32) throw new Error(`[build-face-landmarker] ${src.tensor.name} type ${src.tensor.type}`);
    const old = readElements(view.bytes, data.start, count, src.tensor.type);
    const wide = new Float64Array(toCh * rowSize);
    wide.set(old);
    sources.forEach((points, k) => {
      for (let c = 0; c < 3; c++) {
        const dst = (3 * (fromPoints + k) + c) * rowSize;
        for (let j = 0; j < rowSize; j++) {
          let s = 0;
          for (const p of points) s += old[(3 * p + c) * rowSize + j];
          wide[dst + j] = s / points.length;
        }
      }
    });
    return { buffer: src.tensor.buffer, bytes: writeElements(wide, src.tensor.type), dead: data };
  };
  const rowSize = kernel.tensor.shape.slice(1).reduce((a, b) => a * b, 1);
  return { sg, shapePatches, toCh, replacements: [widen(kernel, rowSize), widen(bias, 1)] };
}

/** Checks that no other tensor shares a patched shape vector or a replaced buffer (we edit them in place). */
function assertExclusive(view, plan) {
  const sg = plan.sg;
  const n = view.ints(view.subgraph(0), SUBGRAPH.inputs) ? view.tables(sg, SUBGRAPH.tensors).length : 0;
  const patched = new Set(plan.shapePatches.map((p) => p.tensor));
  const shapePos = new Map();
  const bufferUsers = new Map();
  for (const [si, s] of view.tables(view.root, MODEL.subgraphs).entries()) {
    const count = view.tables(s, SUBGRAPH.tensors).length;
    for (let i = 0; i < count; i++) {
      const t = view.tensor(s, i);
      const key = `${si}:${i}`;
      if (t.shapeVec) shapePos.set(t.shapeVec.lenPos, [...(shapePos.get(t.shapeVec.lenPos) ?? []), key]);
      if (t.signatureVec) shapePos.set(t.signatureVec.lenPos, [...(shapePos.get(t.signatureVec.lenPos) ?? []), key]);
      if (t.buffer) bufferUsers.set(t.buffer, [...(bufferUsers.get(t.buffer) ?? []), key]);
    }
  }
  void n;
  for (const users of shapePos.values()) {
    const ours = users.filter((u) => u.startsWith('0:') && patched.has(Number(u.slice(2))));
    if (ours.length && ours.length !== users.length) throw new Error('[build-face-landmarker] a patched shape vector is shared');
  }
  for (const r of plan.replacements) {
    if ((bufferUsers.get(r.buffer) ?? []).length !== 1) throw new Error(`[build-face-landmarker] buffer ${r.buffer} is shared`);
  }
}

/** Applies in-place shape patches to a copy of the model bytes. */
function applyShapePatches(bytes, view, plan) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const done = new Set();
  for (const p of plan.shapePatches) {
    const t = view.tensor(plan.sg, p.tensor);
    for (const vec of [t.shapeVec, t.signatureVec]) {
      if (!vec) continue;
      const pos = vec.start + 4 * p.dim;
      if (done.has(pos)) continue;
      done.add(pos);
      const cur = dv.getInt32(pos, true);
      if (cur !== -1) dv.setInt32(pos, plan.toCh, true);
    }
  }
}

// ---- TFLite model metadata (metadata_schema.fbs, file identifier M001)

const MM = { name: 0, description: 1, version: 2, subgraphMetadata: 3, author: 4, license: 5, minParserVersion: 7 };
const SGM = { name: 0, description: 1, inputTensorMetadata: 2, outputTensorMetadata: 3 };
const TM = { name: 0, description: 1, content: 3, processUnits: 4, stats: 5 };
const CONTENT = { propertiesType: 0, properties: 1 };
const CONTENT_IMAGE_PROPERTIES = 2;
const IMAGE_PROPS = { colorSpace: 0 };
const COLOR_SPACE_RGB = 1;
const PROCESS_UNIT = { optionsType: 0, options: 1 };
const PROCESS_UNIT_NORMALIZATION = 1;
const NORMALIZATION = { mean: 0, std: 1 };
const STATS = { max: 0, min: 1 };

/**
 * Builds a ModelMetadata flatbuffer: one RGB image input with NormalizationOptions (x - mean) / std, and named
 * outputs. `input`: { name, description, mean, std, min, max }; `outputs`: [{ name, description }].
 */
export function buildImageModelMetadata({ name, description, author, license, input, outputs }) {
  const b = new Builder(1024);
  const floats = (arr) => {
    b.startVector(4, arr.length, 4);
    for (let i = arr.length - 1; i >= 0; i--) b.addFloat32(arr[i]);
    return b.endVector();
  };
  const offsets = (arr) => {
    b.startVector(4, arr.length, 4);
    for (let i = arr.length - 1; i >= 0; i--) b.addOffset(arr[i]);
    return b.endVector();
  };
  // Input tensor.
  const inName = b.createString(input.name);
  const inDesc = b.createString(input.description);
  b.startObject(2);
  b.addFieldInt8(IMAGE_PROPS.colorSpace, COLOR_SPACE_RGB, 0);
  const imageProps = b.endObject();
  b.startObject(3);
  b.addFieldInt8(CONTENT.propertiesType, CONTENT_IMAGE_PROPERTIES, 0);
  b.addFieldOffset(CONTENT.properties, imageProps, 0);
  const content = b.endObject();
  const mean = floats([input.mean]);
  const std = floats([input.std]);
  b.startObject(2);
  b.addFieldOffset(NORMALIZATION.mean, mean, 0);
  b.addFieldOffset(NORMALIZATION.std, std, 0);
  const norm = b.endObject();
  b.startObject(2);
  b.addFieldInt8(PROCESS_UNIT.optionsType, PROCESS_UNIT_NORMALIZATION, 0);
  b.addFieldOffset(PROCESS_UNIT.options, norm, 0);
  const unit = b.endObject();
  const units = offsets([unit]);
  const statMax = floats([input.max]);
  const statMin = floats([input.min]);
  b.startObject(2);
  b.addFieldOffset(STATS.max, statMax, 0);
  b.addFieldOffset(STATS.min, statMin, 0);
  const stats = b.endObject();
  b.startObject(7);
  b.addFieldOffset(TM.name, inName, 0);
  b.addFieldOffset(TM.description, inDesc, 0);
  b.addFieldOffset(TM.content, content, 0);
  b.addFieldOffset(TM.processUnits, units, 0);
  b.addFieldOffset(TM.stats, stats, 0);
  const inMeta = b.endObject();
  // Output tensors: names only.
  const outMetas = outputs.map((o) => {
    const n = b.createString(o.name);
    const d = b.createString(o.description);
    b.startObject(7);
    b.addFieldOffset(TM.name, n, 0);
    b.addFieldOffset(TM.description, d, 0);
    return b.endObject();
  });
  const inVec = offsets([inMeta]);
  const outVec = offsets(outMetas);
  b.startObject(7);
  b.addFieldOffset(SGM.inputTensorMetadata, inVec, 0);
  b.addFieldOffset(SGM.outputTensorMetadata, outVec, 0);
  const sgm = b.endObject();
  const sgVec = offsets([sgm]);
  const mName = b.createString(name);
  const mDesc = b.createString(description);
  const mVersion = b.createString('1');
  const mAuthor = b.createString(author);
  const mLicense = b.createString(license);
  const mParser = b.createString('1.0.0');
  b.startObject(8);
  b.addFieldOffset(MM.name, mName, 0);
  b.addFieldOffset(MM.description, mDesc, 0);
  b.addFieldOffset(MM.version, mVersion, 0);
  b.addFieldOffset(MM.subgraphMetadata, sgVec, 0);
  b.addFieldOffset(MM.author, mAuthor, 0);
  b.addFieldOffset(MM.license, mLicense, 0);
  b.addFieldOffset(MM.minParserVersion, mParser, 0);
  const root = b.endObject();
  b.finish(root, 'M001');
  return b.asUint8Array().slice();
}

/** Reads back what buildImageModelMetadata wrote (tests). */
export function summarizeMetadata(bytes) {
  const v = new TfliteView(new Uint8Array(bytes), 'M001');
  const bb = v.bb;
  const root = v.root;
  const sgm = v.tables(root, MM.subgraphMetadata)[0];
  const inputs = v.tables(sgm, SGM.inputTensorMetadata).map((tm) => {
    const unit = v.tables(tm, TM.processUnits)[0];
    const norm = unit ? v.deref(v.field(unit, PROCESS_UNIT.options)) : 0;
    const floatsOf = (t, id) => {
      const vec = v.vector(t, id);
      return vec ? Array.from({ length: vec.length }, (_, i) => bb.readFloat32(vec.start + 4 * i)) : null;
    };
    const content = v.deref(v.field(tm, TM.content));
    return {
      name: v.str(tm, TM.name),
      contentType: v.i8(content, CONTENT.propertiesType),
      processUnitType: unit ? v.i8(unit, PROCESS_UNIT.optionsType) : 0,
      mean: norm ? floatsOf(norm, NORMALIZATION.mean) : null,
      std: norm ? floatsOf(norm, NORMALIZATION.std) : null,
    };
  });
  const outputs = v.tables(sgm, SGM.outputTensorMetadata).map((tm) => v.str(tm, TM.name));
  return { name: v.str(root, MM.name), inputs, outputs };
}

/**
 * Rewrites a TFLite model: optional widening plan, extra metadata entries ({ name, bytes }). See the file header
 * for the layout trick. Returns new bytes.
 */
function rewriteTflite(original, { widenFromPoints, widenToPoints, metadata = [] }) {
  const view = new TfliteView(original);
  const knownFields = Object.keys(MODEL).length;
  if (view.rootFieldCount() > knownFields) throw new Error('[build-face-landmarker] Model has fields this script does not know');
  const blob = new Uint8Array(Math.ceil(original.length / 16) * 16);
  blob.set(original);
  const replacements = new Map();
  if (widenFromPoints) {
    const plan = planWidening(view, widenFromPoints, widenToPoints);
    assertExclusive(view, plan);
    applyShapePatches(blob, view, plan);
    for (const r of plan.replacements) {
      replacements.set(r.buffer, r.bytes);
      blob.fill(0, r.dead.start, r.dead.start + r.dead.length); // dead now: zero so it compresses away
    }
  }
  const L = blob.length;
  const b = new Builder(L + 1024 * 1024);
  // The original model first: it ends up at the end of the output. Old absolute position p == builder offset L - p.
  b.createByteVector(blob);
  if (b.offset() !== L + 4) throw new Error('[build-face-landmarker] unexpected blob placement');
  const old = (p) => L - p;
  b.prep(16, 0);

  const oldBuffers = view.buffers();
  const newBufferTables = [];
  for (const [index, bytes] of [...replacements.entries()].sort((a, c) => a[0] - c[0])) {
    b.startVector(1, bytes.length, 16);
    b.bb.setPosition((b.space -= bytes.length));
    b.bb.bytes().set(bytes, b.space);
    const data = b.endVector();
    b.startObject(3);
    b.addFieldOffset(BUFFER.data, data, 0);
    newBufferTables.push([index, b.endObject()]);
  }
  const replaced = new Map(newBufferTables);
  const metaEntries = [];
  for (const m of metadata) {
    b.startVector(1, m.bytes.length, 16);
    b.bb.setPosition((b.space -= m.bytes.length));
    b.bb.bytes().set(m.bytes, b.space);
    const data = b.endVector();
    b.startObject(3);
    b.addFieldOffset(BUFFER.data, data, 0);
    const bufTable = b.endObject();
    const index = oldBuffers.length + metaEntries.length;
    metaEntries.push({ name: m.name, index, bufTable });
  }
  // buffers vector: old tables (by reference into the blob), replaced ones, then metadata buffers.
  const bufferOffsets = oldBuffers.map((p, i) => replaced.get(i) ?? old(p)).concat(metaEntries.map((e) => e.bufTable));
  b.startVector(4, bufferOffsets.length, 4);
  for (let i = bufferOffsets.length - 1; i >= 0; i--) b.addOffset(bufferOffsets[i]);
  const buffersVec = b.endVector();
  // metadata vector: old entries + ours. Existing entries with the same name are dropped (rebuild is idempotent).
  const ourNames = new Set(metadata.map((m) => m.name));
  const oldMeta = view.tables(view.root, MODEL.metadata).filter((t) => !ourNames.has(view.str(t, METADATA.name))).map(old);
  const newMeta = metaEntries.map((e) => {
    const n = b.createString(e.name);
    b.startObject(2);
    b.addFieldOffset(METADATA.name, n, 0);
    b.addFieldInt32(METADATA.buffer, e.index, 0);
    return b.endObject();
  });
  const metaOffsets = [...oldMeta, ...newMeta];
  b.startVector(4, metaOffsets.length, 4);
  for (let i = metaOffsets.length - 1; i >= 0; i--) b.addOffset(metaOffsets[i]);
  const metadataVec = b.endVector();

  const ref = (id) => {
    const f = view.field(view.root, id);
    return f ? old(view.deref(f)) : 0;
  };
  b.startObject(knownFields);
  b.addFieldInt32(MODEL.version, view.u32(view.root, MODEL.version), 0);
  b.addFieldOffset(MODEL.operatorCodes, ref(MODEL.operatorCodes), 0);
  b.addFieldOffset(MODEL.subgraphs, ref(MODEL.subgraphs), 0);
  b.addFieldOffset(MODEL.description, ref(MODEL.description), 0);
  b.addFieldOffset(MODEL.buffers, buffersVec, 0);
  b.addFieldOffset(MODEL.metadataBuffer, ref(MODEL.metadataBuffer), 0);
  b.addFieldOffset(MODEL.metadata, metadataVec, 0);
  b.addFieldOffset(MODEL.signatureDefs, ref(MODEL.signatureDefs), 0);
  const root = b.endObject();
  b.finish(root, 'TFL3');
  const out = b.asUint8Array().slice();
  if (out.length % 16 !== 0 || (out.length - L) % 16 !== 0) throw new Error('[build-face-landmarker] alignment lost');
  return out;
}

export function patchDetector(bytes) {
  const meta = buildImageModelMetadata({
    name: 'face_detection_short_range',
    description: 'BlazeFace short-range face detector (MediaPipe), metadata added for tasks-vision.',
    author: 'MediaPipe (Google); metadata by relight build-face-landmarker',
    license: 'Apache-2.0',
    input: { name: 'image', description: 'RGB 128x128, normalised to [-1, 1].', mean: 127.5, std: 127.5, min: -1, max: 1 },
    outputs: [{ name: 'regressors', description: '896 anchors x 16' }, { name: 'classificators', description: '896 scores (logits)' }],
  });
  return rewriteTflite(bytes, { metadata: [{ name: 'TFLITE_METADATA', bytes: meta }] });
}

export function patchLandmarks(bytes) {
  const meta = buildImageModelMetadata({
    name: 'face_landmark',
    description: 'MediaPipe face mesh (468 points) widened to 478 (iris points = eye-contour averages).',
    author: 'MediaPipe (Google); widened by relight build-face-landmarker',
    license: 'Apache-2.0',
    input: { name: 'image', description: 'RGB 192x192 face crop, normalised to [0, 1].', mean: 0, std: 255, min: 0, max: 1 },
    outputs: [{ name: 'landmarks', description: '478 x (x, y, z) in input pixels' }, { name: 'face_flag', description: 'face presence logit' }],
  });
  return rewriteTflite(bytes, {
    widenFromPoints: MESH_POINTS,
    widenToPoints: MESH_POINTS + 2 * IRIS_POINTS_PER_EYE,
    metadata: [{ name: 'TFLITE_METADATA', bytes: meta }],
  });
}

// ---------------------------------------------------------------------------------------------------------------

/** Builds the .task bytes in memory: { task, members: { name: bytes } }. */
export function buildFaceLandmarkerTask(faceMeshDir = FACE_MESH_DIR) {
  const assets = extractFaceMeshAssets(faceMeshDir);
  const members = {
    [TASK_MEMBERS.detector]: patchDetector(assets.detector),
    [TASK_MEMBERS.landmarks]: patchLandmarks(assets.landmarks),
    [TASK_MEMBERS.geometry]: assets.geometry,
  };
  // 4. A stored zip, members 64-byte aligned (MediaPipe maps them in place), fixed timestamps.
  const task = zipBytes(Object.entries(members).map(([name, bytes]) => ({ name, bytes })), { align: 64 });
  return { task, members, assets };
}

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Entry point for scripts/build-models.mjs. Writes models/generated/face_landmarker.task (only when the bytes
 * changed) and returns what it wrote.
 */
export async function build({ outDir = resolve(REPO_ROOT, 'models/generated'), log = console.log } = {}) {
  const t0 = performance.now();
  const { task } = buildFaceLandmarkerTask();
  mkdirSync(outDir, { recursive: true });
  const path = resolve(outDir, TASK_FILE);
  const hash = sha256(task);
  const same = existsSync(path) && sha256(readFileSync(path)) === hash;
  if (!same) writeFileSync(path, task);
  log(`[build-face-landmarker] ${path} ${(task.length / 1e6).toFixed(2)} MB sha256 ${hash.slice(0, 16)}${same ? ' (unchanged)' : ''} in ${(performance.now() - t0).toFixed(0)} ms`);
  return { outputs: [path], sha256: hash };
}

export const CANONICAL_MESH_TS = resolve(REPO_ROOT, 'src/geometry/canonical-mesh.generated.ts');

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await build();
  if (process.argv.includes('--write-mesh')) {
    const mesh = parseCanonicalMesh(extractFaceMeshAssets().geometry);
    writeFileSync(CANONICAL_MESH_TS, canonicalMeshSource(mesh));
    console.log(`[build-face-landmarker] wrote ${CANONICAL_MESH_TS}`);
  }
}
