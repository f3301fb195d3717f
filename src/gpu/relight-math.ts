/**
 * The relighting maths, in plain TypeScript: the CPU reference that `CpuRenderer` runs and that the WGSL shaders
 * (shaders/*.wgsl) reproduce operation for operation. Pure: no DOM, runs in Node, pages and workers.
 *
 * Per frame (see README.md for the picture):
 * 1. `buildLowResGuide`: the frame box-averaged to geometry resolution in LINEAR light (+ the mask there).
 * 2. `estimateSourceLighting`: SH least squares over the person (mask high, weighted by confidence) -> the light that lit it.
 * 3. `shadingNormalisation` + `computeRatioMap`: R = E_target(n) / E_source(n) at geometry resolution, clamped.
 * 4. (temporal.ts smooths 2 and 3 over time, motion-aware.)
 * 5. `compositeFrame`: joint-bilateral upsampling of R guided by the full-resolution frame and mask, then
 *    out = in * lerp(1, mask * R + (1 - mask) * B, strength) in linear light, highlight soft-clip, sRGB encode.
 *
 * Source-light model (the choice the brief asks to document). A pixel of the person is
 *   I_c(p) = albedo_c(p) * E_c(n_p) / pi
 * and neither the albedo nor the light's colour can be told apart from one frame (white balance is ambiguous).
 * We assume the albedo is locally chroma-constant and the source light roughly neutral: we fit ONE luminance
 * shading SH (9 coefficients, ridge on the non-DC terms) to the pixels' luminance (as albedo x shading when the
 * geometry carries the student's albedo map, so a white shirt under a dark face is not read as light from below),
 * and a per-channel scale s_c = sum(w I_c) / sum(w L) that carries the skin's (albedo x light) chroma. The 9x3 SH returned is
 * s_c * x_k. The ratio divides by the LUMINANCE of that SH only, so the person's own colour is kept (dividing per
 * channel would grey the skin out), and the target light's colour is applied. A camera's colour cast is therefore
 * not removed by relighting; that is white balance, not lighting.
 *
 * Exposure convention: the frame is taken to be "well exposed" for its current light. The source shading is
 * normalised by its mean over the person (m_s), and the target irradiance by pi, so
 *   R_c(n) = g * (E_target,c(n) / pi) / (E_source(n) / m_s)
 * with g (`exposureGain`) chosen so that the geometric mean of R over the person is the target's mean light; i.e.
 * a target of uniform unit radiance (E = pi) flattens the shading but keeps the person's mean (log) brightness;
 * twice that radiance doubles it. (Without g, mean(1 / E_source) > 1 / mean(E_source) brightened every face, most
 * where the source shading varies most: x1.35 on the skin-tone eval, x1.66 for the darkest skin.) src/lighting
 * normalises presets to that unit (mean irradiance over camera-facing normals = pi); a bare directional light must
 * go through `exposureNeutralSh` first.
 */
import { SH_C0, SH_C1, SH_C2, SH_C3, SH_C4 } from '../core/sh.js';
import type { GeometryMaps, Mask } from '../core/types.js';

/** Rec. 709 luminance weights (same as src/core/color.ts; repeated so the shaders' constants sit next to ours). */
export const LUMA_R = 0.2126;
export const LUMA_G = 0.7152;
export const LUMA_B = 0.0722;

export interface RelightParams {
  /** Shading ratio clamp: a frame is never darkened below ratioMin x or brightened above ratioMax x. */
  readonly ratioMin: number;
  readonly ratioMax: number;
  /** The source shading is floored at this fraction of its mean, so grazing/shadowed normals cannot explode R. */
  readonly sourceFloor: number;
  /** Linear-light level above which brightened highlights are rolled off (soft clip) instead of clipped. */
  readonly highlightKnee: number;
  /** Ridge of the SH least squares, relative to the mean diagonal of the normal matrix (non-DC terms only). */
  readonly ridge: number;
  /**
   * Low-res cells with a mask below this do not feed the source estimate: they straddle the silhouette and
   * their box-averaged colour mixes in the background (which biased the fit by ~5% at the rim before).
   */
  readonly minEstimateMask: number;
  /** Nor do cells with geometry confidence below this; above it, confidence is the least-squares weight. */
  readonly minEstimateConfidence: number;
  /** Fewer usable pixels than this: no estimate (the caller keeps the previous one). */
  readonly minEstimatePixels: number;
  /**
   * When the geometry carries an albedo map (the student's), the source fit models each cell as
   * albedo x shading instead of taking all the person to be one colour: without it a white shirt under a dark
   * face reads as light from below, and the face is brightened (x2 for the darkest skin in the skin-tone eval).
   */
  readonly albedoAwareEstimate: boolean;
  /** Albedo luminance floor in that fit, relative to its mean over the fitted cells. */
  readonly albedoFloor: number;
  /**
   * The student's albedo is contrast-compressed (PAL leaves its affine scale free): on validation portraits
   * pred = 0.34 x target + 0.105, i.e. an offset of 0.26 of the mean prediction
   * (models/training/calibrate_albedo.py -> results/albedo_calibration.json). The fit uses
   * (pred / mean - albedoOffset) / (1 - albedoOffset) as the relative albedo. Must be < 1.
   */
  readonly albedoOffset: number;
  /** Apply `RatioNormalisation.exposureGain` (keeps the person's mean brightness; off = the plain ratio). */
  readonly exposureNeutralGain: boolean;
  /** Bound of that gain's correction (x or / this). */
  readonly maxExposureCorrection: number;
  /**
   * Frames wider than this evaluate the joint-bilateral upsampling at every other column and interpolate the rest
   * (CPU renderer only: at 1280x720 the upsampling is most of a CPU frame). Infinity = every column.
   */
  readonly upsampleFullWidthMaxPx: number;
  /** Joint-bilateral range sigmas: guide = sqrt(linear luminance) (0..1) and mask (0..1). */
  readonly guideSigma: number;
  readonly maskSigma: number;
  /** Full-res pixels with mask below this skip the upsampling (their ratio has no weight in the output). */
  readonly maskEpsilon: number;
  /**
   * Motion-aware temporal smoothing (temporal.ts): displacement, in low-res pixels, at which smoothing starts
   * to fade and is gone; and the gradient floors of the displacement estimate.
   */
  readonly motionLo: number;
  readonly motionHi: number;
  readonly motionEpsGuide: number;
  readonly motionEpsMask: number;
}

export const DEFAULT_RELIGHT_PARAMS: Readonly<RelightParams> = Object.freeze({
  ratioMin: 0.25,
  ratioMax: 4,
  sourceFloor: 0.15,
  highlightKnee: 0.8,
  ridge: 1e-3,
  minEstimateMask: 0.9,
  minEstimateConfidence: 0.3,
  minEstimatePixels: 64,
  albedoAwareEstimate: true,
  albedoFloor: 0.05,
  albedoOffset: 0.26,
  exposureNeutralGain: true,
  maxExposureCorrection: 2,
  upsampleFullWidthMaxPx: 960,
  guideSigma: 0.08,
  maskSigma: 0.15,
  maskEpsilon: 1 / 512,
  motionLo: 0.15,
  motionHi: 0.5,
  motionEpsGuide: 0.02,
  motionEpsMask: 0.05,
});

// ------------------------------------------------------------------------------------------------------------
// Transfer functions

/** sRGB-encoded 0..1 -> linear (IEC 61966-2-1). */
export function srgbDecode(v: number): number {
  return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
}

/** Linear -> sRGB-encoded 0..1, clamped. */
export function srgbEncode(v: number): number {
  const c = v <= 0 ? 0 : v >= 1 ? 1 : v;
  return c <= 0.0031308 ? c * 12.92 : 1.055 * Math.pow(c, 1 / 2.4) - 0.055;
}

/** 8-bit code -> linear, exact values of srgbDecode(i / 255). */
export const SRGB8_TO_LINEAR: Float32Array = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) t[i] = srgbDecode(i / 255);
  return t;
})();

/**
 * Linear -> sRGB 0..255 (unrounded) by linear interpolation in a 4096-interval table. The curve's second
 * derivative keeps the interpolation error below 0.01 of a code value (the shaders use the exact pow).
 */
const ENC_N = 4096;
const ENC_LUT: Float32Array = (() => {
  const t = new Float32Array(ENC_N + 2);
  for (let i = 0; i <= ENC_N; i++) t[i] = srgbEncode(i / ENC_N) * 255;
  t[ENC_N + 1] = t[ENC_N]!;
  return t;
})();

export function encodeSrgb255(lin: number): number {
  if (!(lin > 0)) return 0;
  if (lin >= 1) return 255;
  const f = lin * ENC_N;
  const i = f | 0;
  const a = ENC_LUT[i]!;
  return a + (ENC_LUT[i + 1]! - a) * (f - i);
}

/**
 * Math.round(encodeSrgb255(lin)) exactly, without the interpolation (the CPU composite's per-pixel encode).
 * That function of lin is non-decreasing (each interval's interpolation is monotone in double arithmetic and
 * meets the next one at the table value), so it is fully described by the smallest linear value of each code,
 * found by bisection over doubles against the function itself. An encode interval spans at most 0.81 code, so
 * a pixel's code is its interval's first code or the next one: one comparison.
 */
const ENC8_FIRST = new Uint8Array(ENC_N);
const ENC8_FROM = new Float64Array(257);
{
  const code = (lin: number) => Math.round(encodeSrgb255(lin));
  for (let k = 1; k < 256; k++) {
    let lo = 0, hi = 1;
    for (;;) {
      const mid = lo + (hi - lo) / 2;
      if (mid === lo || mid === hi) break;
      if (code(mid) >= k) hi = mid;
      else lo = mid;
    }
    ENC8_FROM[k] = hi;
  }
  ENC8_FROM[256] = Infinity;
  for (let i = 0; i < ENC_N; i++) {
    ENC8_FIRST[i] = code(i / ENC_N);
    // The one-comparison lookup needs at most one code step inside each interval.
    if (i > 0 && ENC8_FIRST[i]! > ENC8_FIRST[i - 1]! + 1) throw new Error('[RelightMath] encode table too coarse for encodeSrgb8');
  }
}

/** Linear -> 8-bit sRGB code, = Math.round(encodeSrgb255(lin)) for every lin (tested on the code boundaries). */
export function encodeSrgb8(lin: number): number {
  if (!(lin > 0)) return 0;
  if (lin >= 1) return 255;
  const c = ENC8_FIRST[(lin * ENC_N) | 0]!;
  return lin >= ENC8_FROM[c + 1]! ? c + 1 : c;
}

export function luminance(r: number, g: number, b: number): number {
  return LUMA_R * r + LUMA_G * g + LUMA_B * b;
}

/** The guide value the upsampler compares: sqrt of linear luminance, roughly perceptual, cheap on both sides. */
export function guideValue(r: number, g: number, b: number): number {
  const y = luminance(r, g, b);
  return y > 0 ? Math.sqrt(y) : 0;
}

export function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

// ------------------------------------------------------------------------------------------------------------
// Pixels in and out

/**
 * A frame's pixels for the maths: 8-bit sRGB RGBA (what VideoFrame.copyTo gives), or linear float with 1 or 3
 * channels (evaluation data such as Yale B, which is linear grayscale). Outputs use the same kind as inputs.
 */
export type PixelBuffer =
  | { readonly kind: 'rgba8'; readonly widthPx: number; readonly heightPx: number; readonly data: Uint8Array | Uint8ClampedArray }
  | { readonly kind: 'linear'; readonly widthPx: number; readonly heightPx: number; readonly channels: 1 | 3; readonly data: Float32Array };

/** Pixel `i` of `src` as linear RGB into `out` (grey inputs repeated). */
export function readLinear(src: PixelBuffer, i: number, out: Float64Array): void {
  if (src.kind === 'rgba8') {
    const d = src.data;
    out[0] = SRGB8_TO_LINEAR[d[i * 4]!]!;
    out[1] = SRGB8_TO_LINEAR[d[i * 4 + 1]!]!;
    out[2] = SRGB8_TO_LINEAR[d[i * 4 + 2]!]!;
  } else if (src.channels === 3) {
    out[0] = src.data[i * 3]!;
    out[1] = src.data[i * 3 + 1]!;
    out[2] = src.data[i * 3 + 2]!;
  } else {
    out[0] = out[1] = out[2] = src.data[i]!;
  }
}

// ------------------------------------------------------------------------------------------------------------
// Mask sampling: bilinear, pixel centres aligned (the shaders use the same formula)

/** Continuous source coordinate of destination pixel `i` when resampling `dstN` pixels from `srcN`. */
export function srcCoord(i: number, dstN: number, srcN: number): number {
  return ((i + 0.5) * srcN) / dstN - 0.5;
}

/** Bilinear sample of a single-channel map at continuous coordinates (clamped to the edges). */
export function sampleBilinear(data: ArrayLike<number>, w: number, h: number, u: number, v: number): number {
  const uc = Math.min(Math.max(u, 0), w - 1);
  const vc = Math.min(Math.max(v, 0), h - 1);
  const x0 = Math.floor(uc), y0 = Math.floor(vc);
  const x1 = Math.min(x0 + 1, w - 1), y1 = Math.min(y0 + 1, h - 1);
  const fx = uc - x0, fy = vc - y0;
  const a = data[y0 * w + x0]!, b = data[y0 * w + x1]!, c = data[y1 * w + x0]!, d = data[y1 * w + x1]!;
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

/** Per-axis bilinear taps, precomputed once per resolution pair so the per-pixel loop only multiplies. */
interface AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  f: Float32Array;
}

function axisTaps(dstN: number, srcN: number): AxisTaps {
  const i0 = new Int32Array(dstN), i1 = new Int32Array(dstN), f = new Float32Array(dstN);
  for (let i = 0; i < dstN; i++) {
    const u = Math.min(Math.max(srcCoord(i, dstN, srcN), 0), srcN - 1);
    const a = Math.floor(u);
    i0[i] = a;
    i1[i] = Math.min(a + 1, srcN - 1);
    f[i] = u - a;
  }
  return { i0, i1, f };
}

// ------------------------------------------------------------------------------------------------------------
// 1. The low-resolution guide

/** The frame at geometry resolution: 4 floats per pixel = linear r, g, b (box average over the cell), mask. */
export interface LowResGuide {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly data: Float32Array;
}

/** Full-res pixel range [start, end) covered by low-res cell `i` (never empty, also when upsampling). */
export function cellRange(i: number, lowN: number, fullN: number): [number, number] {
  const s = Math.min(Math.floor((i * fullN) / lowN), fullN - 1);
  const e = Math.max(Math.floor(((i + 1) * fullN) / lowN), s + 1);
  return [s, e];
}

/** SRGB8_TO_LINEAR in f64 (the same values): the per-pixel loops read it without converting each load. */
const SRGB8_TO_LINEAR_F64 = Float64Array.from(SRGB8_TO_LINEAR);

/** Cell column ranges and the per-column sums of `buildLowResGuide`, kept between calls (one per thread). */
let guideScratch: { widthPx: number; lowW: number; x0: Int32Array; x1: Int32Array; acc: Float64Array } | null = null;

/**
 * Box-averages the frame into geometry-resolution cells in linear light, and samples the mask at each cell
 * centre. This is the data the source estimate sees, and the low-res side of the joint-bilateral guide.
 *
 * 8-bit input is read row by row (a band of full-res rows per row of cells, each row once, left to right)
 * instead of cell by cell: each cell's sum still adds its pixels in the same order (rows top to bottom, each
 * left to right, from 0), carried between rows in `acc`, so the result is the same to the bit.
 */
export function buildLowResGuide(src: PixelBuffer, mask: Mask, lowW: number, lowH: number, out?: LowResGuide): LowResGuide {
  const W = src.widthPx, H = src.heightPx;
  const g = out && out.widthPx === lowW && out.heightPx === lowH ? out : { widthPx: lowW, heightPx: lowH, data: new Float32Array(lowW * lowH * 4) };
  let sc = guideScratch;
  if (!sc || sc.widthPx !== W || sc.lowW !== lowW) {
    sc = guideScratch = { widthPx: W, lowW, x0: new Int32Array(lowW), x1: new Int32Array(lowW), acc: new Float64Array(lowW * 3) };
    for (let i = 0; i < lowW; i++) [sc.x0[i], sc.x1[i]] = cellRange(i, lowW, W);
  }
  const { x0: cx0, x1: cx1, acc } = sc;
  const px = new Float64Array(3);
  for (let j = 0; j < lowH; j++) {
    const [y0, y1] = cellRange(j, lowH, H);
    if (src.kind === 'rgba8') {
      acc.fill(0);
      const d = src.data, T = SRGB8_TO_LINEAR_F64;
      for (let y = y0; y < y1; y++) {
        for (let i = 0; i < lowW; i++) {
          let r = acc[i * 3]!, gg = acc[i * 3 + 1]!, b = acc[i * 3 + 2]!;
          for (let o = (y * W + cx0[i]!) * 4, e = (y * W + cx1[i]!) * 4; o < e; o += 4) {
            r += T[d[o]!]!; gg += T[d[o + 1]!]!; b += T[d[o + 2]!]!;
          }
          acc[i * 3] = r; acc[i * 3 + 1] = gg; acc[i * 3 + 2] = b;
        }
      }
    } else {
      for (let i = 0; i < lowW; i++) {
        let r = 0, gg = 0, b = 0;
        for (let y = y0; y < y1; y++) {
          for (let x = cx0[i]!; x < cx1[i]!; x++) {
            readLinear(src, y * W + x, px);
            r += px[0]!; gg += px[1]!; b += px[2]!;
          }
        }
        acc[i * 3] = r; acc[i * 3 + 1] = gg; acc[i * 3 + 2] = b;
      }
    }
    const mv = srcCoord(j, lowH, mask.heightPx);
    for (let i = 0; i < lowW; i++) {
      const n = (y1 - y0) * (cx1[i]! - cx0[i]!);
      const o = (j * lowW + i) * 4;
      g.data[o] = acc[i * 3]! / n;
      g.data[o + 1] = acc[i * 3 + 1]! / n;
      g.data[o + 2] = acc[i * 3 + 2]! / n;
      g.data[o + 3] = sampleBilinear(mask.data, mask.widthPx, mask.heightPx, srcCoord(i, lowW, mask.widthPx), mv);
    }
  }
  return g;
}

// ------------------------------------------------------------------------------------------------------------
// 2. Source-light estimation

export interface SourceLighting {
  /** 27 floats, k * 3 + c: shading x albedo of the person (luminance SH times the per-channel scale). */
  readonly sh: Float32Array;
  /** Number of pixels that fed the fit. */
  readonly pixels: number;
  /** RMS residual of the luminance fit, relative to the mean luminance (a quality signal for stats). */
  readonly relResidual: number;
}

function basisInto(x: number, y: number, z: number, b: Float64Array): void {
  b[0] = SH_C0;
  b[1] = SH_C1 * y;
  b[2] = SH_C1 * z;
  b[3] = SH_C1 * x;
  b[4] = SH_C2 * x * y;
  b[5] = SH_C2 * y * z;
  b[6] = SH_C3 * (3 * z * z - 1);
  b[7] = SH_C2 * x * z;
  b[8] = SH_C4 * (x * x - y * y);
}

/** Solves the SPD system M x = r (n x n, row-major) by Cholesky, in place of nothing; returns null if singular. */
export function solveSpd(M: Float64Array, r: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = M[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j]!;
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = r[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * y[k]!;
    y[i] = s / L[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}

/**
 * Least-squares SH fit of the person's luminance: minimise sum_p w_p (L_p - b(n_p) . x)^2 + lambda |x_{1..8}|^2,
 * w_p = geometry confidence, over the low-res cells fully inside the person (mask >= minEstimateMask). The DC term is not shrunk: it is
 * always well determined and shrinking it would push light into the other terms. The visible normals of a
 * person cover only the hemisphere facing the camera, where some SH terms are nearly collinear (Y6 ~ Y0 near
 * z = 1); the ridge keeps those from trading huge opposite coefficients.
 */
export function estimateSourceLighting(
  guide: LowResGuide,
  geometry: GeometryMaps,
  params: Readonly<RelightParams> = DEFAULT_RELIGHT_PARAMS,
): SourceLighting | null {
  checkSameSize(guide, geometry);
  const n = guide.widthPx * guide.heightPx;
  const M = new Float64Array(81);
  const tri = new Float64Array(45);
  const rhs = new Float64Array(9);
  const b = new Float64Array(9);
  let sw = 0, swL = 0, swR = 0, swG = 0, swB = 0, swLL = 0, count = 0;
  const nrm = geometry.normals, conf = geometry.confidence, gd = guide.data;
  const usable = (p: number): boolean => {
    if (!(gd[p * 4 + 3]! >= params.minEstimateMask) || !(conf[p]! >= params.minEstimateConfidence)) return false;
    const nx = nrm[p * 3]!, ny = nrm[p * 3 + 1]!, nz = nrm[p * 3 + 2]!;
    return nx * nx + ny * ny + nz * nz >= 0.25;
  };
  // Albedo model: L_p = a_p * b(n_p).x with a_p the albedo luminance relative to its mean over the fitted cells
  // (so x keeps the scale of a plain luminance fit, and the albedo's unknown global scale cancels).
  const alb = params.albedoAwareEstimate && geometry.albedo && geometry.albedo.length === n * 3 ? geometry.albedo : null;
  let albedoMean = 0;
  if (alb) {
    let sa = 0, swa = 0;
    for (let p = 0; p < n; p++) {
      if (!usable(p)) continue;
      sa += conf[p]! * luminance(alb[p * 3]!, alb[p * 3 + 1]!, alb[p * 3 + 2]!);
      swa += conf[p]!;
    }
    albedoMean = swa > 0 ? sa / swa : 0;
  }
  const useAlbedo = alb !== null && albedoMean > 1e-6;
  for (let p = 0; p < n; p++) {
    if (!usable(p)) continue;
    const w = conf[p]!;
    const nx = nrm[p * 3]!, ny = nrm[p * 3 + 1]!, nz = nrm[p * 3 + 2]!;
    const r = gd[p * 4]!, g = gd[p * 4 + 1]!, bb = gd[p * 4 + 2]!;
    const L = luminance(r, g, bb);
    basisInto(nx, ny, nz, b);
    if (useAlbedo) {
      const rel = luminance(alb![p * 3]!, alb![p * 3 + 1]!, alb![p * 3 + 2]!) / albedoMean;
      const a = Math.max(params.albedoFloor, (rel - params.albedoOffset) / (1 - params.albedoOffset));
      for (let i = 0; i < 9; i++) b[i] = b[i]! * a;
    }
    // Lower triangle of M += w b b^T, row by row (45 products).
    let o = 0;
    for (let i = 0; i < 9; i++) {
      const wbi = w * b[i]!;
      rhs[i] = rhs[i]! + wbi * L;
      for (let j = 0; j <= i; j++, o++) tri[o] = tri[o]! + wbi * b[j]!;
    }
    sw += w; swL += w * L; swLL += w * L * L;
    swR += w * r; swG += w * g; swB += w * bb;
    count++;
  }
  if (count < params.minEstimatePixels || !(swL > 0)) return null;
  let trace = 0;
  for (let i = 0, o = 0; i < 9; i++) {
    for (let j = 0; j <= i; j++, o++) M[i * 9 + j] = M[j * 9 + i] = tri[o]!;
    trace += M[i * 9 + i]!;
  }
  const lambda = (params.ridge * trace) / 9;
  for (let i = 1; i < 9; i++) M[i * 9 + i] = M[i * 9 + i]! + lambda;
  const x = solveSpd(M, rhs, 9);
  if (!x) return null;
  // Residual from the normal equations: sum w (L - b.x)^2 = swLL - 2 x.rhs + x.M0.x (M0 without ridge).
  let xr = 0, xMx = 0;
  for (let i = 0; i < 9; i++) {
    xr += x[i]! * rhs[i]!;
    for (let j = 0; j < 9; j++) xMx += x[i]! * (M[i * 9 + j]! - (i === j && i > 0 ? lambda : 0)) * x[j]!;
  }
  const rss = Math.max(0, swLL - 2 * xr + xMx);
  const meanL = swL / sw;
  const scale = [swR / swL, swG / swL, swB / swL];
  const sh = new Float32Array(27);
  for (let k = 0; k < 9; k++) for (let c = 0; c < 3; c++) sh[k * 3 + c] = x[k]! * scale[c]!;
  return { sh, pixels: count, relResidual: Math.sqrt(rss / sw) / meanL };
}

/** Luminance of an RGB SH: 9 floats. */
export function shLuminance(sh: ArrayLike<number>, out: Float32Array = new Float32Array(9)): Float32Array {
  for (let k = 0; k < 9; k++) out[k] = luminance(sh[k * 3]!, sh[k * 3 + 1]!, sh[k * 3 + 2]!);
  return out;
}

function checkSameSize(a: { widthPx: number; heightPx: number }, b: { widthPx: number; heightPx: number }): void {
  if (a.widthPx !== b.widthPx || a.heightPx !== b.heightPx) {
    throw new Error(`[RelightMath] size mismatch: ${a.widthPx}x${a.heightPx} vs ${b.widthPx}x${b.heightPx}`);
  }
}

// ------------------------------------------------------------------------------------------------------------
// 3. Shading ratio

/** Per-frame constants of the ratio: mean source shading over the person, the person's mean ratio per channel. */
export interface RatioNormalisation {
  /** m_s: confidence-weighted mean of the source luminance shading over the person. */
  readonly meanSource: number;
  /** Absolute floor of the source shading (sourceFloor * m_s). */
  readonly sourceFloorAbs: number;
  /** The target's mean irradiance over the person's normals / pi, per channel, clamped: the "average light". */
  readonly meanRatio: [number, number, number];
  /**
   * Multiplies every person ratio (R = gain * E_t / pi / (E_s / m_s)) so that the person's geometric-mean
   * luminance gain equals the target's mean light (meanRatio's luminance): 1 for an exposure-neutral preset at
   * intensity 1. Without it the mean of E_t / E_s over the person is above 1 whenever the source shading varies
   * (Jensen), and the darkest cells (shadowed side, dark skin under a bright shirt) pull it up most.
   */
  readonly exposureGain: number;
}

/**
 * Unrolled SH evaluation on Float64Array coefficients (one monomorphic shape, so V8 inlines them; these run per
 * low-res pixel several times a frame). Same basis as core/sh.ts.
 */
function evalRgbInto(c: Float64Array, x: number, y: number, z: number, out: Float64Array): void {
  const b1 = SH_C1 * y, b2 = SH_C1 * z, b3 = SH_C1 * x, b4 = SH_C2 * x * y, b5 = SH_C2 * y * z;
  const b6 = SH_C3 * (3 * z * z - 1), b7 = SH_C2 * x * z, b8 = SH_C4 * (x * x - y * y);
  out[0] = SH_C0 * c[0]! + b1 * c[3]! + b2 * c[6]! + b3 * c[9]! + b4 * c[12]! + b5 * c[15]! + b6 * c[18]! + b7 * c[21]! + b8 * c[24]!;
  out[1] = SH_C0 * c[1]! + b1 * c[4]! + b2 * c[7]! + b3 * c[10]! + b4 * c[13]! + b5 * c[16]! + b6 * c[19]! + b7 * c[22]! + b8 * c[25]!;
  out[2] = SH_C0 * c[2]! + b1 * c[5]! + b2 * c[8]! + b3 * c[11]! + b4 * c[14]! + b5 * c[17]! + b6 * c[20]! + b7 * c[23]! + b8 * c[26]!;
}

function evalLum9(l: Float64Array, x: number, y: number, z: number): number {
  return SH_C0 * l[0]! + SH_C1 * (y * l[1]! + z * l[2]! + x * l[3]!) + SH_C2 * (x * y * l[4]! + y * z * l[5]! + x * z * l[7]!) +
    SH_C3 * (3 * z * z - 1) * l[6]! + SH_C4 * (x * x - y * y) * l[8]!;
}

const f64 = (a: ArrayLike<number>): Float64Array => Float64Array.from(a as ArrayLike<number>);

/**
 * m_s and the mean ratio. Weights are geometry confidence x mask (the person), over pixels with a normal. With
 * no person in view, m_s is the source shading of a frontal normal and the mean ratio is the target's frontal
 * irradiance / pi, so the background relight mode still has a sensible colour.
 */
export function shadingNormalisation(
  geometry: GeometryMaps,
  guide: LowResGuide,
  sourceLum: ArrayLike<number>,
  targetSh: ArrayLike<number>,
  params: Readonly<RelightParams> = DEFAULT_RELIGHT_PARAMS,
): RatioNormalisation {
  checkSameSize(guide, geometry);
  const n = geometry.widthPx * geometry.heightPx;
  const lum = f64(sourceLum), t = f64(targetSh), e = new Float64Array(3);
  let sw = 0, ss = 0, tr = 0, tg = 0, tb = 0;
  // The exposure gain's cells (see personExposureGain): their weight, target and source luminance irradiance.
  const gain = params.exposureNeutralGain;
  if (gain && gainCells.w.length < n) gainCells = { w: new Float64Array(n), et: new Float64Array(n), es: new Float64Array(n) };
  let cells = 0;
  for (let p = 0; p < n; p++) {
    const c = geometry.confidence[p]!, m = guide.data[p * 4 + 3]!;
    const w = c * m;
    if (!(w > 0)) continue;
    const nx = geometry.normals[p * 3]!, ny = geometry.normals[p * 3 + 1]!, nz = geometry.normals[p * 3 + 2]!;
    if (nx * nx + ny * ny + nz * nz < 0.25) continue;
    evalRgbInto(t, nx, ny, nz, e);
    const es = evalLum9(lum, nx, ny, nz);
    sw += w;
    ss += w * Math.max(es, 0);
    tr += w * Math.max(e[0]!, 0);
    tg += w * Math.max(e[1]!, 0);
    tb += w * Math.max(e[2]!, 0);
    const wg = Math.min(1, Math.max(0, c)) * m;
    if (gain && wg > 0) {
      gainCells.w[cells] = wg;
      gainCells.et[cells] = luminance(Math.max(e[0]!, 0), Math.max(e[1]!, 0), Math.max(e[2]!, 0));
      gainCells.es[cells++] = es;
    }
  }
  if (!(sw > 0) || !(ss > 0)) {
    evalRgbInto(t, 0, 0, 1, e);
    sw = 1;
    ss = Math.max(evalLum9(lum, 0, 0, 1), 1e-6);
    tr = Math.max(e[0]!, 0);
    tg = Math.max(e[1]!, 0);
    tb = Math.max(e[2]!, 0);
  }
  const meanSource = ss / sw;
  const clampR = (v: number) => Math.min(params.ratioMax, Math.max(params.ratioMin, v / (Math.PI * sw)));
  const meanRatio: [number, number, number] = [clampR(tr), clampR(tg), clampR(tb)];
  const sourceFloorAbs = params.sourceFloor * meanSource;
  const exposureGain = gain ? personExposureGain(cells, meanSource, sourceFloorAbs, luminance(...meanRatio), params) : 1;
  return { meanSource, sourceFloorAbs, meanRatio, exposureGain };
}

/** shadingNormalisation's person cells for personExposureGain, reused across frames (grown to the geometry size). */
let gainCells = { w: new Float64Array(0), et: new Float64Array(0), es: new Float64Array(0) };

/**
 * The exposure gain of `RatioNormalisation`: g with exp(mean_w log clamp(g * R_lum)) = want over the person
 * (the first `count` gainCells: w = clamped confidence x mask, cells with a normal), R_lum the luminance ratio
 * computeRatioMap would produce with g = 1. Solved by fixed-point steps (the clamps make it non-linear; at most 12,
 * to 1e-4); bounded to [1/maxExposureCorrection, max].
 */
function personExposureGain(count: number, meanSource: number, floorAbs: number, want: number, params: Readonly<RelightParams>): number {
  const ws = gainCells.w, rs = gainCells.es;
  const k = meanSource / Math.PI;
  // log R_lum, in place of the source irradiance.
  for (let i = 0; i < count; i++) rs[i] = Math.log(Math.max(gainCells.et[i]! * k / Math.max(rs[i]!, floorAbs), 1e-12));
  if (!count || !(want > 0)) return 1;
  // In logs: log clamp(g r) = clamp(log g + log r, log lo, log hi), so the iterations need no Math.log per cell.
  const lo = Math.log(params.ratioMin), hi = Math.log(params.ratioMax), cap = Math.log(params.maxExposureCorrection);
  const lw = Math.log(want);
  let sw = 0;
  for (let i = 0; i < count; i++) sw += ws[i]!;
  let lg = 0;
  for (let it = 0; it < 12; it++) {
    let sl = 0;
    for (let i = 0; i < count; i++) {
      const v = lg + rs[i]!;
      sl += ws[i]! * (v < lo ? lo : v > hi ? hi : v);
    }
    const next = Math.min(cap, Math.max(-cap, lg + lw - sl / sw));
    const done = Math.abs(next - lg) < 1e-4;
    lg = next;
    if (done) break;
  }
  return Math.exp(lg);
}

/**
 * Exposure-neutral copy of a target SH: scaled so that its mean luminance irradiance over the person's normals
 * (confidence-weighted) is pi, i.e. under the convention above the person keeps their mean brightness and the
 * light only redistributes it (and tints it). Useful for a pure directional target, whose irradiance is ~1/pi of
 * a unit environment's and would otherwise pin every ratio at ratioMin. Returns the input if no normal is known.
 */
export function exposureNeutralSh(targetSh: ArrayLike<number>, geometry: GeometryMaps): Float32Array {
  const n = geometry.widthPx * geometry.heightPx;
  const t = f64(targetSh), e = new Float64Array(3);
  let sw = 0, se = 0;
  for (let p = 0; p < n; p++) {
    const w = geometry.confidence[p]!;
    if (!(w > 0)) continue;
    const nx = geometry.normals[p * 3]!, ny = geometry.normals[p * 3 + 1]!, nz = geometry.normals[p * 3 + 2]!;
    if (nx * nx + ny * ny + nz * nz < 0.25) continue;
    evalRgbInto(t, nx, ny, nz, e);
    sw += w;
    se += w * luminance(Math.max(e[0]!, 0), Math.max(e[1]!, 0), Math.max(e[2]!, 0));
  }
  const out = Float32Array.from(targetSh);
  if (!(sw > 0) || !(se > 0)) return out;
  const k = (Math.PI * sw) / se;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * k;
  return out;
}

/**
 * The shading ratio at geometry resolution, 3 floats per pixel:
 *   R_c = clamp((E_t,c(n) / pi) / (max(E_s(n), floor) / m_s), ratioMin, ratioMax), blended toward the mean ratio
 * by (1 - confidence), so uncertain geometry (hair, the silhouette's edge) gets the average light, not a guess.
 */
export function computeRatioMap(
  geometry: GeometryMaps,
  sourceLum: ArrayLike<number>,
  targetSh: ArrayLike<number>,
  norm: RatioNormalisation,
  params: Readonly<RelightParams> = DEFAULT_RELIGHT_PARAMS,
  out?: Float32Array,
): Float32Array {
  const n = geometry.widthPx * geometry.heightPx;
  const R = out && out.length === n * 3 ? out : new Float32Array(n * 3);
  const lum = f64(sourceLum), t = f64(targetSh), e = new Float64Array(3);
  const [mr, mg, mb] = norm.meanRatio;
  const k = (norm.meanSource * norm.exposureGain) / Math.PI;
  const lo = params.ratioMin, hi = params.ratioMax, floor = norm.sourceFloorAbs;
  for (let p = 0; p < n; p++) {
    const c0 = geometry.confidence[p]!;
    const conf = c0 < 0 ? 0 : c0 > 1 ? 1 : c0;
    const nx = geometry.normals[p * 3]!, ny = geometry.normals[p * 3 + 1]!, nz = geometry.normals[p * 3 + 2]!;
    if (!(conf > 0) || nx * nx + ny * ny + nz * nz < 0.25) {
      R[p * 3] = mr; R[p * 3 + 1] = mg; R[p * 3 + 2] = mb;
      continue;
    }
    const es = Math.max(evalLum9(lum, nx, ny, nz), floor);
    const s = k / es;
    evalRgbInto(t, nx, ny, nz, e);
    const rr = Math.min(hi, Math.max(lo, Math.max(e[0]!, 0) * s));
    const rg = Math.min(hi, Math.max(lo, Math.max(e[1]!, 0) * s));
    const rb = Math.min(hi, Math.max(lo, Math.max(e[2]!, 0) * s));
    R[p * 3] = mr + (rr - mr) * conf;
    R[p * 3 + 1] = mg + (rg - mg) * conf;
    R[p * 3 + 2] = mb + (rb - mb) * conf;
  }
  return R;
}

// ------------------------------------------------------------------------------------------------------------
// 5. Edge-aware upsampling + composite

export type BackgroundMode = 'keep' | 'dim' | 'relight';

/** The background's multiplier (before strength): 1, the dim level, or the person's mean ratio (no normals). */
export function backgroundMultiplier(mode: BackgroundMode, dim: number, meanRatio: readonly number[]): [number, number, number] {
  if (mode === 'dim') return [dim, dim, dim];
  if (mode === 'relight') return [meanRatio[0]!, meanRatio[1]!, meanRatio[2]!];
  return [1, 1, 1];
}

/**
 * Highlight roll-off applied to the brightening only: where the output's max channel exceeds
 * knee' = max(knee, input max), it is compressed toward 1 by y = k' + (1 - k') t / (1 + t), t = (x - k') / (1 - k')
 * (slope 1 at k', so C1-continuous; rational rather than exponential so a 4x brightening still keeps its
 * gradations instead of flattening at 0.9999), scaling the three channels together (hue kept). Untouched and
 * darkened pixels are returned unchanged, so strength 0 is an exact identity.
 */
export function softClipScale(outMax: number, inMax: number, knee: number): number {
  const k = Math.max(knee, inMax);
  if (!(outMax > k)) return 1;
  const room = 1 - k;
  if (!(room > 1e-6)) return k / outMax;
  const t = (outMax - k) / room;
  return (k + (room * t) / (1 + t)) / outMax;
}

/** Tent weight of the 3-tap upsampling window: radius 1.5 low-res pixels, zero where taps enter/leave. */
function tent(d: number): number {
  const a = 1.5 - Math.abs(d);
  return a > 0 ? a : 0;
}

export interface CompositeInputs {
  readonly src: PixelBuffer;
  readonly mask: Mask;
  readonly guide: LowResGuide;
  /** Ratio map at guide resolution, 3 floats per pixel. */
  readonly ratio: Float32Array;
  /** Background multiplier (backgroundMultiplier()). */
  readonly background: readonly [number, number, number];
  readonly strength: number;
}

/**
 * Size-dependent tables of `compositeFrame`, kept between calls (a video keeps its frame size) so that a frame
 * allocates nothing: the mask's bilinear taps and the JBU's tap offsets and tent weights per column and per row,
 * the packed low-res taps, and the row buffers of the row passes. One per module instance (thread).
 */
interface CompositeLayout {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly guideWidthPx: number;
  readonly guideHeightPx: number;
  readonly maskWidthPx: number;
  readonly maskHeightPx: number;
  readonly maskX: AxisTaps;
  readonly maskY: AxisTaps;
  /** 3 taps per column / row: offset into `taps` (clamped to the map) and tent weight. */
  readonly colIdx: Int32Array;
  readonly colW: Float64Array;
  readonly rowIdx: Int32Array;
  readonly rowW: Float64Array;
  /**
   * Packed low-res taps, 5 per pixel: guide value, mask, ratio r, g, b. f32 values (as the shader reads them
   * from f32 textures), stored as f64 so that the per-pixel loop does not convert its 45 loads.
   */
  readonly taps: Float64Array;
  /** Background tables for 8-bit input, 256 entries per channel. */
  readonly bgLut: Uint8Array;
  /**
   * Output columns that read mask column i: from firstX[i] (the first whose right tap is >= i) to lastX[i] (the
   * last whose left tap is <= i).
   */
  readonly maskFirstX: Int32Array;
  readonly maskLastX: Int32Array;
  /** Per mask row: first and last column that is not below the background bound (-1: not scanned this frame). */
  readonly maskRowSpan: Int32Array;
  /** Two mask rows interpolated horizontally, which mask rows they are (-1: none yet this frame), and the
   * output columns [from, to) computed in each. */
  readonly maskHRows: [Float64Array, Float64Array];
  readonly maskHRowIdx: Int32Array;
  readonly maskHRowRange: Int32Array;
  /** One output row: mask, guide value, and the multipliers M (3 per pixel), in doubles. */
  readonly rowMask: Float64Array;
  readonly rowGuide: Float64Array;
  readonly rowMul: Float64Array;
  /** The upsampled ratio (3 per pixel) at the evaluated columns of a stride-2 row (see upsampleRuns). */
  readonly rowRatio: Float64Array;
  /** The row's foreground runs (pixels that are not background, m < eps): start, end pairs. */
  readonly runs: Int32Array;
}

let compositeLayout: CompositeLayout | null = null;

/**
 * JBU taps of each output column (or row): the 3 low-res pixels around its low-res position, as offsets into
 * the packed taps (`stride` floats per step), with their tent weights. The per-pixel loop adds all three
 * unconditionally; a zero-weight tap (the window's edge exactly on a pixel centre, at some odd scale factors)
 * then adds exactly 0, as the skip it replaces did, and it reads the centre tap (always weighted) so that it
 * cannot bring in a value the result did not already depend on.
 */
function jbuAxisTaps(dstN: number, lowN: number, stride: number): { idx: Int32Array; w: Float64Array } {
  const idx = new Int32Array(dstN * 3), w = new Float64Array(dstN * 3);
  for (let i = 0; i < dstN; i++) {
    const u = srcCoord(i, dstN, lowN);
    const c = Math.floor(u + 0.5);
    for (let t = 0; t < 3; t++) {
      const k = c - 1 + t;
      const wt = tent(u - k);
      idx[i * 3 + t] = Math.min(Math.max(wt > 0 ? k : c, 0), lowN - 1) * stride;
      w[i * 3 + t] = wt;
    }
  }
  return { idx, w };
}

function compositeLayoutFor(W: number, H: number, gw: number, gh: number, mW: number, mH: number): CompositeLayout {
  const c = compositeLayout;
  if (c && c.widthPx === W && c.heightPx === H && c.guideWidthPx === gw && c.guideHeightPx === gh && c.maskWidthPx === mW && c.maskHeightPx === mH) return c;
  const cols = jbuAxisTaps(W, gw, 5), rows = jbuAxisTaps(H, gh, gw * 5);
  const maskX = axisTaps(W, mW);
  // Both taps are non-decreasing in x.
  const maskFirstX = new Int32Array(mW).fill(W), maskLastX = new Int32Array(mW).fill(-1);
  for (let x = 0, i = 0; x < W; x++) while (i < mW && i <= maskX.i1[x]!) maskFirstX[i++] = x;
  for (let x = W - 1, i = mW - 1; x >= 0; x--) while (i >= 0 && i >= maskX.i0[x]!) maskLastX[i--] = x;
  compositeLayout = {
    widthPx: W, heightPx: H, guideWidthPx: gw, guideHeightPx: gh, maskWidthPx: mW, maskHeightPx: mH,
    maskX, maskY: axisTaps(H, mH), maskFirstX, maskLastX, maskRowSpan: new Int32Array(mH * 2),
    colIdx: cols.idx, colW: cols.w, rowIdx: rows.idx, rowW: rows.w,
    taps: new Float64Array(gw * gh * 5),
    bgLut: new Uint8Array(768),
    maskHRows: [new Float64Array(W), new Float64Array(W)], maskHRowIdx: new Int32Array(2), maskHRowRange: new Int32Array(4),
    rowMask: new Float64Array(W), rowGuide: new Float64Array(W), rowMul: new Float64Array(W * 3), rowRatio: new Float64Array(W * 3),
    runs: new Int32Array(W + 2),
  };
  return compositeLayout;
}

/** Per-frame constants of the composite's row passes. */
interface CompositeConstants {
  readonly eps: number;
  readonly knee: number;
  readonly invSg2: number;
  readonly invSm2: number;
  readonly strength: number;
  /** Background multiplier minus 1, and the whole background multiplier (mask 0). */
  readonly bR: number; readonly bG: number; readonly bB: number;
  readonly bgMr: number; readonly bgMg: number; readonly bgMb: number;
}

/**
 * Joint-bilateral upsampling (Kopf et al. 2007) of the ratio + composite, per full-resolution pixel:
 *   taps: the 3x3 low-res pixels around the pixel's low-res position, spatial weight = separable tent(1.5);
 *   range weight = 1 / (1 + d^2)^2 + 1e-4, d^2 = (dguide / guideSigma)^2 + (dmask / maskSigma)^2,
 * so a pixel just inside the silhouette takes its ratio from person taps only (no halo), and shading edges
 * follow the frame's edges. Then M = 1 + strength * (m (R - 1) + (1 - m)(B - 1)), out = soft-clip(in * M).
 * Writes into `dst` (same kind and size as src).
 *
 * Speed (this is the CPU tier's per-pixel loop, most of its frame time). Every value is computed with the same
 * floating-point operations in the same order as the plain per-pixel formulation kept in
 * tests/unit/render-cpu-reference.ts, so the output is the same bit for bit; what changed is the bookkeeping:
 * - Nothing is allocated per frame: the size-dependent tables live in a `CompositeLayout` kept between calls.
 * - The frame goes row by row through small monomorphic passes (mask + foreground runs, guide values,
 *   upsampling, output) instead of one loop that branches per pixel on the pixel kind and the tap weights; the
 *   9 taps are unrolled.
 * - The mask's horizontal interpolation is done once per mask row, not once per output row.
 * - Background pixels (m < maskEpsilon, usually most of the frame) skip the upsampling; with B <= 1 they cannot
 *   trigger the soft clip, so for 8-bit input they go through a 256-entry table per channel built with exactly
 *   the per-pixel arithmetic, and when that table is the identity (background 'keep') they are copied.
 * - The 8-bit encode uses `encodeSrgb8` (the same function as Math.round(encodeSrgb255), by thresholds).
 */
export function compositeFrame(inp: CompositeInputs, dst: PixelBuffer, params: Readonly<RelightParams> = DEFAULT_RELIGHT_PARAMS): void {
  const { src, mask, guide, ratio, background, strength } = inp;
  const W = src.widthPx, H = src.heightPx, gw = guide.widthPx, gh = guide.heightPx;
  if (dst.widthPx !== W || dst.heightPx !== H || dst.kind !== src.kind) throw new Error('[RelightMath] dst must match src');
  if (ratio.length !== gw * gh * 3) throw new Error('[RelightMath] ratio map size does not match the guide');
  const L = compositeLayoutFor(W, H, gw, gh, mask.widthPx, mask.heightPx);
  L.maskHRowIdx.fill(-1); // a new mask: nothing cached
  L.maskRowSpan.fill(-1);
  // Packed taps: guide value, mask, ratio r, g, b (rounded to f32 as the shader's textures hold them).
  const taps = L.taps, gd = guide.data;
  for (let p = 0; p < gw * gh; p++) {
    taps[p * 5] = Math.fround(guideValue(gd[p * 4]!, gd[p * 4 + 1]!, gd[p * 4 + 2]!));
    taps[p * 5 + 1] = gd[p * 4 + 3]!;
    taps[p * 5 + 2] = ratio[p * 3]!;
    taps[p * 5 + 3] = ratio[p * 3 + 1]!;
    taps[p * 5 + 4] = ratio[p * 3 + 2]!;
  }
  const s = strength;
  const bR = background[0] - 1, bG = background[1] - 1, bB = background[2] - 1;
  const k: CompositeConstants = {
    eps: params.maskEpsilon, knee: params.highlightKnee,
    invSg2: 1 / (params.guideSigma * params.guideSigma), invSm2: 1 / (params.maskSigma * params.maskSigma),
    strength: s, bR, bG, bB, bgMr: 1 + s * bR, bgMg: 1 + s * bG, bgMb: 1 + s * bB,
  };
  const { rowMask, rowGuide, rowMul, runs } = L;
  const colStride = W > params.upsampleFullWidthMaxPx ? 2 : 1;
  if (src.kind === 'rgba8' && dst.kind === 'rgba8') {
    const sIn = src.data, dOut = dst.data;
    // Background (m < eps) tables; only when the background is not brightened (else the soft clip may apply).
    let bgLut: Uint8Array | null = null;
    let bgCopy = false;
    if (k.bgMr <= 1 && k.bgMg <= 1 && k.bgMb <= 1) {
      bgLut = L.bgLut;
      bgCopy = true;
      for (let v = 0; v < 256; v++) {
        const l = SRGB8_TO_LINEAR[v]!;
        bgLut[v] = Math.round(encodeSrgb255(l * k.bgMr));
        bgLut[256 + v] = Math.round(encodeSrgb255(l * k.bgMg));
        bgLut[512 + v] = Math.round(encodeSrgb255(l * k.bgMb));
        bgCopy &&= bgLut[v] === v && bgLut[256 + v] === v && bgLut[512 + v] === v;
      }
    }
    // An identity table: the background is the input, copied at once; the rows then write their foreground.
    if (bgCopy && dOut !== sIn) dOut.set(sIn);
    for (let y = 0; y < H; y++) {
      const o = y * W * 4;
      const nRuns = maskRow(mask.data, L, y, k.eps, rowMask, runs);
      // The background: the gaps between the foreground runs.
      for (let r = 0, x = 0; r <= nRuns; r++) {
        const fs = r < nRuns ? runs[r * 2]! : W;
        if (fs > x) {
          if (!bgLut) shadeSpanRgba8(sIn, dOut, o, x, fs, null, rowMul, k);
          else if (!bgCopy) backgroundSpanRgba8(sIn, dOut, o + x * 4, o + fs * 4, bgLut);
        }
        x = r < nRuns ? runs[r * 2 + 1]! : W;
      }
      // The foreground.
      guideRunsRgba8(sIn, o, rowMask, runs, nRuns, k.eps, rowGuide);
      upsampleRuns(L, y, rowMask, rowGuide, runs, nRuns, k, rowMul, colStride);
      for (let r = 0; r < nRuns; r++) shadeSpanRgba8(sIn, dOut, o, runs[r * 2]!, runs[r * 2 + 1]!, rowMask, rowMul, k);
    }
  } else {
    const px = new Float64Array(3);
    for (let y = 0; y < H; y++) {
      const nRuns = maskRow(mask.data, L, y, k.eps, rowMask, runs);
      for (let r = 0; r < nRuns; r++) {
        for (let x = runs[r * 2]!; x < runs[r * 2 + 1]!; x++) {
          if (!(rowMask[x]! >= k.eps)) continue;
          readLinear(src, y * W + x, px);
          rowGuide[x] = guideValue(px[0]!, px[1]!, px[2]!);
        }
      }
      upsampleRuns(L, y, rowMask, rowGuide, runs, nRuns, k, rowMul, colStride);
      for (let x = 0, run = 0; x < W; x++) {
        while (run < nRuns && runs[run * 2 + 1]! <= x) run++;
        const i = y * W + x;
        readLinear(src, i, px);
        const r = px[0]!, g = px[1]!, b = px[2]!;
        // rowMask is only written inside the runs (see maskRow).
        const fg = run < nRuns && x >= runs[run * 2]! && rowMask[x]! >= k.eps;
        let or = r * (fg ? rowMul[x * 3]! : k.bgMr), og = g * (fg ? rowMul[x * 3 + 1]! : k.bgMg), ob = b * (fg ? rowMul[x * 3 + 2]! : k.bgMb);
        const outMax = or > og ? (or > ob ? or : ob) : og > ob ? og : ob;
        const inMax = r > g ? (r > b ? r : b) : g > b ? g : b;
        if (outMax > k.knee && outMax > inMax) {
          const c = softClipScale(outMax, inMax, k.knee);
          or *= c; og *= c; ob *= c;
        }
        writeLinear(dst, i, or, og, ob);
      }
    }
  }
}

/**
 * Row `y` of the mask at full resolution into `out`, bilinear and clamped (sampleBilinear's expression
 * (A (1 - fx) + B fx) (1 - fy) + (C (1 - fx) + D fx) fy with the taps precomputed), and the row's foreground
 * runs (pixels with !(m < eps)) into `runs`; returns their number. Only the columns that can be foreground are
 * computed: where the four mask taps are all below eps (1 - 1e-9), m < eps whatever the rounding (m is a convex
 * combination, within 4 roundings of its largest tap), so those pixels are background and `out` is not written
 * there. The parenthesised terms are mask rows interpolated horizontally, which several output rows share (the
 * mask is usually lower-res than the frame): they are computed once per mask row (`maskHRow`).
 */
function maskRow(mdat: Float32Array, L: CompositeLayout, y: number, eps: number, out: Float64Array, runs: Int32Array): number {
  const j0 = L.maskY.i0[y]!, j1 = L.maskY.i1[y]!, fy = L.maskY.f[y]!;
  const bound = eps > 0 ? eps * (1 - 1e-9) : -Infinity; // eps <= 0: every pixel is foreground
  const lo = Math.min(maskRowSpan(mdat, L, j0, bound, 0), maskRowSpan(mdat, L, j1, bound, 0));
  const hi = Math.max(maskRowSpan(mdat, L, j0, bound, 1), maskRowSpan(mdat, L, j1, bound, 1));
  if (hi < lo) return 0;
  const xa = L.maskFirstX[lo]!, xb = L.maskLastX[hi]! + 1;
  const a = maskHRow(mdat, L, j0, j1, xa, xb), b = maskHRow(mdat, L, j1, j0, xa, xb);
  let n = 0, inRun = false;
  for (let x = xa; x < xb; x++) {
    let m = a[x]! * (1 - fy) + b[x]! * fy;
    m = m < 0 ? 0 : m > 1 ? 1 : m;
    out[x] = m;
    if (!(m < eps) !== inRun) {
      runs[n++] = x;
      inRun = !inRun;
    }
  }
  if (inRun) runs[n++] = xb;
  return n >> 1;
}

/** First (end 0) or last (end 1) column of mask row `j` that is not below `bound` (NaN counts); mW / -1: none. */
function maskRowSpan(mdat: Float32Array, L: CompositeLayout, j: number, bound: number, end: 0 | 1): number {
  const span = L.maskRowSpan, mW = L.maskWidthPx;
  if (span[j * 2]! < 0) {
    const o = j * mW;
    let first = mW, last = -1;
    for (let i = 0; i < mW; i++) {
      if (!(mdat[o + i]! < bound)) {
        if (first === mW) first = i;
        last = i;
      }
    }
    span[j * 2] = first;
    span[j * 2 + 1] = last;
  }
  return span[j * 2 + end]!;
}

/**
 * Mask row `j` interpolated to output columns [xa, xb), from the two-row cache (evicting a row other than
 * `keep`); a cached row is reused if it covers those columns.
 */
function maskHRow(mdat: Float32Array, L: CompositeLayout, j: number, keep: number, xa: number, xb: number): Float64Array {
  const rows = L.maskHRows, idx = L.maskHRowIdx, range = L.maskHRowRange;
  for (let slot = 0; slot < 2; slot++) {
    if (idx[slot] === j && range[slot * 2]! <= xa && range[slot * 2 + 1]! >= xb) return rows[slot]!;
  }
  const slot = idx[0] === j ? 0 : idx[1] === j ? 1 : idx[0] === keep ? 1 : 0;
  const out = rows[slot]!;
  const i0 = L.maskX.i0, i1 = L.maskX.i1, f = L.maskX.f, o = j * L.maskWidthPx;
  for (let x = xa; x < xb; x++) {
    const fx = f[x]!;
    out[x] = mdat[o + i0[x]!]! * (1 - fx) + mdat[o + i1[x]!]! * fx;
  }
  idx[slot] = j;
  range[slot * 2] = xa;
  range[slot * 2 + 1] = xb;
  return out;
}

/** Guide values (sqrt linear luminance) of an 8-bit row where the upsampling needs them (m >= eps). */
function guideRunsRgba8(d: Uint8Array | Uint8ClampedArray, o: number, rowMask: Float64Array, runs: Int32Array, nRuns: number, eps: number, out: Float64Array): void {
  for (let r = 0; r < nRuns; r++) {
    for (let x = runs[r * 2]!, e = runs[r * 2 + 1]!; x < e; x++) {
      if (!(rowMask[x]! >= eps)) continue;
      const i = o + x * 4;
      const T = SRGB8_TO_LINEAR_F64;
      const yv = LUMA_R * T[d[i]!]! + LUMA_G * T[d[i + 1]!]! + LUMA_B * T[d[i + 2]!]!;
      out[x] = yv > 0 ? Math.sqrt(yv) : 0;
    }
  }
}

/**
 * The joint-bilateral multipliers of one row's foreground runs. `colStride` 2 (frames wider than
 * `RelightParams.upsampleFullWidthMaxPx`) evaluates every other column and each run's last, then gives a skipped
 * column the mean of its two neighbours (both in the foreground; else it is evaluated too): about half the work,
 * a 2-pixel resolution for the light's edges, which come from a 128-pixel geometry grid and a 256-pixel mask.
 */
function upsampleRuns(
  L: CompositeLayout, y: number, rowMask: Float64Array, rowGuide: Float64Array, runs: Int32Array, nRuns: number,
  k: CompositeConstants, out: Float64Array, colStride = 1,
): void {
  for (let r = 0; r < nRuns; r++) {
    const x0 = runs[r * 2]!, e = runs[r * 2 + 1]!;
    if (colStride === 1 || e - x0 < 3) {
      upsampleSpan(L, y, rowMask, rowGuide, x0, e, 1, k, out, null);
      continue;
    }
    const R = L.rowRatio;
    upsampleSpan(L, y, rowMask, rowGuide, x0, e, 2, k, out, R);
    if ((e - 1 - x0) % 2 === 1) upsampleSpan(L, y, rowMask, rowGuide, e - 1, e, 1, k, out, R);
    const { eps, strength: s, bR, bG, bB } = k;
    for (let x = x0 + 1; x < e - 1; x += 2) {
      const m = rowMask[x]!;
      if (!(m >= eps)) continue;
      if (rowMask[x - 1]! >= eps && rowMask[x + 1]! >= eps) {
        // The neighbours' upsampled ratio, with this pixel's own mask (the silhouette's ramp stays per pixel).
        const im = 1 - m;
        out[x * 3] = 1 + s * (m * (0.5 * (R[x * 3 - 3]! + R[x * 3 + 3]!) - 1) + im * bR);
        out[x * 3 + 1] = 1 + s * (m * (0.5 * (R[x * 3 - 2]! + R[x * 3 + 4]!) - 1) + im * bG);
        out[x * 3 + 2] = 1 + s * (m * (0.5 * (R[x * 3 - 1]! + R[x * 3 + 5]!) - 1) + im * bB);
      } else {
        upsampleSpan(L, y, rowMask, rowGuide, x, x + 1, 1, k, out, null);
      }
    }
  }
}

/**
 * The multipliers M of row `y` at x = x0, x0 + step, ... < e where m >= eps (elsewhere `out` keeps stale values,
 * never read), and the upsampled ratio itself into `ratioOut` when given: the 3x3
 * joint-bilateral taps, unrolled, summed in the reference order (tap rows top to bottom, columns left to right).
 * (Sharing the tap loads between two neighbouring pixels that read the same taps was tried: slower in V8, which
 * then spills the doubled accumulators.)
 */
function upsampleSpan(
  L: CompositeLayout, y: number, rowMask: Float64Array, rowGuide: Float64Array, x0: number, e: number, step: number,
  k: CompositeConstants, out: Float64Array, ratioOut: Float64Array | null = null,
): void {
  const taps = L.taps, colIdx = L.colIdx, colW = L.colW;
  const ry0 = L.rowIdx[y * 3]!, ry1 = L.rowIdx[y * 3 + 1]!, ry2 = L.rowIdx[y * 3 + 2]!;
  const wy0 = L.rowW[y * 3]!, wy1 = L.rowW[y * 3 + 1]!, wy2 = L.rowW[y * 3 + 2]!;
  const { eps, invSg2, invSm2, strength: s, bR, bG, bB } = k;
  for (let x = x0; x < e; x += step) {
    const m = rowMask[x]!;
    if (!(m >= eps)) continue;
    const c0 = colIdx[x * 3]!, c1 = colIdx[x * 3 + 1]!, c2 = colIdx[x * 3 + 2]!;
    const gv = rowGuide[x]!;
    const wx0 = colW[x * 3]!, wx1 = colW[x * 3 + 1]!, wx2 = colW[x * 3 + 2]!;
    let q = ry0 + c0, w = wx0 * wy0 * rangeWeight(gv, m, taps, q, invSg2, invSm2);
    let sw = 0 + w, ar = 0 + w * taps[q + 2]!, ag = 0 + w * taps[q + 3]!, ab = 0 + w * taps[q + 4]!;
    q = ry0 + c1; w = wx1 * wy0 * rangeWeight(gv, m, taps, q, invSg2, invSm2);
    sw += w; ar += w * taps[q + 2]!; ag += w * taps[q + 3]!; ab += w * taps[q + 4]!;
    q = ry0 + c2; w = wx2 * wy0 * rangeWeight(gv, m, taps, q, invSg2, invSm2);
    sw += w; ar += w * taps[q + 2]!; ag += w * taps[q + 3]!; ab += w * taps[q + 4]!;
    q = ry1 + c0; w = wx0 * wy1 * rangeWeight(gv, m, taps, q, invSg2, invSm2);
    sw += w; ar += w * taps[q + 2]!; ag += w * taps[q + 3]!; ab += w * taps[q + 4]!;
    q = ry1 + c1; w = wx1 * wy1 * rangeWeight(gv, m, taps, q, invSg2, invSm2);
    sw += w; ar += w * taps[q + 2]!; ag += w * taps[q + 3]!; ab += w * taps[q + 4]!;
    q = ry1 + c2; w = wx2 * wy1 * rangeWeight(gv, m, taps, q, invSg2, invSm2);
    sw += w; ar += w * taps[q + 2]!; ag += w * taps[q + 3]!; ab += w * taps[q + 4]!;
    q = ry2 + c0; w = wx0 * wy2 * rangeWeight(gv, m, taps, q, invSg2, invSm2);
    sw += w; ar += w * taps[q + 2]!; ag += w * taps[q + 3]!; ab += w * taps[q + 4]!;
    q = ry2 + c1; w = wx1 * wy2 * rangeWeight(gv, m, taps, q, invSg2, invSm2);
    sw += w; ar += w * taps[q + 2]!; ag += w * taps[q + 3]!; ab += w * taps[q + 4]!;
    q = ry2 + c2; w = wx2 * wy2 * rangeWeight(gv, m, taps, q, invSg2, invSm2);
    sw += w; ar += w * taps[q + 2]!; ag += w * taps[q + 3]!; ab += w * taps[q + 4]!;
    const im = 1 - m;
    const rr = ar / sw, rg = ag / sw, rb = ab / sw;
    out[x * 3] = 1 + s * (m * (rr - 1) + im * bR);
    out[x * 3 + 1] = 1 + s * (m * (rg - 1) + im * bG);
    out[x * 3 + 2] = 1 + s * (m * (rb - 1) + im * bB);
    if (ratioOut) { ratioOut[x * 3] = rr; ratioOut[x * 3 + 1] = rg; ratioOut[x * 3 + 2] = rb; }
  }
}

/** Range weight of the tap at `q` for a pixel with guide value gv and mask m: 1 / (1 + d^2)^2 + 1e-4. */
function rangeWeight(gv: number, m: number, taps: Float64Array, q: number, invSg2: number, invSm2: number): number {
  const dg = gv - taps[q]!;
  const dm = m - taps[q + 1]!;
  const t = 1 + dg * dg * invSg2 + dm * dm * invSm2;
  return 1 / (t * t) + 1e-4;
}

/**
 * out = soft-clip(in * M) for pixels x0..x1 of an 8-bit row at byte offset `o`, sRGB-encoded: M from the
 * upsampling where m >= eps, else the background multiplier (everywhere when `rowMask` is null: a background span).
 */
function shadeSpanRgba8(
  sIn: Uint8Array | Uint8ClampedArray, dOut: Uint8Array | Uint8ClampedArray, o: number, x0: number, x1: number,
  rowMask: Float64Array | null, rowMul: Float64Array, k: CompositeConstants,
): void {
  const { eps, knee, bgMr, bgMg, bgMb } = k;
  const T = SRGB8_TO_LINEAR_F64;
  for (let x = x0, i = o + x0 * 4; x < x1; x++, i += 4) {
    let Mr = bgMr, Mg = bgMg, Mb = bgMb;
    if (rowMask && rowMask[x]! >= eps) {
      Mr = rowMul[x * 3]!; Mg = rowMul[x * 3 + 1]!; Mb = rowMul[x * 3 + 2]!;
    }
    const r = T[sIn[i]!]!, g = T[sIn[i + 1]!]!, b = T[sIn[i + 2]!]!;
    let or = r * Mr, og = g * Mg, ob = b * Mb;
    const outMax = or > og ? (or > ob ? or : ob) : og > ob ? og : ob;
    const inMax = r > g ? (r > b ? r : b) : g > b ? g : b;
    if (outMax > knee && outMax > inMax) {
      const c = softClipScale(outMax, inMax, knee);
      or *= c; og *= c; ob *= c;
    }
    dOut[i] = encodeSrgb8(or);
    dOut[i + 1] = encodeSrgb8(og);
    dOut[i + 2] = encodeSrgb8(ob);
    dOut[i + 3] = sIn[i + 3]!;
  }
}

/** Background bytes [o0, o1) of an 8-bit frame through the per-channel tables. */
function backgroundSpanRgba8(sIn: Uint8Array | Uint8ClampedArray, dOut: Uint8Array | Uint8ClampedArray, o0: number, o1: number, lut: Uint8Array): void {
  for (let i = o0; i < o1; i += 4) {
    dOut[i] = lut[sIn[i]!]!;
    dOut[i + 1] = lut[256 + sIn[i + 1]!]!;
    dOut[i + 2] = lut[512 + sIn[i + 2]!]!;
    dOut[i + 3] = sIn[i + 3]!;
  }
}

function writeLinear(dst: PixelBuffer, i: number, r: number, g: number, b: number): void {
  if (dst.kind === 'rgba8') throw new Error('[RelightMath] writeLinear is for linear buffers');
  const c = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
  if (dst.channels === 3) {
    dst.data[i * 3] = c(r); dst.data[i * 3 + 1] = c(g); dst.data[i * 3 + 2] = c(b);
  } else {
    dst.data[i] = c(luminance(r, g, b));
  }
}
