/**
 * An artificial light (the key light of a preset or of the user) as band 0..2 SH.
 *
 * The light is a normalised lobe on the sphere, a von Mises-Fisher distribution
 * L(w) = P * kappa / (4 pi sinh kappa) * exp(kappa * dot(w, dir)), so its total power P does not change with its
 * softness. A zonal lobe's SH are c_lm = P * h_l * Y_lm(dir) with closed-form band factors for the vMF:
 * h_0 = 1, h_1 = coth(kappa) - 1/kappa, h_2 = 1 - 3 h_1 / kappa (a delta light has h_l = 1). With only 9
 * coefficients a lobe tighter than ~kappa 64 looks the same as a delta, and below ~1 it is nearly ambient, so
 * `softness` 0..1 maps log-linearly onto that useful range.
 *
 * Power convention: a delta light of power P gives irradiance P on a surface facing it (and P * cos elsewhere);
 * callers choose P relative to the environment's mean irradiance (see resolve.ts).
 */
import { shBasis } from '../core/sh.js';

const DEG = Math.PI / 180;

/** Concentration of the sharpest and the broadest lobe that `softness` selects. */
export const KAPPA_HARD = 64;
export const KAPPA_SOFT = 1;

/**
 * Unit camera-space direction a light comes FROM (src/core/settings.ts): azimuth 0 = from the camera, +90 = from
 * image right (the subject's left), 180 = from behind; elevation +90 = from above.
 */
export function lightDirection(azimuthDeg: number, elevationDeg: number): [number, number, number] {
  const ce = Math.cos(elevationDeg * DEG);
  return [Math.sin(azimuthDeg * DEG) * ce, Math.sin(elevationDeg * DEG), Math.cos(azimuthDeg * DEG) * ce];
}

export function softnessToKappa(softness: number): number {
  const s = Math.max(0, Math.min(1, softness));
  return Math.exp(Math.log(KAPPA_HARD) + s * (Math.log(KAPPA_SOFT) - Math.log(KAPPA_HARD)));
}

/** Band factors [h0, h1, h2] of a vMF lobe of concentration kappa (kappa >= ~0.1 for float accuracy). */
export function vmfBandFactors(kappa: number): [number, number, number] {
  // coth(k) - 1/k, written with exp(-2k) so it stays accurate for large kappa.
  const e = Math.exp(-2 * kappa);
  const h1 = (1 + e) / (1 - e) - 1 / kappa;
  return [1, h1, 1 - (3 * h1) / kappa];
}

const BAND_OF = [0, 1, 1, 1, 2, 2, 2, 2, 2] as const;

/**
 * Radiance SH (27 floats, k * 3 + c) of a light of total power `power` per unit of `rgb`, from `dir` (unit), with
 * lobe `softness` 0 (tight) .. 1 (broad). Adds into `out` when given.
 */
export function lobeRadianceSh(
  dir: readonly [number, number, number],
  rgb: readonly [number, number, number],
  power: number,
  softness: number,
  out: Float32Array = new Float32Array(27),
): Float32Array {
  const h = vmfBandFactors(softnessToKappa(softness));
  const y = shBasis(dir[0], dir[1], dir[2], new Float32Array(9));
  for (let k = 0; k < 9; k++) {
    const w = power * h[BAND_OF[k]!] * y[k]!;
    for (let c = 0; c < 3; c++) out[k * 3 + c]! += w * rgb[c]!;
  }
  return out;
}
