/**
 * scripts/build-face-landmarker.mjs: deterministic bytes, a stored zip with the members tasks-vision looks up,
 * the landmark model widened to 478 points (extra rows = eye-contour averages, original rows untouched), TFLite
 * metadata with the right normalisation, and the committed canonical mesh matching the package.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs build script without types
import * as builder from '../../scripts/build-face-landmarker.mjs';
import { crc32, listZip } from '../../scripts/lib/zip.mjs';
import {
  CANONICAL_POSITIONS_CM, CANONICAL_TRIANGLES, CANONICAL_UVS, CANONICAL_VERTEX_COUNT, CANONICAL_TRIANGLE_COUNT,
} from '../../src/geometry/canonical-mesh.generated.js';

const b = builder as Record<string, (...a: unknown[]) => any>;

describe('build-face-landmarker', () => {
  const first = b.buildFaceLandmarkerTask!();
  const second = b.buildFaceLandmarkerTask!();

  it('is deterministic (same sha256 twice)', () => {
    expect(b.sha256!(first.task)).toBe(b.sha256!(second.task));
    expect(first.task.length).toBeGreaterThan(1_000_000);
  });

  it('zips the three members uncompressed, 64-byte aligned, with correct CRCs', () => {
    const members = listZip(first.task);
    expect(members.map((m) => m.name)).toEqual([
      'face_detector.tflite', 'face_landmarks_detector.tflite', 'geometry_pipeline_metadata_landmarks.binarypb',
    ]);
    for (const m of members) {
      expect(m.method).toBe(0);
      expect(m.dataOffset % 64).toBe(0);
      const data = first.task.subarray(m.dataOffset, m.dataOffset + m.size);
      expect(crc32(data)).toBe(m.crc);
      expect(Buffer.from(data).equals(Buffer.from(first.members[m.name]))).toBe(true);
    }
  });

  it('widens the landmark model to 1434 outputs and keeps the detector I/O', () => {
    const lm = b.summarizeTflite!(first.members['face_landmarks_detector.tflite']);
    expect(lm.inputs[0].shape).toEqual([1, 192, 192, 3]);
    expect(lm.outputs.map((o: { shape: number[] }) => o.shape)).toEqual([[1, 1, 1, 1434], [1, 1, 1, 1]]);
    const det = b.summarizeTflite!(first.members['face_detector.tflite']);
    expect(det.inputs[0].shape).toEqual([1, 128, 128, 3]);
    expect(det.outputs.map((o: { shape: number[] }) => o.shape)).toEqual([[1, 896, 16], [1, 896, 1]]);
  });

  it('adds TFLITE_METADATA with [-1,1] normalisation for the detector and [0,1] for the landmarks', () => {
    const det = b.summarizeTflite!(first.members['face_detector.tflite']);
    expect(det.metadataNames).toContain('TFLITE_METADATA');
    expect(det.metadata.inputs[0]).toMatchObject({ contentType: 2, processUnitType: 1, mean: [127.5], std: [127.5] });
    const lm = b.summarizeTflite!(first.members['face_landmarks_detector.tflite']);
    expect(lm.metadata.inputs[0]).toMatchObject({ contentType: 2, processUnitType: 1, mean: [0], std: [255] });
    expect(lm.metadata.outputs).toHaveLength(2);
  });

  it('extra weight rows are eye-contour averages and the original rows are unchanged', () => {
    const orig = b.tensorValues!(first.assets.landmarks, 'conv2d_21/Kernel');
    const wide = b.tensorValues!(first.members['face_landmarks_detector.tflite'], 'conv2d_21/Kernel');
    const origBias = b.tensorValues!(first.assets.landmarks, 'conv2d_21/Bias');
    const wideBias = b.tensorValues!(first.members['face_landmarks_detector.tflite'], 'conv2d_21/Bias');
    expect(orig.shape[0]).toBe(1404);
    expect(wide.shape[0]).toBe(1434);
    const row = orig.values.length / 1404;
    expect(wide.values.length).toBe(1434 * row);
    for (let i = 0; i < 1404 * row; i += 97) expect(wide.values[i]).toBe(orig.values[i]);
    const sources: number[][] = b.irisSourcePoints!();
    for (const k of [0, 4, 5, 9]) {
      for (let c = 0; c < 3; c++) {
        const dst = 3 * (468 + k) + c;
        let bias = 0;
        for (const p of sources[k]!) bias += origBias.values[3 * p + c];
        bias /= sources[k]!.length;
        expect(wideBias.values[dst]).toBeCloseTo(bias, 2); // fp16 rounding
        for (const j of [0, 17, row - 1]) {
          let s = 0;
          for (const p of sources[k]!) s += orig.values[(3 * p + c) * row + j];
          s /= sources[k]!.length;
          expect(Math.abs(wide.values[dst * row + j] - s)).toBeLessThanOrEqual(Math.abs(s) * 1e-3 + 1e-6);
        }
      }
    }
  });

  it('fp16 round trip is exact on halves and rounds to nearest', () => {
    for (const h of [0, 1, 0x3c00, 0xbc00, 0x7bff, 0x0400, 0x03ff, 0x3555]) expect(b.floatToHalf!(b.halfToFloat!(h))).toBe(h);
    expect(b.halfToFloat!(b.floatToHalf!(1 / 3))).toBeCloseTo(1 / 3, 3);
  });

  it('the committed canonical mesh matches the package', () => {
    const mesh = b.parseCanonicalMesh!(first.assets.geometry);
    expect(CANONICAL_VERTEX_COUNT).toBe(468);
    expect(CANONICAL_TRIANGLE_COUNT).toBe(898);
    expect(CANONICAL_POSITIONS_CM.length).toBe(468 * 3);
    expect(CANONICAL_UVS.length).toBe(468 * 2);
    expect(Array.from(CANONICAL_TRIANGLES)).toEqual(mesh.triangles);
    for (let i = 0; i < mesh.positionsCm.length; i++) expect(CANONICAL_POSITIONS_CM[i]).toBeCloseTo(mesh.positionsCm[i], 5);
    for (let i = 0; i < mesh.uvs.length; i++) expect(CANONICAL_UVS[i]).toBeCloseTo(mesh.uvs[i], 5);
    const src = readFileSync(b.CANONICAL_MESH_TS as unknown as string, 'utf8');
    expect(src).toBe(b.canonicalMeshSource!(mesh));
  });
});
