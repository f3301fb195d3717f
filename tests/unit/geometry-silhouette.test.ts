/**
 * silhouette-normals.ts: a disc mask inflates to a dome (centre faces the camera, the outline faces outward), a
 * body cut by the frame edge does not curve toward that edge, confidence is below the face's, the mask is
 * resampled whatever its resolution; SilhouetteEstimator returns fixed-size maps.
 */
import { describe, expect, it } from 'vitest';
import { geometryGridFor } from '../../src/geometry/geometry-grid.js';
import { SilhouetteEstimator } from '../../src/geometry/silhouette-estimator.js';
import { resampleMask, SilhouetteInflator } from '../../src/geometry/silhouette-normals.js';

const FRAME_W = 640, FRAME_H = 480, ASPECT = FRAME_W / FRAME_H;

/** A whole-frame mask at its own resolution from a predicate on (u, v). */
function maskOf(widthPx: number, heightPx: number, inside: (u: number, v: number) => boolean) {
  const data = new Float32Array(widthPx * heightPx);
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) data[y * widthPx + x] = inside((x + 0.5) / widthPx, (y + 0.5) / heightPx) ? 1 : 0;
  }
  return { widthPx, heightPx, data, timestampUs: 0 };
}

/** A disc of radius r (frame-height units) centred in the frame; the mask itself is square (stretched). */
const disc = (r: number, size = 256) => maskOf(size, size, (u, v) => Math.hypot((u - 0.5) * ASPECT, v - 0.5) < r);

describe('SilhouetteInflator', () => {
  const grid = geometryGridFor(FRAME_W, FRAME_H);
  const W = grid.widthPx, H = grid.heightPx;

  it('inflates a disc into a dome: flat centre, outward-facing outline, zero outside', () => {
    const r = 0.3;
    const s = new SilhouetteInflator().inflate(disc(r), grid, { radiusFrac: 0.12 });
    let border = 0, borderOut = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const X = ((x + 0.5) / W - 0.5) * ASPECT, Y = -((y + 0.5) / H - 0.5);
        const d = Math.hypot(X, Y);
        const n = [s.normals[3 * i]!, s.normals[3 * i + 1]!, s.normals[3 * i + 2]!];
        if (s.confidence[i] === 0) {
          expect(n).toEqual([0, 0, 0]);
          continue;
        }
        expect(Math.hypot(n[0]!, n[1]!, n[2]!)).toBeCloseTo(1, 5);
        if (d < r - 0.15) expect(n[2]).toBeGreaterThan(0.99); // beyond R from the outline: faces the camera
        if (d > r - 0.02) {
          // Within about a pixel of the outline: mostly sideways, pointing away from the centre.
          border++;
          const radial = (n[0]! * X + n[1]! * Y) / d;
          if (radial > 0.6) borderOut++;
          expect(radial).toBeGreaterThan(0.3);
        }
      }
    }
    expect(border).toBeGreaterThan(50);
    expect(borderOut / border).toBeGreaterThan(0.8);
  });

  it('does not curve toward the frame edge where the body is cut', () => {
    // A torso: everything below v = 0.6.
    const s = new SilhouetteInflator().inflate(maskOf(128, 128, (_u, v) => v > 0.6), grid);
    for (let x = 10; x < W - 10; x++) {
      const i = (H - 1) * W + x;
      expect(s.confidence[i]).toBeGreaterThan(0);
      expect(Math.abs(s.normals[3 * i + 1]!)).toBeLessThan(0.05);
      expect(s.normals[3 * i + 2]).toBeGreaterThan(0.99);
    }
    // The top outline faces up.
    const top = Math.ceil(0.6 * H) * W + W / 2;
    expect(s.normals[3 * top + 1]).toBeGreaterThan(0.5);
  });

  it('confidence is confidenceScale x mask (default 0.5, below the face\'s 1)', () => {
    const s = new SilhouetteInflator().inflate(disc(0.3), grid);
    const max = s.confidence.reduce((a, b) => Math.max(a, b), 0);
    expect(max).toBeCloseTo(0.5, 6);
    const s2 = new SilhouetteInflator().inflate(disc(0.3), grid, { confidenceScale: 0.3 });
    expect(s2.confidence.reduce((a, b) => Math.max(a, b), 0)).toBeCloseTo(0.3, 6);
  });

  it('gives the same shape from masks of different resolutions', () => {
    const a = new SilhouetteInflator().inflate(disc(0.3, 256), grid);
    const b = new SilhouetteInflator().inflate(disc(0.3, 128), grid);
    // A 128x128 mask stretched over 640x480 moves the outline by up to a grid pixel: compare away from it.
    let diff = 0, n = 0;
    for (let i = 0; i < W * H; i++) {
      if (a.confidence[i]! > 0 && b.confidence[i]! > 0 && a.normals[3 * i + 2]! > 0.5) {
        diff += Math.abs(a.normals[3 * i]! - b.normals[3 * i]!) + Math.abs(a.normals[3 * i + 1]! - b.normals[3 * i + 1]!);
        n++;
      }
    }
    expect(n).toBeGreaterThan(2000);
    expect(diff / n).toBeLessThan(0.04);
  });

  it('an empty mask gives nothing known; a full mask faces the camera', () => {
    const empty = new SilhouetteInflator().inflate(maskOf(16, 16, () => false), grid);
    expect(empty.personPx).toBe(0);
    expect(empty.confidence.every((c) => c === 0)).toBe(true);
    const full = new SilhouetteInflator().inflate(maskOf(16, 16, () => true), grid);
    for (let i = 0; i < W * H; i++) expect(full.normals[3 * i + 2]).toBeCloseTo(1, 6);
  });

  it('resampleMask aligns pixel centres', () => {
    const m = { widthPx: 2, heightPx: 1, data: new Float32Array([0, 1]) };
    const r = resampleMask(m, 4, 1);
    expect(Array.from(r)).toEqual([0, 0.25, 0.75, 1]);
  });
});

describe('SilhouetteEstimator', () => {
  it('returns 128x96 maps for a 640x480 frame and smooths over time', async () => {
    const est = new SilhouetteEstimator({ temporal: { tauMs: 50 } });
    await est.init();
    const frame = { displayWidth: FRAME_W, displayHeight: FRAME_H } as VideoFrame;
    const a = await est.estimate(frame, disc(0.3), 0);
    expect(a.widthPx).toBe(128);
    expect(a.heightPx).toBe(96);
    expect(a.normals.length).toBe(128 * 96 * 3);
    expect(a.source).toBe('silhouette');
    // A slightly larger disc 33 ms later: blended, so confidence at newly covered pixels is between 0 and 0.5.
    const b = await est.estimate(frame, disc(0.32), 33);
    let between = 0;
    for (const c of b.confidence) if (c > 0.01 && c < 0.49) between++;
    expect(between).toBeGreaterThan(10);
    est.dispose();
    await expect(est.estimate(frame, disc(0.3), 66)).rejects.toThrow(/disposed/);
  });
});
