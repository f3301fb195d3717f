import { describe, expect, it } from 'vitest';
import { MaskSmoother } from '../../src/segmentation/mask-smoother.js';
import type { Mask } from '../../src/core/types.js';

const W = 128;
const H = 64;
const FRAME_US = 33_333;

/** A vertical soft edge (person on the left of `edgePx`) with a 3 px ramp, like a model's mask boundary. */
function edgeMask(edgePx: number, frame: number, noise?: (x: number, y: number) => number): Mask {
  const data = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = Math.min(1, Math.max(0, 0.5 - (x + 0.5 - edgePx) / 3)) + (noise ? noise(x, y) : 0);
      data[y * W + x] = Math.min(1, Math.max(0, v));
    }
  }
  return { widthPx: W, heightPx: H, data, timestampUs: frame * FRAME_US };
}

/** Where row `y` crosses 0.5, with sub-pixel interpolation. */
function crossing(mask: Mask, y = H >> 1): number {
  const row = mask.data.subarray(y * W, (y + 1) * W);
  for (let x = 1; x < W; x++) {
    const a = row[x - 1]!;
    const b = row[x]!;
    if (a >= 0.5 && b < 0.5) return x - 1 + 0.5 + (a - 0.5) / (a - b);
  }
  return NaN;
}

/** Seeded LCG in [-1, 1) so noise is reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

/** Plain EMA, the baseline the smoother must beat on moving edges. */
function ema(prev: Float32Array | null, raw: Float32Array, alpha: number): Float32Array {
  if (!prev) return raw.slice();
  return prev.map((p, i) => p + alpha * (raw[i]! - p));
}

function temporalStd(series: Float32Array[], index: number): number {
  const vals = series.map((m) => m[index]!);
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  return Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
}

describe('MaskSmoother', () => {
  it('passes the first mask through and never writes to the input or to masks it returned', () => {
    const s = new MaskSmoother();
    const a = edgeMask(40, 0);
    const aCopy = a.data.slice();
    const out0 = s.push(a, 0.7);
    expect(Array.from(out0.data)).toEqual(Array.from(aCopy));
    expect(out0.data).not.toBe(a.data);
    const out0Copy = out0.data.slice();
    const out1 = s.push(edgeMask(60, 1), 0.7);
    expect(Array.from(a.data)).toEqual(Array.from(aCopy));
    expect(Array.from(out0.data)).toEqual(Array.from(out0Copy));
    expect(out1.timestampUs).toBe(FRAME_US);
    expect(out1.widthPx).toBe(W);
    for (const v of out1.data) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('keeps a moving edge on the person (<= 1 px lag) where a plain EMA trails it by > 3 px', () => {
    const s = new MaskSmoother();
    let base: Float32Array | null = null;
    const lags: number[] = [];
    const emaLags: number[] = [];
    for (let f = 0; f < 30; f++) {
      const edge = 30 + 2 * f; // 2 px per frame, i.e. ~5 px/frame at 640 px: a normal head turn
      const raw = edgeMask(edge, f);
      const out = s.push(raw, 0.7);
      base = ema(base, raw.data, 0.3);
      if (f >= 3) {
        lags.push(crossing(raw) - crossing(out));
        emaLags.push(crossing(raw) - crossing({ ...raw, data: base }));
      }
    }
    const worst = Math.max(...lags.map(Math.abs));
    const emaMean = emaLags.reduce((a, b) => a + b, 0) / emaLags.length;
    expect(worst).toBeLessThanOrEqual(1);
    expect(emaMean).toBeGreaterThan(3);
    expect(s.lastMovingFraction()).toBeGreaterThan(0);
  });

  it('smooths incoherent per-pixel flicker on a still edge (temporal std at least halved)', () => {
    const s = new MaskSmoother();
    const r = rng(1);
    const raws: Float32Array[] = [];
    const outs: Float32Array[] = [];
    for (let f = 0; f < 60; f++) {
      const raw = edgeMask(64, f, () => 0.15 * r());
      raws.push(raw.data);
      outs.push(s.push(raw, 0.7).data);
    }
    const tail = (a: Float32Array[]) => a.slice(10);
    let rawStd = 0;
    let outStd = 0;
    let count = 0;
    for (let y = 8; y < H - 8; y++) {
      for (let x = 58; x < 70; x++) {
        rawStd += temporalStd(tail(raws), y * W + x);
        outStd += temporalStd(tail(outs), y * W + x);
        count++;
      }
    }
    expect(outStd / count).toBeLessThan(0.5 * (rawStd / count));
  });

  it('smooths an edge that wobbles back and forth by a pixel (coherent flicker)', () => {
    const s = new MaskSmoother();
    const rawX: number[] = [];
    const outX: number[] = [];
    for (let f = 0; f < 40; f++) {
      const raw = edgeMask(64 + (f % 2 ? 1 : -1), f);
      const out = s.push(raw, 0.7);
      if (f >= 10) {
        rawX.push(crossing(raw));
        outX.push(crossing(out));
      }
    }
    const swing = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    expect(swing(rawX)).toBeCloseTo(2, 5);
    expect(swing(outX)).toBeLessThan(0.6);
  });

  it('follows a sudden large change at once (someone steps into an empty frame)', () => {
    const s = new MaskSmoother();
    const empty: Mask = { widthPx: W, heightPx: H, data: new Float32Array(W * H), timestampUs: 0 };
    s.push(empty, 0.9);
    s.push({ ...empty, timestampUs: FRAME_US }, 0.9);
    const person = edgeMask(80, 2);
    const out = s.push(person, 0.9);
    expect(Math.abs(crossing(out) - 80)).toBeLessThan(1);
  });

  it('smooths over the same time span at 15 fps as at 30 fps', () => {
    // A still pixel that jumps between two small values: after 200 ms both rates must have moved the same way.
    const at = (fps: number) => {
      const s = new MaskSmoother();
      const stepUs = 1e6 / fps;
      const flat = (v: number, t: number): Mask => ({ widthPx: W, heightPx: H, data: new Float32Array(W * H).fill(v), timestampUs: t });
      s.push(flat(0.5, 0), 0.8);
      let out: Mask | null = null;
      for (let t = stepUs; t <= 200_000 + 1; t += stepUs) out = s.push(flat(0.52, t), 0.8);
      return out!.data[0]!;
    };
    expect(at(15)).toBeCloseTo(at(30), 3);
    expect(at(30)).toBeGreaterThan(0.5);
    expect(at(30)).toBeLessThan(0.52);
  });

  it('restarts on a size change, a long gap, or smoothing 0', () => {
    const s = new MaskSmoother();
    s.push(edgeMask(40, 0), 0.9);
    const afterGap = edgeMask(90, 30); // 1 s later
    expect(crossing(s.push(afterGap, 0.9))).toBeCloseTo(90, 3);
    const small: Mask = { widthPx: 4, heightPx: 2, data: new Float32Array([1, 1, 0, 0, 1, 1, 0, 0]), timestampUs: 31 * FRAME_US };
    expect(Array.from(s.push(small, 0.9).data)).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
    const a = edgeMask(40, 32);
    expect(Array.from(s.push(a, 0).data)).toEqual(Array.from(a.data));
    expect(() => s.push({ widthPx: 3, heightPx: 3, data: new Float32Array(4), timestampUs: 0 })).toThrow(RangeError);
  });
});
