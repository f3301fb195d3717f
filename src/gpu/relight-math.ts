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
 * shading SH (9 coefficients, ridge on the non-DC terms) to the pixels' luminance, and a per-channel scale
 * s_c = sum(w I_c) / sum(w L) that carries the skin's (albedo x light) chroma. The 9x3 SH returned is
 * s_c * x_k. The ratio divides by the LUMINANCE of that SH only, so the person's own colour is kept (dividing per
 * channel would grey the skin out), and the target light's colour is applied. A camera's colour cast is therefore
 * not removed by relighting; that is white balance, not lighting.
 *
 * Exposure convention: the frame is taken to be "well exposed" for its current light. The source shading is
 * normalised by its mean over the person (m_s), and the target irradiance by pi, so
 *   R_c(n) = (E_target,c(n) / pi) / (E_source(n) / m_s)
 * i.e. a target of uniform unit radiance (E = pi) flattens the shading but keeps the person's mean brightness;
 * twice that radiance doubles it. src/lighting normalises presets to that unit (mean irradiance over camera-facing
 * normals = pi); a bare directional light must go through `exposureNeutralSh` first.
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

function readLinear(src: PixelBuffer, i: number, out: Float64Array): void {
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

/**
 * Box-averages the frame into geometry-resolution cells in linear light, and samples the mask at each cell
 * centre. This is the data the source estimate sees, and the low-res side of the joint-bilateral guide.
 */
export function buildLowResGuide(src: PixelBuffer, mask: Mask, lowW: number, lowH: number, out?: LowResGuide): LowResGuide {
  const W = src.widthPx, H = src.heightPx;
  const g = out && out.widthPx === lowW && out.heightPx === lowH ? out : { widthPx: lowW, heightPx: lowH, data: new Float32Array(lowW * lowH * 4) };
  const px = new Float64Array(3);
  for (let j = 0; j < lowH; j++) {
    const [y0, y1] = cellRange(j, lowH, H);
    const mv = srcCoord(j, lowH, mask.heightPx);
    for (let i = 0; i < lowW; i++) {
      const [x0, x1] = cellRange(i, lowW, W);
      let r = 0, gg = 0, b = 0;
      if (src.kind === 'rgba8') {
        const d = src.data;
        for (let y = y0; y < y1; y++) {
          for (let o = (y * W + x0) * 4, e = (y * W + x1) * 4; o < e; o += 4) {
            r += SRGB8_TO_LINEAR[d[o]!]!; gg += SRGB8_TO_LINEAR[d[o + 1]!]!; b += SRGB8_TO_LINEAR[d[o + 2]!]!;
          }
        }
      } else {
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            readLinear(src, y * W + x, px);
            r += px[0]!; gg += px[1]!; b += px[2]!;
          }
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (j * lowW + i) * 4;
      g.data[o] = r / n;
      g.data[o + 1] = gg / n;
      g.data[o + 2] = b / n;
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
  for (let p = 0; p < n; p++) {
    if (!(gd[p * 4 + 3]! >= params.minEstimateMask)) continue;
    const w = conf[p]!;
    if (!(w >= params.minEstimateConfidence)) continue;
    const nx = nrm[p * 3]!, ny = nrm[p * 3 + 1]!, nz = nrm[p * 3 + 2]!;
    if (nx * nx + ny * ny + nz * nz < 0.25) continue;
    const r = gd[p * 4]!, g = gd[p * 4 + 1]!, bb = gd[p * 4 + 2]!;
    const L = luminance(r, g, bb);
    basisInto(nx, ny, nz, b);
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
  for (let p = 0; p < n; p++) {
    const w = geometry.confidence[p]! * guide.data[p * 4 + 3]!;
    if (!(w > 0)) continue;
    const nx = geometry.normals[p * 3]!, ny = geometry.normals[p * 3 + 1]!, nz = geometry.normals[p * 3 + 2]!;
    if (nx * nx + ny * ny + nz * nz < 0.25) continue;
    evalRgbInto(t, nx, ny, nz, e);
    sw += w;
    ss += w * Math.max(evalLum9(lum, nx, ny, nz), 0);
    tr += w * Math.max(e[0]!, 0);
    tg += w * Math.max(e[1]!, 0);
    tb += w * Math.max(e[2]!, 0);
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
  return {
    meanSource,
    sourceFloorAbs: params.sourceFloor * meanSource,
    meanRatio: [clampR(tr), clampR(tg), clampR(tb)],
  };
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
  const k = norm.meanSource / Math.PI;
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
 * Joint-bilateral upsampling (Kopf et al. 2007) of the ratio + composite, per full-resolution pixel:
 *   taps: the 3x3 low-res pixels around the pixel's low-res position, spatial weight = separable tent(1.5);
 *   range weight = 1 / (1 + d^2)^2 + 1e-4, d^2 = (dguide / guideSigma)^2 + (dmask / maskSigma)^2,
 * so a pixel just inside the silhouette takes its ratio from person taps only (no halo), and shading edges
 * follow the frame's edges. Then M = 1 + strength * (m (R - 1) + (1 - m)(B - 1)), out = soft-clip(in * M).
 * Writes into `dst` (same kind and size as src).
 *
 * Speed (this is the CPU tier's per-pixel loop): tap data is packed per low-res pixel, per-row/column tap
 * indices and weights are precomputed, and pixels with mask < maskEpsilon (the background, usually most of the
 * frame) skip the upsampling; with B <= 1 they cannot trigger the soft clip, so for 8-bit input they go through
 * a 256-entry table per channel built with exactly the per-pixel arithmetic (identical output, no pow/LUT
 * interpolation per pixel).
 */
export function compositeFrame(inp: CompositeInputs, dst: PixelBuffer, params: Readonly<RelightParams> = DEFAULT_RELIGHT_PARAMS): void {
  const { src, mask, guide, ratio, background, strength } = inp;
  const W = src.widthPx, H = src.heightPx, gw = guide.widthPx, gh = guide.heightPx;
  if (dst.widthPx !== W || dst.heightPx !== H || dst.kind !== src.kind) throw new Error('[RelightMath] dst must match src');
  if (ratio.length !== gw * gh * 3) throw new Error('[RelightMath] ratio map size does not match the guide');
  const mx = axisTaps(W, mask.widthPx), my = axisTaps(H, mask.heightPx);
  // Per-column / per-row JBU taps (clamped index, tent weight) so the inner loop has no divisions.
  const colIdx = new Int32Array(W * 3), colW = new Float64Array(W * 3);
  for (let x = 0; x < W; x++) {
    const u = srcCoord(x, W, gw);
    const c = Math.floor(u + 0.5);
    for (let t = 0; t < 3; t++) {
      const i = c - 1 + t;
      colIdx[x * 3 + t] = Math.min(Math.max(i, 0), gw - 1) * 5;
      colW[x * 3 + t] = tent(u - i);
    }
  }
  const rowIdx = new Int32Array(H * 3), rowW = new Float64Array(H * 3);
  for (let y = 0; y < H; y++) {
    const v = srcCoord(y, H, gh);
    const c = Math.floor(v + 0.5);
    for (let t = 0; t < 3; t++) {
      const j = c - 1 + t;
      rowIdx[y * 3 + t] = Math.min(Math.max(j, 0), gh - 1) * gw * 5;
      rowW[y * 3 + t] = tent(v - j);
    }
  }
  // Packed taps: guide value, mask, ratio r, g, b (f32, as the shader reads them from f32 textures).
  const taps = new Float32Array(gw * gh * 5);
  for (let p = 0; p < gw * gh; p++) {
    taps[p * 5] = guideValue(guide.data[p * 4]!, guide.data[p * 4 + 1]!, guide.data[p * 4 + 2]!);
    taps[p * 5 + 1] = guide.data[p * 4 + 3]!;
    taps[p * 5 + 2] = ratio[p * 3]!;
    taps[p * 5 + 3] = ratio[p * 3 + 1]!;
    taps[p * 5 + 4] = ratio[p * 3 + 2]!;
  }
  const invSg2 = 1 / (params.guideSigma * params.guideSigma);
  const invSm2 = 1 / (params.maskSigma * params.maskSigma);
  const eps = params.maskEpsilon, knee = params.highlightKnee;
  const s = strength;
  const bR = background[0] - 1, bG = background[1] - 1, bB = background[2] - 1;
  const mdat = mask.data, mW = mask.widthPx;
  const rgba8 = src.kind === 'rgba8';
  const sIn = src.kind === 'rgba8' ? src.data : null;
  const dOut = dst.kind === 'rgba8' ? dst.data : null;
  // Background (m < eps) multipliers and, for 8-bit input, their per-channel tables.
  const bgMr = 1 + s * bR, bgMg = 1 + s * bG, bgMb = 1 + s * bB;
  const bgSeparable = bgMr <= 1 && bgMg <= 1 && bgMb <= 1;
  let bgLut: Uint8Array | null = null;
  if (rgba8 && bgSeparable) {
    bgLut = new Uint8Array(768);
    for (let v = 0; v < 256; v++) {
      const l = SRGB8_TO_LINEAR[v]!;
      bgLut[v] = Math.round(encodeSrgb255(l * bgMr));
      bgLut[256 + v] = Math.round(encodeSrgb255(l * bgMg));
      bgLut[512 + v] = Math.round(encodeSrgb255(l * bgMb));
    }
  }
  const px = new Float64Array(3);
  for (let y = 0; y < H; y++) {
    const my0 = my.i0[y]! * mW, my1 = my.i1[y]! * mW, fy = my.f[y]!;
    const ry0 = rowIdx[y * 3]!, ry1 = rowIdx[y * 3 + 1]!, ry2 = rowIdx[y * 3 + 2]!;
    const wy0 = rowW[y * 3]!, wy1 = rowW[y * 3 + 1]!, wy2 = rowW[y * 3 + 2]!;
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const fx = mx.f[x]!;
      const mx0 = mx.i0[x]!, mx1 = mx.i1[x]!;
      let m = (mdat[my0 + mx0]! * (1 - fx) + mdat[my0 + mx1]! * fx) * (1 - fy) + (mdat[my1 + mx0]! * (1 - fx) + mdat[my1 + mx1]! * fx) * fy;
      m = m < 0 ? 0 : m > 1 ? 1 : m;
      if (m < eps && bgLut && sIn && dOut) {
        const o = i * 4;
        dOut[o] = bgLut[sIn[o]!]!;
        dOut[o + 1] = bgLut[256 + sIn[o + 1]!]!;
        dOut[o + 2] = bgLut[512 + sIn[o + 2]!]!;
        dOut[o + 3] = sIn[o + 3]!;
        continue;
      }
      let r: number, g: number, b: number;
      if (sIn) {
        r = SRGB8_TO_LINEAR[sIn[i * 4]!]!; g = SRGB8_TO_LINEAR[sIn[i * 4 + 1]!]!; b = SRGB8_TO_LINEAR[sIn[i * 4 + 2]!]!;
      } else {
        readLinear(src, i, px);
        r = px[0]!; g = px[1]!; b = px[2]!;
      }
      let Mr = bgMr, Mg = bgMg, Mb = bgMb;
      if (m >= eps) {
        const yv = LUMA_R * r + LUMA_G * g + LUMA_B * b;
        const gv = yv > 0 ? Math.sqrt(yv) : 0;
        let sw = 0, ar = 0, ag = 0, ab = 0;
        const cx0 = colIdx[x * 3]!, cx1 = colIdx[x * 3 + 1]!, cx2 = colIdx[x * 3 + 2]!;
        const wx0 = colW[x * 3]!, wx1 = colW[x * 3 + 1]!, wx2 = colW[x * 3 + 2]!;
        for (let ty = 0; ty < 3; ty++) {
          const wy = ty === 0 ? wy0 : ty === 1 ? wy1 : wy2;
          if (wy === 0) continue;
          const row = ty === 0 ? ry0 : ty === 1 ? ry1 : ry2;
          for (let tx = 0; tx < 3; tx++) {
            const wx = tx === 0 ? wx0 : tx === 1 ? wx1 : wx2;
            if (wx === 0) continue;
            const q = row + (tx === 0 ? cx0 : tx === 1 ? cx1 : cx2);
            const dg = gv - taps[q]!;
            const dm = m - taps[q + 1]!;
            const t = 1 + dg * dg * invSg2 + dm * dm * invSm2;
            const w = wx * wy * (1 / (t * t) + 1e-4);
            sw += w;
            ar += w * taps[q + 2]!;
            ag += w * taps[q + 3]!;
            ab += w * taps[q + 4]!;
          }
        }
        const im = 1 - m;
        Mr = 1 + s * (m * (ar / sw - 1) + im * bR);
        Mg = 1 + s * (m * (ag / sw - 1) + im * bG);
        Mb = 1 + s * (m * (ab / sw - 1) + im * bB);
      }
      let or = r * Mr, og = g * Mg, ob = b * Mb;
      const outMax = or > og ? (or > ob ? or : ob) : og > ob ? og : ob;
      const inMax = r > g ? (r > b ? r : b) : g > b ? g : b;
      if (outMax > knee && outMax > inMax) {
        const k = softClipScale(outMax, inMax, knee);
        or *= k; og *= k; ob *= k;
      }
      if (dOut && sIn) {
        dOut[i * 4] = Math.round(encodeSrgb255(or));
        dOut[i * 4 + 1] = Math.round(encodeSrgb255(og));
        dOut[i * 4 + 2] = Math.round(encodeSrgb255(ob));
        dOut[i * 4 + 3] = sIn[i * 4 + 3]!;
      } else {
        writeLinear(dst, i, or, og, ob);
      }
    }
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
