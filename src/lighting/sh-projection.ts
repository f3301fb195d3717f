/**
 * Equirectangular environment map -> 9 radiance SH coefficients per channel (layout k * 3 + c, src/core/sh.ts).
 *
 * Each pixel is treated as constant radiance over its exact patch of the sphere, and the basis functions are
 * integrated over that patch analytically (instead of being sampled at the pixel centre and weighted by
 * sin(theta)). So the projection is exact for piecewise-constant maps: a constant map gives exactly DC only, at
 * any resolution, and the sums telescope so the poles need no special care.
 *
 * Why it is cheap: with x = -sin(theta) sin(phi), y = cos(theta), z = sin(theta) cos(phi) (env-map.ts), every
 * band-0..2 basis function is a sum of products f(theta) g(phi) drawn from 6 polar and 6 azimuthal factors. Per
 * row we accumulate the 6 azimuthal integrals against the radiance (18 multiply-adds per pixel), then combine them
 * with the row's polar integrals. A 1024 x 512 map takes a few milliseconds.
 */
import { SH_C0, SH_C1, SH_C2, SH_C3, SH_C4 } from '../core/sh.js';
import type { EnvMap } from './env-map.js';
import { colEdgePhi, rowEdgeTheta } from './env-map.js';

/** Per column: integrals over the column's azimuth range of 1, cos, sin, cos^2, sin cos, sin^2. */
function azimuthIntegrals(widthPx: number): Float64Array {
  const out = new Float64Array(widthPx * 6);
  const prim = (p: number): number[] => [
    p, Math.sin(p), -Math.cos(p), p / 2 + Math.sin(2 * p) / 4, (Math.sin(p) * Math.sin(p)) / 2, p / 2 - Math.sin(2 * p) / 4,
  ];
  let lo = prim(colEdgePhi(0, widthPx));
  for (let c = 0; c < widthPx; c++) {
    const hi = prim(colEdgePhi(c + 1, widthPx));
    for (let j = 0; j < 6; j++) out[c * 6 + j] = hi[j]! - lo[j]!;
    lo = hi;
  }
  return out;
}

/** Integrals over theta in [t0, t1] (with the sin(theta) area element) of the 6 polar factors used below. */
function polarIntegrals(t0: number, t1: number): number[] {
  const prim = (t: number): number[] => {
    const s = Math.sin(t), c = Math.cos(t);
    return [
      -c, //                             sin
      (s * s) / 2, //                     sin cos
      t / 2 - Math.sin(2 * t) / 4, //     sin^2
      (s * s * s) / 3, //                 sin^2 cos
      -c + (c * c * c) / 3, //            sin^3
      -(c * c * c) / 3, //                sin cos^2
    ];
  };
  const a = prim(t0), b = prim(t1);
  return b.map((v, i) => v - a[i]!);
}

/**
 * Radiance SH of an equirectangular map (exact per-pixel solid-angle integration). Returns 27 floats, k * 3 + c.
 * Accumulates in float64: a 4k map sums 8 million terms.
 */
export function projectEnvMapToSh(env: EnvMap): Float32Array {
  const { widthPx: w, heightPx: h, data } = env;
  if (data.length < w * h * 3) throw new Error(`[projectEnvMapToSh] data holds ${data.length} floats, need ${w * h * 3}`);
  const az = azimuthIntegrals(w);
  const acc = new Float64Array(27);
  const rowSums = new Float64Array(18); // [azimuth factor j][channel c]
  for (let y = 0; y < h; y++) {
    rowSums.fill(0);
    let i = y * w * 3;
    for (let x = 0; x < w; x++, i += 3) {
      const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
      const o = x * 6;
      for (let j = 0; j < 6; j++) {
        const wgt = az[o + j]!;
        rowSums[j * 3]! += wgt * r;
        rowSums[j * 3 + 1]! += wgt * g;
        rowSums[j * 3 + 2]! += wgt * b;
      }
    }
    const [pS, pSC, pS2, pS2C, pS3, pSC2] = polarIntegrals(rowEdgeTheta(y, h), rowEdgeTheta(y + 1, h)) as
      [number, number, number, number, number, number];
    for (let c = 0; c < 3; c++) {
      const one = rowSums[c]!, cos = rowSums[3 + c]!, sin = rowSums[6 + c]!;
      const cos2 = rowSums[9 + c]!, sincos = rowSums[12 + c]!, sin2 = rowSums[15 + c]!;
      acc[0 * 3 + c]! += SH_C0 * pS * one; //                                   1
      acc[1 * 3 + c]! += SH_C1 * pSC * one; //                                  y
      acc[2 * 3 + c]! += SH_C1 * pS2 * cos; //                                  z
      acc[3 * 3 + c]! += -SH_C1 * pS2 * sin; //                                 x
      acc[4 * 3 + c]! += -SH_C2 * pS2C * sin; //                                x y
      acc[5 * 3 + c]! += SH_C2 * pS2C * cos; //                                 y z
      acc[6 * 3 + c]! += SH_C3 * (3 * pS3 * cos2 - pS * one); //                3 z^2 - 1
      acc[7 * 3 + c]! += -SH_C2 * pS3 * sincos; //                              x z
      acc[8 * 3 + c]! += SH_C4 * (pS3 * sin2 - pSC2 * one); //                  x^2 - y^2
    }
  }
  return Float32Array.from(acc);
}
