/**
 * Pure measurement code for `npm run eval` (no DOM): the flicker accumulator, the skin region from face
 * landmarks, the skin colour difference, and small array helpers. The page (eval-page.ts) feeds it pixels.
 */
import { ciede2000, srgbToLab } from '../../src/core/metrics.js';

// ------------------------------------------------------------------------------------------------------------
// Temporal stability

export interface FlickerOptions {
  /** A pixel is static when its input luma changes by at most this much between frames (0..255). */
  staticThreshold: number;
  /** Pixels darker / brighter than this in the input are skipped (clipped values carry no change). */
  minLuma: number;
  maxLuma: number;
  /** The first frames of a run are the pipeline's start-up transient, not flicker. */
  skipFrames: number;
}

export const DEFAULT_FLICKER: FlickerOptions = { staticThreshold: 4, minLuma: 8, maxLuma: 247, skipFrames: 3 };

export interface FlickerResult {
  /** mean |dI_out| / mean |dI_in| over static pixels of the person. */
  index: number;
  /**
   * The same with each pixel's input change scaled by that pixel's relighting gain (out / in): a relit video
   * that is temporally perfect (out = gain x in, gain constant in time) scores 1 here, while `index` scores
   * about the mean gain. Above 1 = flicker added by the pipeline.
   */
  gainNormalisedIndex: number;
  meanInputChange: number;
  meanOutputChange: number;
  staticPixels: number;
  frames: number;
}

const luma = (d: ArrayLike<number>, i: number) => 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;

/** Streams frame pairs (RGBA8 input, RGBA8 output, person mask per pixel) and accumulates the flicker index. */
export class FlickerAccumulator {
  private prevIn: Float32Array | null = null;
  private prevOut: Float32Array | null = null;
  private prevMask: Uint8Array | null = null;
  private frames = 0;
  private sumIn = 0;
  private sumOut = 0;
  private sumGainIn = 0;
  private n = 0;

  constructor(private readonly opts: FlickerOptions = DEFAULT_FLICKER) {}

  push(input: ArrayLike<number>, output: ArrayLike<number>, person: Uint8Array): void {
    const px = person.length;
    if (input.length !== px * 4 || output.length !== px * 4) throw new Error('[Flicker] sizes differ');
    const yIn = new Float32Array(px), yOut = new Float32Array(px);
    for (let p = 0; p < px; p++) {
      yIn[p] = luma(input, p * 4);
      yOut[p] = luma(output, p * 4);
    }
    const o = this.opts;
    if (this.prevIn && this.prevOut && this.prevMask && this.frames >= o.skipFrames) {
      const pi = this.prevIn, po = this.prevOut, pm = this.prevMask;
      for (let p = 0; p < px; p++) {
        if (!person[p] || !pm[p]) continue;
        const a = yIn[p]!, b = pi[p]!;
        if (a < o.minLuma || b < o.minLuma || a > o.maxLuma || b > o.maxLuma) continue;
        const dIn = Math.abs(a - b);
        if (dIn > o.staticThreshold) continue;
        const dOut = Math.abs(yOut[p]! - po[p]!);
        const gain = (yOut[p]! + po[p]! + 1) / (a + b + 1);
        this.sumIn += dIn;
        this.sumOut += dOut;
        this.sumGainIn += gain * dIn;
        this.n++;
      }
    }
    this.prevIn = yIn;
    this.prevOut = yOut;
    this.prevMask = person;
    this.frames++;
  }

  result(): FlickerResult {
    return {
      index: this.sumOut / Math.max(1e-9, this.sumIn),
      gainNormalisedIndex: this.sumOut / Math.max(1e-9, this.sumGainIn),
      meanInputChange: this.sumIn / Math.max(1, this.n),
      meanOutputChange: this.sumOut / Math.max(1, this.n),
      staticPixels: this.n,
      frames: this.frames,
    };
  }
}

// ------------------------------------------------------------------------------------------------------------
// Skin region from MediaPipe face-mesh landmarks

/** Face-mesh index loops (the canonical MediaPipe face mesh connections). */
export const FACE_OVAL = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
  176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109];
export const LIPS_OUTER = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185];
export const LEFT_EYE = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466];
export const RIGHT_EYE = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246];
/** Brows as closed loops: lower edge then upper edge reversed. */
export const LEFT_BROW = [276, 283, 282, 295, 285, 336, 296, 334, 293, 300];
export const RIGHT_BROW = [46, 53, 52, 65, 55, 107, 66, 105, 63, 70];

type Pt = [number, number];

function polygon(points: Float32Array, loop: readonly number[], widthPx: number, heightPx: number): Pt[] {
  return loop.map((i) => [points[i * 3]! * widthPx, points[i * 3 + 1]! * heightPx]);
}

/** Grows a polygon about its centroid (eyes and lips are excluded with a margin; the oval is shrunk). */
function scalePolygon(poly: Pt[], f: number): Pt[] {
  const cx = poly.reduce((s, p) => s + p[0], 0) / poly.length, cy = poly.reduce((s, p) => s + p[1], 0) / poly.length;
  return poly.map(([x, y]) => [cx + (x - cx) * f, cy + (y - cy) * f]);
}

function fillPolygon(poly: Pt[], out: Uint8Array, widthPx: number, heightPx: number, value: number): void {
  // Even-odd scanline fill at pixel centres.
  for (let y = 0; y < heightPx; y++) {
    const yc = y + 0.5;
    const xs: number[] = [];
    for (let i = 0; i < poly.length; i++) {
      const [x0, y0] = poly[i]!, [x1, y1] = poly[(i + 1) % poly.length]!;
      if ((y0 <= yc && y1 > yc) || (y1 <= yc && y0 > yc)) xs.push(x0 + ((yc - y0) / (y1 - y0)) * (x1 - x0));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const a = Math.max(0, Math.ceil(xs[k]! - 0.5)), b = Math.min(widthPx - 1, Math.floor(xs[k + 1]! - 0.5));
      for (let x = a; x <= b; x++) out[y * widthPx + x] = value;
    }
  }
}

/**
 * Skin pixels: inside the face oval (shrunk 8% so the jaw line and hairline stay out), minus the eyes, brows and
 * lips (grown 35-50%), and within the person mask.
 */
export function skinRegionFromLandmarks(points: Float32Array, widthPx: number, heightPx: number, person?: Uint8Array): Uint8Array {
  const region = new Uint8Array(widthPx * heightPx);
  fillPolygon(scalePolygon(polygon(points, FACE_OVAL, widthPx, heightPx), 0.92), region, widthPx, heightPx, 1);
  for (const [loop, grow] of [[LEFT_EYE, 1.5], [RIGHT_EYE, 1.5], [LEFT_BROW, 1.35], [RIGHT_BROW, 1.35], [LIPS_OUTER, 1.35]] as const) {
    fillPolygon(scalePolygon(polygon(points, loop, widthPx, heightPx), grow), region, widthPx, heightPx, 0);
  }
  if (person) for (let p = 0; p < region.length; p++) if (!person[p]) region[p] = 0;
  return region;
}

/** The fallback when no face is found: a central face-sized box (a frontal portrait framed as a call). */
export function centralFaceBox(widthPx: number, heightPx: number, person?: Uint8Array): Uint8Array {
  const region = new Uint8Array(widthPx * heightPx);
  for (let y = Math.round(heightPx * 0.35); y < Math.round(heightPx * 0.6); y++) {
    for (let x = Math.round(widthPx * 0.38); x < Math.round(widthPx * 0.62); x++) {
      const p = y * widthPx + x;
      region[p] = person ? person[p]! : 1;
    }
  }
  return region;
}

export interface SkinDifference {
  /** Mean per-pixel CIEDE2000 between input and output over the region. */
  meanDe2000: number;
  /** CIEDE2000 between the region's mean Lab colours (the overall skin tone, ignoring shading changes). */
  meanColourDe2000: number;
  /** The same with the output's mean L* set to the input's: the change of hue and chroma alone. */
  hueChromaDe2000: number;
  /** Mean L* out - in. */
  deltaL: number;
  /** Mean linear luminance out / in over the region (the exposure change the relighting applied to the skin). */
  linearGain: number;
  /** Mean CIELAB of the region, in and out. */
  labIn: [number, number, number];
  labOut: [number, number, number];
  pixels: number;
}

/** Input and output RGBA8 over `region`; pixels clipped in the input (max channel 255 or min 0) are skipped. */
export function skinDifference(input: ArrayLike<number>, output: ArrayLike<number>, region: Uint8Array): SkinDifference {
  let sum = 0, n = 0, yi = 0, yo = 0;
  const li = [0, 0, 0], lo = [0, 0, 0];
  const lin = (v: number) => { const c = v / 255; return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const Y = (d: ArrayLike<number>, i: number) => 0.2126 * lin(d[i]!) + 0.7152 * lin(d[i + 1]!) + 0.0722 * lin(d[i + 2]!);
  for (let p = 0; p < region.length; p++) {
    if (!region[p]) continue;
    const i = p * 4;
    const r = input[i]!, g = input[i + 1]!, b = input[i + 2]!;
    if (Math.max(r, g, b) >= 255 || Math.min(r, g, b) <= 0) continue;
    const a = srgbToLab(r / 255, g / 255, b / 255);
    const c = srgbToLab(output[i]! / 255, output[i + 1]! / 255, output[i + 2]! / 255);
    sum += ciede2000(a, c);
    yi += Y(input, i);
    yo += Y(output, i);
    for (let k = 0; k < 3; k++) { li[k] = li[k]! + a[k]!; lo[k] = lo[k]! + c[k]!; }
    n++;
  }
  const mi: [number, number, number] = [li[0]! / n, li[1]! / n, li[2]! / n];
  const mo: [number, number, number] = [lo[0]! / n, lo[1]! / n, lo[2]! / n];
  return {
    meanDe2000: sum / Math.max(1, n), meanColourDe2000: n ? ciede2000(mi, mo) : NaN,
    hueChromaDe2000: n ? ciede2000(mi, [mi[0], mo[1], mo[2]]) : NaN, deltaL: mo[0] - mi[0], linearGain: yo / Math.max(1e-9, yi),
    labIn: mi, labOut: mo, pixels: n,
  };
}

// ------------------------------------------------------------------------------------------------------------
// Array helpers

/** Bilinear resample of a 3-channel normal map to (w, h), renormalised; zero stays zero where all taps are zero. */
export function resampleNormals(n: Float32Array, sw: number, sh: number, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const v = Math.min(Math.max(((y + 0.5) * sh) / h - 0.5, 0), sh - 1);
    const y0 = Math.floor(v), y1 = Math.min(y0 + 1, sh - 1), fy = v - y0;
    for (let x = 0; x < w; x++) {
      const u = Math.min(Math.max(((x + 0.5) * sw) / w - 0.5, 0), sw - 1);
      const x0 = Math.floor(u), x1 = Math.min(x0 + 1, sw - 1), fx = u - x0;
      let a = 0, b = 0, c = 0;
      for (const [xx, yy, wgt] of [[x0, y0, (1 - fx) * (1 - fy)], [x1, y0, fx * (1 - fy)], [x0, y1, (1 - fx) * fy], [x1, y1, fx * fy]] as const) {
        const q = (yy * sw + xx) * 3;
        a += wgt * n[q]!; b += wgt * n[q + 1]!; c += wgt * n[q + 2]!;
      }
      const l = Math.hypot(a, b, c);
      const o = (y * w + x) * 3;
      if (l > 1e-6) { out[o] = a / l; out[o + 1] = b / l; out[o + 2] = c / l; }
    }
  }
  return out;
}

/** Mask (any resolution, 0..1) -> per-pixel 0/1 at (w, h), threshold 0.5, nearest-centre bilinear. */
export function maskToPixels(data: Float32Array, mw: number, mh: number, w: number, h: number, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const v = Math.min(Math.max(((y + 0.5) * mh) / h - 0.5, 0), mh - 1);
    const y0 = Math.floor(v), y1 = Math.min(y0 + 1, mh - 1), fy = v - y0;
    for (let x = 0; x < w; x++) {
      const u = Math.min(Math.max(((x + 0.5) * mw) / w - 0.5, 0), mw - 1);
      const x0 = Math.floor(u), x1 = Math.min(x0 + 1, mw - 1), fx = u - x0;
      const m = (data[y0 * mw + x0]! * (1 - fx) + data[y0 * mw + x1]! * fx) * (1 - fy) + (data[y1 * mw + x0]! * (1 - fx) + data[y1 * mw + x1]! * fx) * fy;
      out[y * w + x] = m >= threshold ? 1 : 0;
    }
  }
  return out;
}

/** Normals -> RGBA8 for display ((n + 1) / 2), black where the normal is zero. */
export function normalsToRgba(n: Float32Array, w: number, h: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    const has = n[p * 3]! !== 0 || n[p * 3 + 1]! !== 0 || n[p * 3 + 2]! !== 0;
    for (let c = 0; c < 3; c++) out[p * 4 + c] = has ? Math.round((n[p * 3 + c]! * 0.5 + 0.5) * 255) : 0;
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** Linear gray 0..1 -> RGBA8 (sRGB encoded for display when `encode`). */
export function grayToRgba(g: Float32Array, w: number, h: number, encode = true): Uint8ClampedArray {
  const out = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    const v = Math.min(1, Math.max(0, g[p]!));
    const s = encode ? (v <= 0.0031308 ? v * 12.92 : 1.055 * Math.pow(v, 1 / 2.4) - 0.055) : v;
    out[p * 4] = out[p * 4 + 1] = out[p * 4 + 2] = Math.round(s * 255);
    out[p * 4 + 3] = 255;
  }
  return out;
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

// ------------------------------------------------------------------------------------------------------------
// Self-test of the measurement code on synthetic data (run by `npm run eval` before measuring: a broken metric
// must stop the run, not produce plausible numbers).

export function selfTest(): string[] {
  const fails: string[] = [];
  const w = 32, h = 24, px = w * h;
  const person = new Uint8Array(px).fill(1);
  let seed = 1;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const frames = Array.from({ length: 8 }, () => {
    const f = new Uint8ClampedArray(px * 4);
    for (let p = 0; p < px; p++) { const v = 100 + Math.round(rnd() * 3); f[p * 4] = f[p * 4 + 1] = f[p * 4 + 2] = v; f[p * 4 + 3] = 255; }
    return f;
  });
  const run = (map: (f: Uint8ClampedArray, i: number) => Uint8ClampedArray) => {
    const acc = new FlickerAccumulator();
    frames.forEach((f, i) => acc.push(f, map(f, i), person));
    return acc.result();
  };
  const same = run((f) => f);
  if (Math.abs(same.index - 1) > 1e-9 || Math.abs(same.gainNormalisedIndex - 1) > 0.02) fails.push(`flicker: identity gave ${same.index}, ${same.gainNormalisedIndex}`);
  // x2 keeps 8-bit values exact (x1.5 would round the 1-3 level changes and bias both indices).
  const doubled = run((f) => f.map((v, k) => (k % 4 === 3 ? v : v * 2)));
  if (Math.abs(doubled.index - 2) > 1e-9 || Math.abs(doubled.gainNormalisedIndex - 1) > 0.03) fails.push(`flicker: x2 gain gave ${doubled.index}, ${doubled.gainNormalisedIndex}`);
  const flick = run((f, i) => f.map((v, k) => (k % 4 === 3 ? v : v + (i % 2 ? 6 : 0))));
  if (!(flick.index > 2 && flick.gainNormalisedIndex > 2)) fails.push(`flicker: alternating +6 gave ${flick.index}`);
  const region = new Uint8Array(px).fill(1);
  const skinIn = new Uint8ClampedArray(px * 4), skinOut = new Uint8ClampedArray(px * 4);
  for (let p = 0; p < px; p++) { skinIn.set([180, 130, 110, 255], p * 4); skinOut.set([180, 130, 110, 255], p * 4); }
  const d0 = skinDifference(skinIn, skinOut, region);
  if (d0.meanDe2000 !== 0 || Math.abs(d0.linearGain - 1) > 1e-9) fails.push(`skin: identical images gave dE ${d0.meanDe2000}`);
  for (let p = 0; p < px; p++) skinOut.set([200, 130, 110, 255], p * 4);
  const d1 = skinDifference(skinIn, skinOut, region);
  if (!(d1.meanDe2000 > 3 && d1.hueChromaDe2000 > 1)) fails.push(`skin: a red shift gave dE ${d1.meanDe2000}`);
  const pts = new Float32Array(478 * 3);
  for (let i = 0; i < 478; i++) { pts[i * 3] = 0.5; pts[i * 3 + 1] = 0.5; }
  FACE_OVAL.forEach((idx, k) => { const a = (2 * Math.PI * k) / FACE_OVAL.length; pts[idx * 3] = 0.5 + 0.3 * Math.sin(a); pts[idx * 3 + 1] = 0.5 - 0.4 * Math.cos(a); });
  const r = skinRegionFromLandmarks(pts, 100, 100);
  const filled = r.reduce((a, b) => a + b, 0);
  // An ellipse of semi-axes 30 x 40 px shrunk by 0.92: ~3180 px (eyes/lips collapse to the centre point here).
  if (filled < 2800 || filled > 3500) fails.push(`skin region: ${filled} px for a 0.92 x (30 x 40 px) oval`);
  return fails;
}
