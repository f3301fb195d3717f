/**
 * Builds the selfie segmentation models that tasks-vision's ImageSegmenter accepts.
 *
 * In:  node_modules/@mediapipe/selfie_segmentation/selfie_segmentation{,_landscape}.tflite (Apache-2.0).
 * Out: models/generated/selfie_segmenter{,_landscape}.tflite (git-ignored; byte-identical on every run).
 *
 * Why: the legacy files carry no TFLite Model Metadata, and ImageSegmenter refuses a float32 image input without
 * NormalizationOptions. We add a `TFLITE_METADATA` buffer: an RGB image input normalised with mean 0, std 255
 * (input in [0,1], as the legacy MediaPipe graph fed it) and a grayscale output that is already a sigmoid
 * confidence (so the segmenter's default activation NONE is right).
 *
 * How: flatbuffer offsets (uoffset) always point forward, so instead of re-serialising the whole model we keep
 * the original file as one untouched block at the END of the new file and write, in front of it, a new root
 * `Model` table whose fields point forward into that block (operator codes, subgraphs, description, old
 * buffers), plus a new buffers vector (old buffer tables + one metadata buffer) and a new metadata vector. The
 * block starts at a 16-byte-aligned position, so every `force_align: 16` buffer in it stays aligned. Readers
 * only follow offsets from the root, so the old root table inside the block is simply unreferenced.
 *
 * Field ids (tensorflow/lite/schema/schema.fbs): Model{version 0, operator_codes 1, subgraphs 2, description 3,
 * buffers 4, metadata_buffer 5, metadata 6, signature_defs 7}; Buffer{data 0, offset 1, size 2};
 * Metadata{name 0, buffer 1}; SubGraph{tensors 0, inputs 1, outputs 2}; Tensor{shape 0, type 1, name 3}.
 * tflite-support metadata_schema.fbs (file_identifier "M001"): ModelMetadata{name 0, description 1, version 2,
 * subgraph_metadata 3, author 4, license 5, associated_files 6, min_parser_version 7};
 * SubGraphMetadata{name 0, description 1, input_tensor_metadata 2, output_tensor_metadata 3};
 * TensorMetadata{name 0, description 1, dimension_names 2, content 3, process_units 4, stats 5};
 * Content{content_properties_type 0, content_properties 1, range 2}, ContentProperties.ImageProperties = 2;
 * ImageProperties{color_space 0, default_size 1}, ColorSpaceType RGB = 1, GRAYSCALE = 2; ImageSize{width 0,
 * height 1}; ProcessUnit{options_type 0, options 1}, ProcessUnitOptions.NormalizationOptions = 1;
 * NormalizationOptions{mean 0, std 1}; Stats{max 0, min 1}.
 *
 * Usage: `node scripts/build-segmenter-model.mjs [--out-dir DIR]` or `build({ outDir })` (scripts/build-models.mjs).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Builder, ByteBuffer } from 'flatbuffers';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIR = resolve(REPO_ROOT, 'node_modules/@mediapipe/selfie_segmentation');

export const METADATA_NAME = 'TFLITE_METADATA';

/** The models we generate: source file in the npm package -> output file name. */
export const SEGMENTER_MODELS = [
  {
    source: 'selfie_segmentation.tflite',
    output: 'selfie_segmenter.tflite',
    title: 'MediaPipe selfie segmentation (general)',
  },
  {
    source: 'selfie_segmentation_landscape.tflite',
    output: 'selfie_segmenter_landscape.tflite',
    title: 'MediaPipe selfie segmentation (landscape)',
  },
];

const TENSOR_TYPE_FLOAT32 = 0;
const CONTENT_IMAGE_PROPERTIES = 2;
const COLOR_SPACE_RGB = 1;
const COLOR_SPACE_GRAYSCALE = 2;
const PROCESS_UNIT_NORMALIZATION = 1;
/** Alignment the TFLite schema demands for buffer data (`force_align: 16`). */
const BUFFER_ALIGN = 16;

// ---------------------------------------------------------------------------------------------------------------
// Reading (just enough of the TFLite schema to find what we need)

/** Minimal flatbuffer table reader over a ByteBuffer. Positions are absolute byte offsets. */
function table(bb, pos) {
  const field = (id) => {
    const o = bb.__offset(pos, 4 + 2 * id);
    return o ? pos + o : 0;
  };
  return {
    pos,
    has: (id) => field(id) !== 0,
    /** Absolute position of the referenced object (table, vector or string), 0 when absent. */
    ref: (id) => {
      const f = field(id);
      return f ? bb.__indirect(f) : 0;
    },
    uint32: (id, dflt = 0) => {
      const f = field(id);
      return f ? bb.readUint32(f) : dflt;
    },
    int8: (id, dflt = 0) => {
      const f = field(id);
      return f ? bb.readInt8(f) : dflt;
    },
    string: (id) => {
      const f = field(id);
      return f ? bb.__string(f) : null;
    },
    /** Vector as { start, length } (start = first element), or null. */
    vector: (id) => {
      const f = field(id);
      return f ? { start: bb.__vector(f), length: bb.__vector_len(f) } : null;
    },
  };
}

function readInt32Vector(bb, vec) {
  const out = [];
  for (let i = 0; vec && i < vec.length; i++) out.push(bb.readInt32(vec.start + 4 * i));
  return out;
}

/** Absolute positions of the tables a vector of tables points at. */
function tablePositions(bb, vec) {
  const out = [];
  for (let i = 0; vec && i < vec.length; i++) out.push(bb.__indirect(vec.start + 4 * i));
  return out;
}

/** What the build needs to know about a TFLite model file. */
export function inspectTflite(bytes) {
  const bb = new ByteBuffer(bytes);
  if (bb.getBufferIdentifier() !== 'TFL3') throw new Error('[SegmenterModelBuild] not a TFLite (TFL3) flatbuffer');
  const model = table(bb, bb.readUint32(0));
  const subgraphs = tablePositions(bb, model.vector(2));
  if (subgraphs.length !== 1) throw new Error(`[SegmenterModelBuild] expected 1 subgraph, found ${subgraphs.length}`);
  const sub = table(bb, subgraphs[0]);
  const tensors = tablePositions(bb, sub.vector(0));
  const describe = (index) => {
    const t = table(bb, tensors[index]);
    return { index, name: t.string(3), shape: readInt32Vector(bb, t.vector(0)), type: t.int8(1, 0) };
  };
  const metadata = tablePositions(bb, model.vector(6)).map((p) => {
    const m = table(bb, p);
    return { pos: p, name: m.string(0), buffer: m.uint32(1) };
  });
  return {
    bb,
    model,
    version: model.uint32(0),
    description: model.string(3),
    bufferTables: tablePositions(bb, model.vector(4)),
    metadata,
    inputs: readInt32Vector(bb, sub.vector(1)).map(describe),
    outputs: readInt32Vector(bb, sub.vector(2)).map(describe),
  };
}

/** Bytes of the buffer a metadata entry points at, or null. */
export function readMetadataBuffer(bytes, name = METADATA_NAME) {
  const info = inspectTflite(bytes);
  const entry = info.metadata.find((m) => m.name === name);
  if (!entry) return null;
  const buffer = table(info.bb, info.bufferTables[entry.buffer]);
  const data = buffer.vector(0);
  return data ? bytes.subarray(data.start, data.start + data.length) : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing the ModelMetadata flatbuffer

function floatVector(b, values) {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
  return b.endVector();
}

function offsetVector(b, offsets) {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}

function stats(b, min, max) {
  const maxV = floatVector(b, [max]);
  const minV = floatVector(b, [min]);
  b.startObject(2);
  b.addFieldOffset(0, maxV, 0);
  b.addFieldOffset(1, minV, 0);
  return b.endObject();
}

function imageContent(b, colorSpace, widthPx, heightPx) {
  b.startObject(2); // ImageSize
  b.addFieldInt32(0, widthPx, 0);
  b.addFieldInt32(1, heightPx, 0);
  const size = b.endObject();
  b.startObject(2); // ImageProperties
  b.addFieldInt8(0, colorSpace, 0);
  b.addFieldOffset(1, size, 0);
  const props = b.endObject();
  b.startObject(3); // Content
  b.addFieldInt8(0, CONTENT_IMAGE_PROPERTIES, 0);
  b.addFieldOffset(1, props, 0);
  return b.endObject();
}

function tensorMetadata(b, { name, description, content, processUnits, statsTable }) {
  const nameS = b.createString(name);
  const descS = b.createString(description);
  const units = processUnits ? offsetVector(b, processUnits) : 0;
  b.startObject(7);
  b.addFieldOffset(0, nameS, 0);
  b.addFieldOffset(1, descS, 0);
  b.addFieldOffset(3, content, 0);
  if (units) b.addFieldOffset(4, units, 0);
  if (statsTable) b.addFieldOffset(5, statsTable, 0);
  return b.endObject();
}

/** The ModelMetadata ("M001") flatbuffer for a selfie model with input/output size heightPx x widthPx. */
export function buildModelMetadata({ title, widthPx, heightPx, sourceDescription }) {
  const b = new Builder(1024);

  // Input: RGB image, (x - 0) / 255 -> [0, 1].
  const mean = floatVector(b, [0]);
  const std = floatVector(b, [255]);
  b.startObject(2);
  b.addFieldOffset(0, mean, 0);
  b.addFieldOffset(1, std, 0);
  const normalization = b.endObject();
  b.startObject(2);
  b.addFieldInt8(0, PROCESS_UNIT_NORMALIZATION, 0);
  b.addFieldOffset(1, normalization, 0);
  const unit = b.endObject();
  const input = tensorMetadata(b, {
    name: 'image',
    description: `RGB image, ${widthPx}x${heightPx}, values normalised to [0, 1].`,
    content: imageContent(b, COLOR_SPACE_RGB, widthPx, heightPx),
    processUnits: [unit],
    statsTable: stats(b, 0, 1),
  });

  // Output: one channel, person confidence after the model's own sigmoid.
  const output = tensorMetadata(b, {
    name: 'segmentation_mask',
    description: 'Person confidence in [0, 1] (the model ends in a sigmoid: no activation needed).',
    content: imageContent(b, COLOR_SPACE_GRAYSCALE, widthPx, heightPx),
    statsTable: stats(b, 0, 1),
  });

  const sgName = b.createString('selfie_segmentation');
  const inputs = offsetVector(b, [input]);
  const outputs = offsetVector(b, [output]);
  b.startObject(10);
  b.addFieldOffset(0, sgName, 0);
  b.addFieldOffset(2, inputs, 0);
  b.addFieldOffset(3, outputs, 0);
  const subgraph = b.endObject();

  const name = b.createString(title);
  const description = b.createString(
    `Person segmentation, ${widthPx}x${heightPx} RGB in [0,1] -> 1-channel confidence. Source: ${sourceDescription}. ` +
      'Metadata added by scripts/build-segmenter-model.mjs; model bytes unchanged.',
  );
  const subgraphs = offsetVector(b, [subgraph]);
  const author = b.createString('Google (MediaPipe)');
  const license = b.createString('Apache-2.0');
  const minParser = b.createString('1.0.0');
  b.startObject(8);
  b.addFieldOffset(0, name, 0);
  b.addFieldOffset(1, description, 0);
  b.addFieldOffset(3, subgraphs, 0);
  b.addFieldOffset(4, author, 0);
  b.addFieldOffset(5, license, 0);
  b.addFieldOffset(7, minParser, 0);
  const root = b.endObject();
  b.finish(root, 'M001');
  return b.asUint8Array().slice();
}

// ---------------------------------------------------------------------------------------------------------------
// Writing the new model: new root in front, original file untouched behind it

/** Returns `original` with a TFLITE_METADATA buffer holding `metadataBytes`. The original stays one block. */
export function addMetadataBuffer(original, metadataBytes) {
  const info = inspectTflite(original);
  if (info.metadata.some((m) => m.name === METADATA_NAME)) {
    throw new Error(`[SegmenterModelBuild] model already has ${METADATA_NAME}`);
  }
  const b = new Builder(original.length + metadataBytes.length + 1024);

  // 1. The original file, written first = it ends up last. prep() pads so that its first byte is 16-aligned
  // (relative to the end now, and to the start once finish() has padded the total to a multiple of 16).
  b.prep(BUFFER_ALIGN, original.length);
  for (let i = original.length - 1; i >= 0; i--) b.writeInt8(original[i]);
  const blobStart = b.offset();
  /** Builder offset (distance from the end) of absolute position `pos` inside the original. */
  const at = (pos) => blobStart - pos;

  // 2. The metadata buffer table.
  b.startVector(1, metadataBytes.length, BUFFER_ALIGN);
  for (let i = metadataBytes.length - 1; i >= 0; i--) b.addInt8(metadataBytes[i]);
  const data = b.endVector();
  b.startObject(3);
  b.addFieldOffset(0, data, 0);
  const metadataBuffer = b.endObject();
  const metadataBufferIndex = info.bufferTables.length;

  // 3. buffers = old buffer tables (by reference) + ours; metadata = old entries (by reference) + ours.
  const buffers = offsetVector(b, [...info.bufferTables.map(at), metadataBuffer]);
  const entryName = b.createString(METADATA_NAME);
  b.startObject(2);
  b.addFieldOffset(0, entryName, 0);
  b.addFieldInt32(1, metadataBufferIndex, 0);
  const entry = b.endObject();
  const metadata = offsetVector(b, [...info.metadata.map((m) => at(m.pos)), entry]);

  // 4. The new root: every other field points at the original's objects.
  const m = info.model;
  b.startObject(8);
  b.addFieldInt32(0, info.version, 0);
  for (const id of [1, 2, 3, 5, 7]) if (m.has(id)) b.addFieldOffset(id, at(m.ref(id)), 0);
  b.addFieldOffset(4, buffers, 0);
  b.addFieldOffset(6, metadata, 0);
  const root = b.endObject();
  b.finish(root, 'TFL3');
  return b.asUint8Array().slice();
}

/** Byte offset of the original model inside a file written by addMetadataBuffer (for tests and checks). */
export function findOriginalBlock(built, original) {
  return Buffer.from(built.buffer, built.byteOffset, built.length).indexOf(
    Buffer.from(original.buffer, original.byteOffset, original.length),
  );
}

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Builds one model from its source bytes (pure: no file access). */
export function buildSegmenterModel(original, spec) {
  const info = inspectTflite(original);
  const [input] = info.inputs;
  const [output] = info.outputs;
  if (info.inputs.length !== 1 || info.outputs.length !== 1 || !input || !output) {
    throw new Error('[SegmenterModelBuild] expected one input and one output tensor');
  }
  const [n, heightPx, widthPx, channels] = input.shape;
  if (n !== 1 || channels !== 3 || input.type !== TENSOR_TYPE_FLOAT32) {
    throw new Error(`[SegmenterModelBuild] unexpected input ${JSON.stringify(input)}`);
  }
  const outShape = output.shape.join('x');
  if (outShape !== `1x${heightPx}x${widthPx}x1` || output.type !== TENSOR_TYPE_FLOAT32) {
    throw new Error(`[SegmenterModelBuild] unexpected output ${JSON.stringify(output)}`);
  }
  const metadata = buildModelMetadata({
    title: spec.title,
    widthPx,
    heightPx,
    sourceDescription: `@mediapipe/selfie_segmentation ${spec.source} (${info.description ?? 'no description'})`,
  });
  return { bytes: addMetadataBuffer(original, metadata), widthPx, heightPx };
}

/** Builds every segmenter model into `outDir` (default models/generated). Skips writing identical files. */
export async function build({ outDir = resolve(REPO_ROOT, 'models/generated'), log = console.log } = {}) {
  mkdirSync(outDir, { recursive: true });
  const results = [];
  for (const spec of SEGMENTER_MODELS) {
    const sourcePath = resolve(SOURCE_DIR, spec.source);
    if (!existsSync(sourcePath)) {
      throw new Error(`[SegmenterModelBuild] ${sourcePath} missing: is @mediapipe/selfie_segmentation installed?`);
    }
    const original = new Uint8Array(readFileSync(sourcePath));
    const { bytes, widthPx, heightPx } = buildSegmenterModel(original, spec);
    const outPath = resolve(outDir, spec.output);
    const digest = sha256(bytes);
    const unchanged = existsSync(outPath) && sha256(readFileSync(outPath)) === digest;
    if (!unchanged) writeFileSync(outPath, bytes);
    log(`[SegmenterModelBuild] ${spec.output} ${widthPx}x${heightPx} ${bytes.length} B sha256 ${digest}` +
      (unchanged ? ' (unchanged)' : ''));
    results.push({ path: outPath, sha256: digest, bytes: bytes.length });
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const i = process.argv.indexOf('--out-dir');
  const outDir = i >= 0 ? resolve(process.argv[i + 1] ?? '') : undefined;
  build(outDir ? { outDir } : {}).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
