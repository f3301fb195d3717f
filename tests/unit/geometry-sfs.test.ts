/**
 * Prior (d), shape from shading (src/geometry/sfs-refine.ts), on synthetic faces whose true shape is known: a
 * sphere-like head with a nose bump and two eye sockets, lit by a directional + ambient SH light, seen through a
 * prior that knows only the sphere (what a mean-face mesh gets wrong). The refinement must move the normals toward
 * the truth, must not damage a prior that is already right, and must not carve dark albedo (brows) into the shape.
 */
import { describe, expect, it } from 'vitest';
import { SH_C0, SH_C1, SH_C2, SH_C3, SH_C4 } from '../../src/core/sh.js';
import { refineShapeFromShading, type SfsInput } from '../../src/geometry/sfs-refine.js';

const W = 96, H = 96, CX = 48, CY = 50, R = 40;

interface Scene {
  input: SfsInput;
  truth: Float32Array;
  brows: Uint8Array;
}

/** Height field (pixels, toward the camera) -> unit normals (+x right, +y up, +z to the camera). */
function normalsOf(hf: (x: number, y: number) => number, inside: (x: number, y: number) => boolean): Float32Array {
  const n = new Float32Array(3 * W * H);
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      if (!inside(i, j)) continue;
      const dzdx = (hf(i + 0.5, j) - hf(i - 0.5, j));
      const dzdj = (hf(i, j + 0.5) - hf(i, j - 0.5));
      // rows go down, camera y goes up: dz/dy = -dz/dj
      const x = -dzdx, y = dzdj, z = 1;
      const len = Math.hypot(x, y, z);
      n.set([x / len, y / len, z / len], 3 * (j * W + i));
    }
  }
  return n;
}

function sphere(x: number, y: number): number {
  const r2 = R * R - (x - CX) ** 2 - (y - CY) ** 2;
  return Math.sqrt(Math.max(r2, 1));
}

function face(x: number, y: number): number {
  const g = (x0: number, y0: number, s: number, a: number) => a * Math.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * s * s));
  return sphere(x, y) + g(CX, CY + 4, 4.5, 7) - g(CX - 13, CY - 8, 5, 4) - g(CX + 13, CY - 8, 5, 4);
}

function shLight(dir: [number, number, number], strength: number, ambient: number): Float64Array {
  // Irradiance SH of a directional light (clamped cosine, bands weighted pi, 2pi/3, pi/4) + uniform ambient.
  const [x, y, z] = dir;
  const a0 = Math.PI, a1 = (2 * Math.PI) / 3, a2 = Math.PI / 4;
  const b = [SH_C0, SH_C1 * y, SH_C1 * z, SH_C1 * x, SH_C2 * x * y, SH_C2 * y * z, SH_C3 * (3 * z * z - 1), SH_C2 * x * z, SH_C4 * (x * x - y * y)];
  const A = [a0, a1, a1, a1, a2, a2, a2, a2, a2];
  const l = new Float64Array(9);
  for (let k = 0; k < 9; k++) l[k] = strength * A[k]! * b[k]! / Math.PI;
  l[0] = l[0]! + ambient / SH_C0;
  return l;
}

function shadeAt(l: Float64Array, x: number, y: number, z: number): number {
  return SH_C0 * l[0]! + SH_C1 * (l[1]! * y + l[2]! * z + l[3]! * x) + SH_C2 * (l[4]! * x * y + l[5]! * y * z + l[7]! * x * z) +
    SH_C3 * l[6]! * (3 * z * z - 1) + SH_C4 * l[8]! * (x * x - y * y);
}

function makeScene(opts: { priorIsTruth?: boolean; brows?: boolean; grey?: boolean; dir?: [number, number, number] } = {}): Scene {
  const inside = (x: number, y: number) => (x - CX) ** 2 + (y - CY) ** 2 < (R - 1) ** 2;
  const truth = normalsOf(face, inside);
  const prior = opts.priorIsTruth ? truth.slice() : normalsOf(sphere, inside);
  const d = opts.dir ?? [-0.5, 0.45, 0.74];
  const len = Math.hypot(...d);
  const l = shLight([d[0] / len, d[1] / len, d[2] / len], 0.8, 0.15);
  const n = W * H;
  const rgb = new Float32Array(3 * n), conf = new Float32Array(n), faceConf = new Float32Array(n);
  const brows = new Uint8Array(n);
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      const p = j * W + i;
      if (!inside(i, j)) continue;
      const r = Math.hypot(i - CX, j - CY) / R;
      conf[p] = 1;
      faceConf[p] = Math.min(1, Math.max(0, (0.92 - r) / 0.15));
      // Skin albedo with a slow gradient; dark, browner brows above the sockets.
      let alb = [0.62 + 0.08 * (i - CX) / R, 0.45, 0.36];
      if (opts.brows && Math.abs(j - (CY - 17)) < 2.5 && Math.abs(Math.abs(i - CX) - 13) < 7) {
        alb = [0.09, 0.06, 0.04];
        brows[p] = 1;
      }
      if (opts.grey) alb = [alb[1]!, alb[1]!, alb[1]!];
      const s = Math.max(0, shadeAt(l, truth[3 * p]!, truth[3 * p + 1]!, truth[3 * p + 2]!));
      for (let c = 0; c < 3; c++) rgb[3 * p + c] = Math.min(1, alb[c]! * s);
    }
  }
  return { input: { widthPx: W, heightPx: H, rgbLinear: rgb, normals: prior, confidence: conf, faceConfidence: faceConf }, truth, brows };
}

function meanAngleDeg(a: Float32Array, b: Float32Array, weight: (p: number) => number): number {
  let s = 0, ws = 0;
  for (let p = 0; p < W * H; p++) {
    const w = weight(p);
    if (!(w > 0)) continue;
    const d = a[3 * p]! * b[3 * p]! + a[3 * p + 1]! * b[3 * p + 1]! + a[3 * p + 2]! * b[3 * p + 2]!;
    s += w * Math.acos(Math.min(1, Math.max(-1, d)));
    ws += w;
  }
  return (s / ws) * 180 / Math.PI;
}

describe('refineShapeFromShading (prior d)', () => {
  it('moves a sphere prior toward the true nose and eye sockets', () => {
    const { input, truth } = makeScene();
    const faceW = (p: number) => (input.faceConfidence[p]! > 0.9 ? 1 : 0);
    const before = meanAngleDeg(input.normals, truth, faceW);
    const r = refineShapeFromShading(input);
    const after = meanAngleDeg(r.normals, truth, faceW);
    expect(before).toBeGreaterThan(4);
    expect(after).toBeLessThan(before * 0.7);
    expect(r.stats.relResidualRefined).toBeLessThan(r.stats.relResidualPrior * 0.6);
    // Unit length, facing the camera.
    for (let p = 0; p < W * H; p++) {
      if (!(input.confidence[p]! > 0)) continue;
      expect(Math.hypot(r.normals[3 * p]!, r.normals[3 * p + 1]!, r.normals[3 * p + 2]!)).toBeCloseTo(1, 4);
      expect(r.normals[3 * p + 2]!).toBeGreaterThan(0);
    }
  });

  it('works for other light directions (frontal, from the right and below)', () => {
    for (const dir of [[0, 0.1, 1], [0.7, -0.2, 0.68]] as [number, number, number][]) {
      const { input, truth } = makeScene({ dir });
      const faceW = (p: number) => (input.faceConfidence[p]! > 0.9 ? 1 : 0);
      const before = meanAngleDeg(input.normals, truth, faceW);
      const after = meanAngleDeg(refineShapeFromShading(input).normals, truth, faceW);
      // A frontal light only tells n.z (the tilt direction comes from integrability alone): a smaller gain.
      expect(after, `light ${dir}`).toBeLessThan(before * (dir[2] > 0.9 ? 0.9 : 0.8));
    }
  });

  it('leaves a correct prior (nearly) alone', () => {
    const { input, truth } = makeScene({ priorIsTruth: true });
    const r = refineShapeFromShading(input);
    expect(meanAngleDeg(r.normals, truth, (p) => input.faceConfidence[p]!)).toBeLessThan(1.5);
  });

  it('does not carve dark brows into the surface (chromaticity + robust weights)', () => {
    const { input, truth, brows } = makeScene({ brows: true });
    const r = refineShapeFromShading(input);
    const browErrPrior = meanAngleDeg(input.normals, truth, (p) => brows[p]!);
    const browErr = meanAngleDeg(r.normals, truth, (p) => brows[p]!);
    expect(browErr).toBeLessThan(browErrPrior + 3);
    // The refinement does not claim to know the shape under the brows.
    let browC = 0, browN = 0, skinC = 0, skinN = 0;
    for (let p = 0; p < W * H; p++) {
      if (brows[p]) { browC += r.confidence[p]!; browN++; } else if (input.faceConfidence[p]! > 0.9) { skinC += r.confidence[p]!; skinN++; }
    }
    expect(browC / browN).toBeLessThan(0.5 * (skinC / skinN));
  });

  it('leaves everything outside the face as the prior and reports no confidence there', () => {
    const { input } = makeScene();
    const r = refineShapeFromShading(input);
    for (let p = 0; p < W * H; p++) {
      if (input.faceConfidence[p]! > 0) continue;
      expect(r.confidence[p]).toBe(0);
      for (let c = 0; c < 3; c++) expect(r.normals[3 * p + c]).toBe(input.normals[3 * p + c]);
    }
  });

  it('returns the prior when there is no face, and rejects mismatched arrays', () => {
    const { input } = makeScene();
    const none = refineShapeFromShading({ ...input, faceConfidence: new Float32Array(W * H) });
    expect(Array.from(none.normals)).toEqual(Array.from(input.normals));
    expect(none.stats.dataPixels).toBe(0);
    expect(() => refineShapeFromShading({ ...input, confidence: new Float32Array(3) })).toThrow(/sizes/);
  });
});
