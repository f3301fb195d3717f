/**
 * Pre/post-processing of the ONNX student (src/geometry/student-io.ts): letterbox geometry, tensor layout, the
 * area resampler against the training code's cv2.INTER_AREA (fixture written by models/training/export_onnx.py),
 * output cropping/masking, and the temporal blend.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mask, RgbaImage } from '../../src/core/types.js';
import {
  blendGeometryInto, letterboxLayout, maskOnContent, packStudentInput, remaskGeometry, rgbaToModelRgba,
  studentOutputToGeometry, STUDENT_MASK_CUTOFF,
} from '../../src/geometry/student-io.js';
import { REPO_ROOT } from '../support/env.js';

function solidImage(w: number, h: number, rgb: (x: number, y: number) => [number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = rgb(x, y);
      data.set([r, g, b, 255], (y * w + x) * 4);
    }
  }
  return { widthPx: w, heightPx: h, data };
}

function maskOf(w: number, h: number, f: (u: number, v: number) => number): Mask {
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = f((x + 0.5) / w, (y + 0.5) / h);
  return { widthPx: w, heightPx: h, data, timestampUs: 0 };
}

describe('letterboxLayout', () => {
  it('fits the whole frame, long side = model size, centred', () => {
    expect(letterboxLayout(640, 480, 128)).toMatchObject({ contentWidthPx: 128, contentHeightPx: 96, offsetXPx: 0, offsetYPx: 16 });
    expect(letterboxLayout(480, 640, 128)).toMatchObject({ contentWidthPx: 96, contentHeightPx: 128, offsetXPx: 16, offsetYPx: 0 });
    expect(letterboxLayout(1280, 720, 128)).toMatchObject({ contentWidthPx: 128, contentHeightPx: 72, offsetXPx: 0, offsetYPx: 28 });
    expect(letterboxLayout(256, 256, 128)).toMatchObject({ contentWidthPx: 128, contentHeightPx: 128, offsetXPx: 0, offsetYPx: 0 });
    expect(() => letterboxLayout(0, 10)).toThrow(RangeError);
  });
});

describe('input tensor', () => {
  it('matches cv2.INTER_AREA (training preprocessing) within one level', () => {
    const fx = JSON.parse(readFileSync(join(REPO_ROOT, 'tests/fixtures/student/preprocess.json'), 'utf8')) as {
      src: { w: number; h: number; rgb: number[] }; area16x12: number[]; area13x10: number[];
    };
    const img = solidImage(fx.src.w, fx.src.h, (x, y) => {
      const i = (y * fx.src.w + x) * 3;
      return [fx.src.rgb[i]!, fx.src.rgb[i + 1]!, fx.src.rgb[i + 2]!];
    });
    for (const [w, h, want] of [[16, 12, fx.area16x12], [13, 10, fx.area13x10]] as const) {
      // A model "size" equal to the long side with the same aspect gives exactly a w x h content rectangle.
      const layout = { modelSizePx: w, sourceWidthPx: fx.src.w, sourceHeightPx: fx.src.h, contentWidthPx: w, contentHeightPx: h, offsetXPx: 0, offsetYPx: 0 };
      const out = rgbaToModelRgba(img, layout);
      let maxDiff = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < 3; c++) maxDiff = Math.max(maxDiff, Math.abs(out[(y * w + x) * 4 + c]! - want[(y * w + x) * 3 + c]!));
        }
      }
      expect(maxDiff).toBeLessThanOrEqual(1);
    }
  });

  it('packs planar sRGB/255 + mask, zero bars, person mask resampled onto the content', () => {
    const img = solidImage(640, 480, (x) => (x < 320 ? [255, 0, 0] : [0, 0, 255]));
    const layout = letterboxLayout(640, 480, 128);
    const rgba = rgbaToModelRgba(img, layout);
    const mask = maskOf(256, 144, (u) => (u > 0.5 ? 1 : 0));
    const t = packStudentInput(rgba, mask, layout);
    const plane = 128 * 128;
    expect(t.length).toBe(4 * plane);
    const at = (c: number, x: number, y: number) => t[c * plane + y * 128 + x]!;
    // Bars (rows 0..15 and 112..127): everything 0.
    for (const y of [0, 15, 112, 127]) for (const c of [0, 1, 2, 3]) expect(at(c, 64, y)).toBe(0);
    // Left of the content is red, right is blue.
    expect(at(0, 10, 60)).toBeCloseTo(1, 5);
    expect(at(2, 10, 60)).toBeCloseTo(0, 5);
    expect(at(0, 120, 60)).toBeCloseTo(0, 5);
    expect(at(2, 120, 60)).toBeCloseTo(1, 5);
    // Mask: right half of the frame.
    expect(at(3, 10, 60)).toBe(0);
    expect(at(3, 120, 60)).toBe(1);
    expect(at(3, 120, 16)).toBe(1);
    // Reusing the output buffer clears it.
    const again = packStudentInput(rgba, maskOf(8, 8, () => 0), layout, t);
    expect(again).toBe(t);
    expect(at(3, 120, 60)).toBe(0);
  });

  it('upsamples a small mask bilinearly and clamps it', () => {
    const layout = letterboxLayout(64, 64, 32);
    const m = maskOnContent({ widthPx: 2, heightPx: 1, data: new Float32Array([0, 1.5]), timestampUs: 0 }, layout);
    expect(m.length).toBe(32 * 32);
    expect(m[0]).toBe(0);
    expect(m[31]).toBe(1);
    expect(m[16]!).toBeGreaterThan(0.4);
    expect(m[16]!).toBeLessThan(1);
  });
});

describe('output -> GeometryMaps', () => {
  const s = 8;
  const layout = letterboxLayout(8, 4, s); // content 8x4 at rows 2..5
  const plane = s * s;
  function raw(nx: number, ny: number, nz: number) {
    const normals = new Float32Array(3 * plane), confidence = new Float32Array(plane), albedo = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      normals[i] = nx; normals[plane + i] = ny; normals[2 * plane + i] = nz;
      confidence[i] = 0.8;
      albedo[i] = 0.1; albedo[plane + i] = 0.2; albedo[2 * plane + i] = 0.3;
    }
    return { normals, confidence, albedo };
  }

  it('crops the content, interleaves, renormalises and applies the mask', () => {
    const r = raw(0, 0, 2);
    // Mark content pixel (3, 1) = model pixel (3, 3) with a distinct normal.
    const i = 3 * s + 3;
    r.normals[i] = 3; r.normals[plane + i] = 0; r.normals[2 * plane + i] = 4;
    const mask = new Float32Array(8 * 4).fill(1);
    mask[0] = 0; // content pixel (0, 0): outside the person
    mask[1] = 0.5;
    const g = studentOutputToGeometry(r, layout, mask);
    expect([g.widthPx, g.heightPx]).toEqual([8, 4]);
    const o = 1 * 8 + 3;
    expect(g.normals[o * 3]).toBeCloseTo(0.6, 6);
    expect(g.normals[o * 3 + 2]).toBeCloseTo(0.8, 6);
    expect(g.normals[5 * 3 + 2]).toBeCloseTo(1, 6);
    expect(Array.from(g.normals.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(g.confidence[0]).toBe(0);
    expect(g.confidence[1]).toBeCloseTo(0.4, 6);
    expect(g.confidence[2]).toBeCloseTo(0.8, 6);
    expect(Array.from(g.albedo!.subarray(9, 12)).map((v) => +v.toFixed(3))).toEqual([0.1, 0.2, 0.3]);
    expect(STUDENT_MASK_CUTOFF).toBeGreaterThan(0);
  });

  it('blends over time and re-masks with the current mask', () => {
    const ones = new Float32Array(32).fill(1);
    const a = studentOutputToGeometry(raw(1, 0, 0), layout, ones);
    const b = studentOutputToGeometry(raw(0, 0, 1), layout, ones);
    const state = { normals: new Float32Array(a.normals), confidence: new Float32Array(a.confidence), albedo: new Float32Array(a.albedo!) };
    blendGeometryInto(state, b, 0.5);
    expect(state.normals[0]).toBeCloseTo(Math.SQRT1_2, 5);
    expect(state.normals[2]).toBeCloseTo(Math.SQRT1_2, 5);
    blendGeometryInto(state, b, 0);
    expect(state.normals[2]).toBeCloseTo(1, 6);
    const mask = new Float32Array(32).fill(0.5);
    mask[7] = 0;
    const g = remaskGeometry(state, layout, mask, 'student');
    expect(g.confidence[0]).toBeCloseTo(0.4, 6);
    expect(g.confidence[7]).toBe(0);
    expect(Array.from(g.normals.subarray(21, 24))).toEqual([0, 0, 0]);
    // The caller owns the result: mutating it leaves the state alone.
    g.normals[2] = 5;
    expect(state.normals[2]).toBeCloseTo(1, 6);
  });
});
