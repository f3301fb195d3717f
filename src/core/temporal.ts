/**
 * Temporal smoothing of the renderer's per-frame estimates, and the flicker metric that judges it.
 *
 * Two things flicker in ratio relighting: the estimated source light (a least-squares fit that moves with every
 * frame's noise) and the shading-ratio map (the geometry model's normals jitter). Plain EMAs would fix the
 * flicker but ghost: a moved head would drag its old shading behind it. So both are motion-aware:
 * - `ShSmoother`: EMA of the 27 SH floats whose weight fades when the estimate jumps (a lamp switched on, a
 *   camera change), so real light changes are followed within a frame or two.
 * - `smoothRatioMap`: per low-res pixel, compares the current low-res frame with the previous one; where it
 *   moved the new ratio is taken as is, where it is static the old one is blended in. "Moved" is measured in
 *   pixels of displacement (temporal difference / spatial gradient), locally and for the whole silhouette.
 *   The WGSL pass shaders/shading-ratio.wgsl does the same per pixel.
 *
 * Pure TypeScript, no DOM.
 */

function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

/** EMA weight of the previous value for `smoothing` (0..0.95) and a change `delta`, fading between lo and hi. */
export function adaptiveAlpha(smoothing: number, delta: number, lo: number, hi: number): number {
  const s = Math.min(0.99, Math.max(0, smoothing));
  return s * (1 - smoothstep(lo, hi, delta));
}

export interface ShSmootherOptions {
  /** Relative change of the SH vector (L2) below which the full smoothing applies. */
  readonly changeLo: number;
  /** Relative change above which the new estimate is taken as is. */
  readonly changeHi: number;
}

/** Motion(change)-aware EMA of an SH vector (any length; the renderer uses 27 floats). */
export class ShSmoother {
  private value: Float32Array | null = null;
  private readonly opts: ShSmootherOptions;

  constructor(opts: Partial<ShSmootherOptions> = {}) {
    this.opts = { changeLo: 0.15, changeHi: 0.5, ...opts };
  }

  /** Feeds a new estimate; returns the smoothed value (owned by the smoother: copy it to keep it). */
  update(estimate: ArrayLike<number>, smoothing: number): Float32Array {
    const prev = this.value;
    if (!prev || prev.length !== estimate.length) {
      this.value = Float32Array.from(estimate);
      return this.value;
    }
    let dn = 0, pn = 0;
    for (let i = 0; i < prev.length; i++) {
      const d = estimate[i]! - prev[i]!;
      dn += d * d;
      pn += prev[i]! * prev[i]!;
    }
    const rel = Math.sqrt(dn) / (Math.sqrt(pn) + 1e-9);
    const a = adaptiveAlpha(smoothing, rel, this.opts.changeLo, this.opts.changeHi);
    for (let i = 0; i < prev.length; i++) prev[i] = a * prev[i]! + (1 - a) * estimate[i]!;
    return prev;
  }

  current(): Float32Array | null {
    return this.value;
  }

  reset(): void {
    this.value = null;
  }
}

/** Sqrt-luminance of a linear RGB triple: the guide value both temporal and spatial filters compare. */
function guideOf(d: ArrayLike<number>, o: number): number {
  const y = 0.2126 * d[o]! + 0.7152 * d[o + 1]! + 0.0722 * d[o + 2]!;
  return y > 0 ? Math.sqrt(y) : 0;
}

/** Motion thresholds, in low-res pixels of displacement (see `localMotionPx`). */
export interface MotionParams {
  readonly motionLo: number;
  readonly motionHi: number;
  /** Gradient floors of the displacement estimate, guide (sqrt-luminance) and mask units per low-res pixel. */
  readonly motionEpsGuide: number;
  readonly motionEpsMask: number;
}

/**
 * Displacement estimate at low-res pixel (x, y), in low-res pixels: a temporal difference divided by the local
 * spatial gradient (the optical-flow constraint dI = grad I . v), for the guide and for the mask, the larger of
 * the two. A plain |dI| threshold cannot see a smoothly shaded surface slide (its dI is small everywhere);
 * divided by the gradient it reads as the distance moved. The gradient floors keep sensor noise on flat areas
 * from reading as motion. shaders/shading-ratio.wgsl computes the same.
 */
export function localMotionPx(guide: ArrayLike<number>, prev: ArrayLike<number>, w: number, h: number, x: number, y: number, p: Readonly<MotionParams>): number {
  const xl = Math.max(x - 1, 0), xr = Math.min(x + 1, w - 1), yu = Math.max(y - 1, 0), yd = Math.min(y + 1, h - 1);
  const i = (y * w + x) * 4;
  const il = (y * w + xl) * 4, ir = (y * w + xr) * 4, iu = (yu * w + x) * 4, id = (yd * w + x) * 4;
  const gradG = (Math.abs(guideOf(guide, ir) - guideOf(guide, il)) + Math.abs(guideOf(guide, id) - guideOf(guide, iu))) * 0.5;
  const gradM = (Math.abs(guide[ir + 3]! - guide[il + 3]!) + Math.abs(guide[id + 3]! - guide[iu + 3]!)) * 0.5;
  const dg = Math.abs(guideOf(guide, i) - guideOf(prev, i));
  const dm = Math.abs(guide[i + 3]! - prev[i + 3]!);
  return Math.max(dg / (gradG + p.motionEpsGuide), dm / (gradM + p.motionEpsMask));
}

/**
 * Whole-frame displacement estimate in low-res pixels: sum |d mask| / sum |grad mask| (a silhouette of perimeter
 * P moved by v changes ~P v of mask). The person moves as one, so when the silhouette moves, the interior moves
 * with it, even where its shading has no gradient to show it (a uniformly lit face has none); this catches that.
 */
export function globalMotionPx(guide: ArrayLike<number>, prev: ArrayLike<number>, w: number, h: number): number {
  let dm = 0, grad = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      dm += Math.abs(guide[i + 3]! - prev[i + 3]!);
      if (x + 1 < w) grad += Math.abs(guide[i + 7]! - guide[i + 3]!);
      if (y + 1 < h) grad += Math.abs(guide[i + w * 4 + 3]! - guide[i + 3]!);
    }
  }
  // Each unit step of a silhouette is counted once in `grad` (x or y edge); a shift by v along one axis changes
  // ~v * (edge count across that axis); the sum over both axes is an upper bound of the perimeter, hence * 2.
  return grad > 1e-3 ? (2 * dm) / grad : 0;
}

export interface RatioSmoothingInputs {
  /** This frame's ratio map, 3 floats per pixel. */
  readonly ratio: Float32Array;
  /** Last frame's smoothed ratio map (same size), or null on the first frame / after a reset. */
  readonly previousRatio: Float32Array | null;
  /** Low-res guides (4 floats per pixel: linear rgb + mask) of this frame and the last. */
  readonly guide: Float32Array;
  readonly previousGuide: Float32Array | null;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly smoothing: number;
  readonly motion: Readonly<MotionParams>;
}

/**
 * Motion-aware temporal blend of the ratio map into `out` (may alias `ratio`):
 *   keep = 1 - smoothstep(lo, hi, globalMotionPx), alpha = smoothing * keep * (1 - smoothstep(lo, hi, local)),
 *   out = lerp(ratio, previousRatio, alpha). Returns the global keep factor (the GPU gets it as a uniform).
 */
export function smoothRatioMap(inp: RatioSmoothingInputs, out: Float32Array): number {
  const { ratio, previousRatio: pr, guide, previousGuide: pg, widthPx: w, heightPx: h, motion } = inp;
  const n = w * h;
  if (ratio.length !== n * 3 || guide.length !== n * 4) throw new Error('[smoothRatioMap] sizes do not match');
  if (!pr || !pg || pr.length !== ratio.length || pg.length !== guide.length) {
    if (out !== ratio) out.set(ratio);
    return 0;
  }
  const keep = 1 - smoothstep(motion.motionLo, motion.motionHi, globalMotionPx(guide, pg, w, h));
  const s = Math.min(0.99, Math.max(0, inp.smoothing)) * keep;
  // localMotionPx per pixel, with each pixel's guide value computed once instead of six times (a sqrt each).
  if (!guideValues || guideValues.cur.length < n) guideValues = { cur: new Float64Array(n), prev: new Float64Array(n) };
  const gc = guideValues.cur, gp = guideValues.prev;
  for (let p = 0; p < n; p++) {
    gc[p] = guideOf(guide, p * 4);
    gp[p] = guideOf(pg, p * 4);
  }
  const { motionLo: lo, motionHi: hi, motionEpsGuide: epsG, motionEpsMask: epsM } = motion;
  for (let y = 0; y < h; y++) {
    const yu = Math.max(y - 1, 0), yd = Math.min(y + 1, h - 1);
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const pxL = y * w + Math.max(x - 1, 0), pxR = y * w + Math.min(x + 1, w - 1), pxU = yu * w + x, pxD = yd * w + x;
      // Same expression as localMotionPx.
      const gradG = (Math.abs(gc[pxR]! - gc[pxL]!) + Math.abs(gc[pxD]! - gc[pxU]!)) * 0.5;
      const gradM = (Math.abs(guide[pxR * 4 + 3]! - guide[pxL * 4 + 3]!) + Math.abs(guide[pxD * 4 + 3]! - guide[pxU * 4 + 3]!)) * 0.5;
      const dg = Math.abs(gc[p]! - gp[p]!);
      const dm = Math.abs(guide[p * 4 + 3]! - pg[p * 4 + 3]!);
      const local = Math.max(dg / (gradG + epsG), dm / (gradM + epsM));
      const a = s * (1 - smoothstep(lo, hi, local));
      for (let c = 0; c < 3; c++) {
        const i = p * 3 + c;
        out[i] = ratio[i]! + (pr[i]! - ratio[i]!) * a;
      }
    }
  }
  return keep;
}

/** Per-pixel guide values of smoothRatioMap's two frames, kept between calls (one per thread). */
let guideValues: { cur: Float64Array; prev: Float64Array } | null = null;

/** A frame for the flicker metric: any interleaved pixel array; channels = data.length / (w * h). */
export interface FlickerFrame {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly data: ArrayLike<number>;
}

/**
 * Flicker index: mean |I_out(t) - I_out(t-1)| / mean |I_in(t) - I_in(t-1)| over the pixels where staticMask is
 * set (nonzero), over all consecutive pairs and all colour channels (alpha of RGBA ignored). 1 = the output
 * flickers as much as the input (which, on static pixels, is sensor noise); > 1 = the processing adds flicker.
 * Both sequences must have the same length and frame size; the mask is one value per pixel.
 */
export function flickerIndex(framesIn: readonly FlickerFrame[], framesOut: readonly FlickerFrame[], staticMask: ArrayLike<number>): number {
  if (framesIn.length !== framesOut.length || framesIn.length < 2) {
    throw new Error('[flickerIndex] need two equal-length sequences of at least 2 frames');
  }
  const pixels = framesIn[0]!.widthPx * framesIn[0]!.heightPx;
  if (staticMask.length !== pixels) throw new Error('[flickerIndex] staticMask must have one value per pixel');
  const diff = (seq: readonly FlickerFrame[]) => {
    const ch = seq[0]!.data.length / pixels;
    const colour = ch === 4 ? 3 : ch;
    let sum = 0, count = 0;
    for (let t = 1; t < seq.length; t++) {
      const a = seq[t - 1]!.data, b = seq[t]!.data;
      if (a.length !== pixels * ch || b.length !== pixels * ch) throw new Error('[flickerIndex] frame size changed');
      for (let p = 0; p < pixels; p++) {
        if (!staticMask[p]) continue;
        for (let c = 0; c < colour; c++) sum += Math.abs(b[p * ch + c]! - a[p * ch + c]!);
        count += colour;
      }
    }
    return count > 0 ? sum / count : 0;
  };
  const din = diff(framesIn);
  const dout = diff(framesOut);
  if (din === 0) return dout === 0 ? 1 : Number.POSITIVE_INFINITY;
  return dout / din;
}
