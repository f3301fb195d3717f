/**
 * scripts/build-segmenter-model.mjs: deterministic output, metadata that parses back, original model untouched.
 * The reader below is written independently of the script's own (it walks the flatbuffers by field id), so a
 * wrong field id in the writer shows up here instead of being mirrored.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ByteBuffer } from 'flatbuffers';
import { REPO_ROOT } from '../support/env.js';

const SCRIPT = resolve(REPO_ROOT, 'scripts/build-segmenter-model.mjs');
const SOURCE_DIR = resolve(REPO_ROOT, 'node_modules/@mediapipe/selfie_segmentation');
const MODELS = [
  { source: 'selfie_segmentation.tflite', output: 'selfie_segmenter.tflite', widthPx: 256, heightPx: 256 },
  { source: 'selfie_segmentation_landscape.tflite', output: 'selfie_segmenter_landscape.tflite', widthPx: 256, heightPx: 144 },
];

/** A flatbuffer table: field accessors by schema field id. */
class Table {
  constructor(readonly bb: ByteBuffer, readonly pos: number) {}
  private field(id: number): number {
    const o = this.bb.__offset(this.pos, 4 + 2 * id);
    return o ? this.pos + o : 0;
  }
  has(id: number): boolean {
    return this.field(id) !== 0;
  }
  /** Absolute position a reference field points at. */
  target(id: number): number {
    const f = this.field(id);
    return f ? this.bb.__indirect(f) : 0;
  }
  table(id: number): Table | null {
    const f = this.field(id);
    return f ? new Table(this.bb, this.bb.__indirect(f)) : null;
  }
  u32(id: number): number {
    const f = this.field(id);
    return f ? this.bb.readUint32(f) : 0;
  }
  u8(id: number): number {
    const f = this.field(id);
    return f ? this.bb.readUint8(f) : 0;
  }
  str(id: number): string | null {
    const f = this.field(id);
    return f ? (this.bb.__string(f) as string) : null;
  }
  vec(id: number): { start: number; length: number } | null {
    const f = this.field(id);
    return f ? { start: this.bb.__vector(f), length: this.bb.__vector_len(f) } : null;
  }
  tables(id: number): Table[] {
    const v = this.vec(id);
    return v ? Array.from({ length: v.length }, (_, i) => new Table(this.bb, this.bb.__indirect(v.start + 4 * i))) : [];
  }
  floats(id: number): number[] {
    const v = this.vec(id);
    return v ? Array.from({ length: v.length }, (_, i) => this.bb.readFloat32(v.start + 4 * i)) : [];
  }
  ints(id: number): number[] {
    const v = this.vec(id);
    return v ? Array.from({ length: v.length }, (_, i) => this.bb.readInt32(v.start + 4 * i)) : [];
  }
  bytes(id: number): Uint8Array | null {
    const v = this.vec(id);
    return v ? this.bb.bytes().subarray(v.start, v.start + v.length) : null;
  }
}

function root(bytes: Uint8Array, ident: string): Table {
  const bb = new ByteBuffer(bytes);
  expect(bb.getBufferIdentifier()).toBe(ident);
  return new Table(bb, bb.readUint32(0));
}

/** Model field ids: 0 version, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers, 6 metadata. */
function summarise(model: Table) {
  const sub = model.tables(2)[0]!;
  const tensors = sub.tables(0);
  const tensor = (i: number) => ({ name: tensors[i]!.str(3), shape: tensors[i]!.ints(0), type: tensors[i]!.u8(1) });
  return {
    version: model.u32(0),
    description: model.str(3),
    opcodes: model.tables(1).map((t) => t.u8(0)),
    tensorCount: tensors.length,
    operatorCount: sub.tables(3).length,
    inputs: sub.ints(1).map(tensor),
    outputs: sub.ints(2).map(tensor),
  };
}

function build(outDir: string): void {
  execFileSync(process.execPath, [SCRIPT, '--out-dir', outDir], { stdio: 'pipe' });
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('build-segmenter-model', () => {
  const dirA = mkdtempSync(join(tmpdir(), 'seg-model-a-'));
  const dirB = mkdtempSync(join(tmpdir(), 'seg-model-b-'));
  build(dirA);
  build(dirB);

  it.each(MODELS)('$output is byte-identical on every run', ({ output }) => {
    const a = readFileSync(join(dirA, output));
    const b = readFileSync(join(dirB, output));
    expect(sha(a)).toBe(sha(b));
    expect(a.length).toBeGreaterThan(200_000);
  });

  it.each(MODELS)('$output keeps the original model bytes and structure', ({ source, output }) => {
    const original = new Uint8Array(readFileSync(join(SOURCE_DIR, source)));
    const built = new Uint8Array(readFileSync(join(dirA, output)));
    // The whole original file is one block inside the new one, 16-aligned (buffer data keeps force_align 16).
    const block = Buffer.from(built).indexOf(Buffer.from(original));
    expect(block).toBeGreaterThan(0);
    expect(block % 16).toBe(0);
    expect(built.length - block - original.length).toBeLessThan(16);

    const before = root(original, 'TFL3');
    const after = root(built, 'TFL3');
    expect(summarise(after)).toEqual(summarise(before));
    // Graph tables are the original's own objects, shifted by the block offset, not copies.
    for (const id of [1, 2]) expect(after.target(id)).toBe(block + before.target(id));
    // Buffers: the original ones, same bytes, still 16-aligned; plus exactly one more.
    const oldBuffers = before.tables(4);
    const newBuffers = after.tables(4);
    expect(newBuffers).toHaveLength(oldBuffers.length + 1);
    for (let i = 0; i < oldBuffers.length; i++) {
      const a = oldBuffers[i]!.bytes(0);
      const b = newBuffers[i]!.bytes(0);
      expect(b?.length ?? 0).toBe(a?.length ?? 0);
      if (a && b && a.length > 0) {
        expect(sha(b)).toBe(sha(a));
        expect(b.byteOffset % 16).toBe(0);
      }
    }
  });

  it.each(MODELS)('$output carries TFLITE_METADATA that parses back', ({ output, widthPx, heightPx }) => {
    const built = new Uint8Array(readFileSync(join(dirA, output)));
    const model = root(built, 'TFL3');
    const entries = model.tables(6).map((m) => ({ name: m.str(0), buffer: m.u32(1) }));
    const entry = entries.find((e) => e.name === 'TFLITE_METADATA');
    expect(entry).toBeDefined();
    const buffers = model.tables(4);
    expect(entry!.buffer).toBe(buffers.length - 1);
    const data = buffers[entry!.buffer]!.bytes(0)!;
    expect(data.byteOffset % 16).toBe(0);

    // ModelMetadata: 0 name, 1 description, 3 subgraph_metadata, 4 author, 5 license, 7 min_parser_version.
    const meta = root(data, 'M001');
    expect(meta.str(0)).toMatch(/selfie segmentation/);
    expect(meta.str(5)).toBe('Apache-2.0');
    expect(meta.str(7)).toBe('1.0.0');
    const subgraphs = meta.tables(3);
    expect(subgraphs).toHaveLength(1);
    // SubGraphMetadata: 2 input_tensor_metadata, 3 output_tensor_metadata (one each, like the model).
    const [input] = subgraphs[0]!.tables(2);
    const [outputMeta] = subgraphs[0]!.tables(3);
    expect(subgraphs[0]!.tables(2)).toHaveLength(1);
    expect(subgraphs[0]!.tables(3)).toHaveLength(1);

    // TensorMetadata: 0 name, 3 content, 4 process_units, 5 stats.
    expect(input!.str(0)).toBe('image');
    const content = input!.table(3)!;
    expect(content.u8(0)).toBe(2); // ContentProperties.ImageProperties
    const image = content.table(1)!;
    expect(image.u8(0)).toBe(1); // ColorSpaceType.RGB
    const size = image.table(1)!;
    expect([size.u32(0), size.u32(1)]).toEqual([widthPx, heightPx]);
    const units = input!.tables(4);
    expect(units).toHaveLength(1);
    expect(units[0]!.u8(0)).toBe(1); // ProcessUnitOptions.NormalizationOptions
    const norm = units[0]!.table(1)!;
    expect(norm.floats(0)).toEqual([0]); // mean
    expect(norm.floats(1)).toEqual([255]); // std -> input in [0, 1]
    const stats = input!.table(5)!;
    expect([stats.floats(1), stats.floats(0)]).toEqual([[0], [1]]); // min, max

    expect(outputMeta!.str(0)).toBe('segmentation_mask');
    expect(outputMeta!.table(3)!.table(1)!.u8(0)).toBe(2); // GRAYSCALE
    expect(outputMeta!.has(4)).toBe(false); // no post-processing: the model already ends in a sigmoid
  });

  it('writes nothing when the output is already up to date', () => {
    const log = execFileSync(process.execPath, [SCRIPT, '--out-dir', dirA], { encoding: 'utf8' });
    expect(log.match(/\(unchanged\)/g)).toHaveLength(MODELS.length);
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  });
});
