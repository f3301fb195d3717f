/**
 * AnalyticPriorEstimator with a synthetic landmark source (a sphere-shaped face) and a synthetic mask: fixed grid,
 * face normals over silhouette normals with a smooth seam, temporal smoothing that resets on large motion, fail-soft
 * landmark errors; and NormalHistory's EMA on its own.
 */
import { describe, expect, it } from 'vitest';
import { AnalyticPriorEstimator } from '../../src/geometry/analytic-prior.js';
import { CANONICAL_POSITIONS_CM } from '../../src/geometry/canonical-mesh.generated.js';
import type { FaceLandmarkResult, LandmarkDetector } from '../../src/geometry/face-landmarks.js';
import { NormalHistory } from '../../src/geometry/normal-history.js';
import { blendFaceOverSilhouette } from '../../src/geometry/prior-blend.js';

const FRAME_W = 640, FRAME_H = 480, ASPECT = FRAME_W / FRAME_H, SCALE = 0.02;
const frame = { displayWidth: FRAME_W, displayHeight: FRAME_H } as VideoFrame;

function sphereFace(cu: number, cv: number): FaceLandmarkResult {
  const points = new Float32Array(478 * 3);
  for (let i = 0; i < 468; i++) {
    const X = CANONICAL_POSITIONS_CM[3 * i]!, Y = CANONICAL_POSITIONS_CM[3 * i + 1]!;
    const Z = Math.sqrt(Math.max(100 - X * X - Y * Y, 0));
    points[3 * i] = cu + (X * SCALE) / ASPECT;
    points[3 * i + 1] = cv - Y * SCALE;
    points[3 * i + 2] = -(Z * SCALE) / ASPECT;
  }
  return { points, frameWidthPx: FRAME_W, frameHeightPx: FRAME_H };
}

/** A landmark source that replays a script: a face, null (no face) or an Error. */
class ScriptedLandmarks implements LandmarkDetector {
  calls = 0;
  disposed = false;
  constructor(private readonly script: (call: number) => FaceLandmarkResult | null | Error) {}
  async init(): Promise<void> {}
  async detect(): Promise<FaceLandmarkResult | null> {
    const r = this.script(this.calls++);
    if (r instanceof Error) throw r;
    return r;
  }
  backend(): string {
    return 'scripted';
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** Head-and-shoulders mask: head ellipse around (cu, cv) + a body below. */
function personMask(cu: number, cv: number, size = 128) {
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size, v = (y + 0.5) / size;
      const head = (((u - cu) * ASPECT) / 0.16) ** 2 + ((v - cv) / 0.22) ** 2 < 1;
      const body = (((u - cu) * ASPECT) / 0.45) ** 2 + ((v - 1.05) / 0.4) ** 2 < 1;
      data[y * size + x] = head || body ? 1 : 0;
    }
  }
  return { widthPx: size, heightPx: size, data, timestampUs: 0 };
}

const at = (m: { widthPx: number }, u: number, v: number, H: number) =>
  Math.round(v * H - 0.5) * m.widthPx + Math.round(u * m.widthPx - 0.5);

describe('AnalyticPriorEstimator (synthetic landmarks)', () => {
  it('returns 128x96 maps: face normals with confidence 1, silhouette elsewhere, zero outside', async () => {
    const est = new AnalyticPriorEstimator({ landmarks: new ScriptedLandmarks(() => sphereFace(0.5, 0.4)), temporal: { tauMs: 0 } });
    await est.init();
    const maps = await est.estimate(frame, personMask(0.5, 0.4), 0);
    expect([maps.widthPx, maps.heightPx, maps.source]).toEqual([128, 96, 'analytic-prior']);
    const H = maps.heightPx;
    const nose = at(maps, 0.5, 0.4, H);
    expect(maps.confidence[nose]).toBeCloseTo(1, 5);
    expect(maps.normals[3 * nose + 2]).toBeGreaterThan(0.95);
    // Sphere face: image-left of the face centre faces left.
    const left = at(maps, 0.5 - 0.1 / ASPECT, 0.4, H);
    expect(maps.confidence[left]).toBeGreaterThan(0.9);
    expect(maps.normals[3 * left]).toBeLessThan(-0.5);
    // Shoulder (body only): silhouette confidence 0.5.
    const shoulder = at(maps, 0.5 + 0.3 / ASPECT, 0.9, H);
    expect(maps.confidence[shoulder]).toBeCloseTo(0.5, 5);
    // Background corner.
    expect(maps.confidence[0]).toBe(0);
    expect([maps.normals[0], maps.normals[1], maps.normals[2]]).toEqual([0, 0, 0]);
    const layers = est.lastLayers()!;
    expect(layers.faceConfidence).not.toBeNull();
    expect(layers.landmarks?.points.length).toBe(478 * 3);
    const t = est.lastTimings();
    expect(t.totalMs).toBeGreaterThanOrEqual(t.faceRasterMs + t.silhouetteMs);
  });

  it('the seam is smooth: along a line from the face centre outward, normals change gradually', async () => {
    const est = new AnalyticPriorEstimator({ landmarks: new ScriptedLandmarks(() => sphereFace(0.5, 0.4)), temporal: { tauMs: 0 } });
    const maps = await est.estimate(frame, personMask(0.5, 0.4), 0);
    const W = maps.widthPx;
    const y = Math.round(0.25 * maps.heightPx); // through the forehead into the hair part of the head mask
    let maxJump = 0;
    let prev: number[] | null = null;
    for (let x = Math.round(W / 2); x < W; x++) {
      const i = y * W + x;
      if (maps.confidence[i]! <= 0) break;
      const n = [maps.normals[3 * i]!, maps.normals[3 * i + 1]!, maps.normals[3 * i + 2]!];
      if (prev) maxJump = Math.max(maxJump, Math.hypot(n[0]! - prev[0]!, n[1]! - prev[1]!, n[2]! - prev[2]!));
      prev = n;
    }
    expect(maxJump).toBeLessThan(0.45);
  });

  it('blend: confidence cf + (1 - cf) cs, normal weighted cf : (1 - cf) cs', () => {
    const faceN = new Float32Array([1, 0, 0]), faceC = new Float32Array([0.5]);
    const silN = new Float32Array([0, 0, 1]), silC = new Float32Array([0.5]);
    const outN = new Float32Array(3), outC = new Float32Array(1);
    blendFaceOverSilhouette(faceN, faceC, silN, silC, outN, outC);
    expect(outC[0]).toBeCloseTo(0.75, 6);
    const l = Math.hypot(0.5, 0.25);
    expect(outN[0]).toBeCloseTo(0.5 / l, 6);
    expect(outN[2]).toBeCloseTo(0.25 / l, 6);
  });

  it('smooths small motion over time and resets on large motion', async () => {
    let centre = 0.5;
    const est = new AnalyticPriorEstimator({ landmarks: new ScriptedLandmarks(() => sphereFace(centre, 0.4)), temporal: { tauMs: 50 } });
    await est.estimate(frame, personMask(centre, 0.4), 0);
    // Small move: the output differs from the unsmoothed layers (history blended in).
    centre = 0.505;
    const small = await est.estimate(frame, personMask(centre, 0.4), 33);
    const raw = est.lastLayers()!;
    let diff = 0;
    for (let i = 0; i < small.normals.length; i++) diff += Math.abs(small.normals[i]! - raw.blendedNormals[i]!);
    expect(diff).toBeGreaterThan(1);
    // Large jump (the person moved by a face width): the output is the new frame only.
    centre = 0.7;
    const big = await est.estimate(frame, personMask(centre, 0.4), 66);
    const raw2 = est.lastLayers()!;
    for (let i = 0; i < big.normals.length; i++) expect(big.normals[i]).toBeCloseTo(raw2.blendedNormals[i]!, 6);
    for (let i = 0; i < big.confidence.length; i++) expect(big.confidence[i]).toBeCloseTo(raw2.blendedConfidence[i]!, 6);
  });

  it('degrades to the silhouette when landmarks fail or find no face', async () => {
    const det = new ScriptedLandmarks((k) => (k === 0 ? new Error('boom') : null));
    const est = new AnalyticPriorEstimator({ landmarks: det, temporal: { tauMs: 0 } });
    for (const ts of [0, 33]) {
      const maps = await est.estimate(frame, personMask(0.5, 0.4), ts);
      expect(Math.max(...maps.confidence)).toBeCloseTo(0.5, 5);
      expect(est.lastLayers()!.faceNormals).toBeNull();
    }
    est.dispose();
    expect(det.disposed).toBe(true);
    await expect(est.estimate(frame, personMask(0.5, 0.4), 66)).rejects.toThrow(/disposed/);
  });

  it('follows the frame aspect (1280x720 -> 128x72)', async () => {
    const est = new AnalyticPriorEstimator({ landmarks: new ScriptedLandmarks(() => null) });
    const maps = await est.estimate({ displayWidth: 1280, displayHeight: 720 } as VideoFrame, personMask(0.5, 0.4), 0);
    expect([maps.widthPx, maps.heightPx]).toEqual([128, 72]);
  });
});

describe('NormalHistory', () => {
  const grid = { widthPx: 2, heightPx: 1, frameAspect: 2 };
  it('blends by exp(-dt/tau), weighted by confidence, and resets on gaps and grid changes', () => {
    const h = new NormalHistory({ tauMs: 50, resetGapMs: 500 });
    const first = h.update(grid, new Float32Array([0, 0, 1, 0, 0, 1]), new Float32Array([1, 1]), 0);
    expect(first.wasReset).toBe(true);
    const second = h.update(grid, new Float32Array([1, 0, 0, 0, 0, 1]), new Float32Array([1, 0]), 50);
    const a = 1 - Math.exp(-1);
    expect(second.wasReset).toBe(false);
    expect(second.confidence[0]).toBeCloseTo(1, 6);
    expect(second.confidence[1]).toBeCloseTo(1 - a, 6);
    // Pixel 0: normalize(a * x + (1 - a) * z).
    const l = Math.hypot(a, 1 - a);
    expect(second.normals[0]).toBeCloseTo(a / l, 5);
    expect(second.normals[2]).toBeCloseTo((1 - a) / l, 5);
    // Pixel 1 kept its old normal while fading.
    expect(second.normals[5]).toBeCloseTo(1, 6);
    expect(h.update(grid, new Float32Array(6), new Float32Array(2), 2000).wasReset).toBe(true);
    expect(h.update({ ...grid, widthPx: 1, heightPx: 2 }, new Float32Array(6), new Float32Array(2), 2033).wasReset).toBe(true);
    expect(h.update({ ...grid, widthPx: 1, heightPx: 2 }, new Float32Array(6), new Float32Array(2), 1000).wasReset).toBe(true);
  });
});
