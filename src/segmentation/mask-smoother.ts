/**
 * Temporal smoothing of person masks that does not make edges lag behind a moving person.
 *
 * A plain EMA (out += a * (raw - out)) either flickers (a high) or trails a moving silhouette by
 * v * (1 - a) / a pixels (a low: 4.7 px at 2 px/frame with a = 0.3). Here the blend factor is chosen per pixel:
 * - `change` = the signed change (raw - previous output) averaged over a small window. Flicker is incoherent
 *   (neighbouring pixels disagree) and averages out; a moving edge changes a whole band the same way.
 * - Flicker that IS coherent (an edge wobbling back and forth by a pixel) flips sign from frame to frame, while
 *   real motion keeps its sign: the fast path needs the same sign as the previous frame's change.
 * - Large changes (someone steps in, a hand sweeps through) are followed at once whatever the sign.
 * Moving pixels get a = 1 (no lag); still pixels get the EMA factor from `smoothing`, adjusted for the actual
 * frame interval so 15 and 30 fps smooth over the same time span.
 *
 * Pure TypeScript, no DOM. Ownership: `push` only reads the input mask; it returns a NEW mask the caller owns
 * (the smoother keeps its own copy of the state).
 */
import type { Mask } from '../core/types.js';

export interface MaskSmootherOptions {
  /** Radius (mask pixels) of the window that averages the change. */
  radiusPx?: number;
  /** Mean |change| below which a pixel is still (smoothed) and above which it is moving (followed). */
  motionLow?: number;
  motionHigh?: number;
  /** Mean |change| from which a pixel is followed even if the change flipped sign (big, sudden changes). */
  jumpLow?: number;
  jumpHigh?: number;
  /** The frame interval `smoothing` is defined for, in ms. */
  referenceFrameMs?: number;
  /** A gap longer than this drops the history (the scene may have changed completely), in ms. */
  resetAfterMs?: number;
}

const DEFAULTS: Required<MaskSmootherOptions> = {
  radiusPx: 2,
  motionLow: 0.04,
  motionHigh: 0.16,
  jumpLow: 0.45,
  jumpHigh: 0.7,
  referenceFrameMs: 1000 / 30,
  resetAfterMs: 500,
};

function smoothstep(lo: number, hi: number, x: number): number {
  const t = x <= lo ? 0 : x >= hi ? 1 : (x - lo) / (hi - lo);
  return t * t * (3 - 2 * t);
}

export class MaskSmoother {
  private readonly o: Required<MaskSmootherOptions>;
  private state: Float32Array | null = null;
  /** Windowed signed change of the previous push, per pixel (sign consistency test). */
  private prevChange: Float32Array | null = null;
  private change: Float32Array | null = null;
  private rowSums: Float32Array | null = null;
  private widthPx = 0;
  private heightPx = 0;
  private lastTimestampUs = 0;
  /** Fraction of pixels treated as moving in the last push (for stats and tests). */
  private movingFraction = 0;

  constructor(options: MaskSmootherOptions = {}) {
    this.o = { ...DEFAULTS, ...options };
  }

  /**
   * Adds a raw mask and returns the smoothed one. `smoothing` in [0, 1): 0 = no smoothing, 0.95 = heavy (the
   * weight of the previous output at the reference frame rate, for still pixels).
   */
  push(raw: Mask, smoothing = 0.7): Mask {
    const { widthPx: w, heightPx: h } = raw;
    const n = w * h;
    if (raw.data.length !== n) throw new RangeError(`[MaskSmoother] mask data has ${raw.data.length} values, expected ${n}`);
    const dtMs = (raw.timestampUs - this.lastTimestampUs) / 1000;
    const s = Math.min(Math.max(smoothing, 0), 0.99);
    if (!this.state || w !== this.widthPx || h !== this.heightPx || dtMs > this.o.resetAfterMs || s === 0) {
      return this.restart(raw);
    }
    // Non-increasing timestamps (clock jumps, re-sent frames): assume one reference interval.
    const frames = dtMs > 0 ? dtMs / this.o.referenceFrameMs : 1;
    const stillAlpha = 1 - Math.pow(s, frames);
    this.lastTimestampUs = raw.timestampUs;

    const state = this.state;
    const change = this.change!;
    const prevChange = this.prevChange!;
    this.windowedChange(raw.data, state, change);
    const { motionLow, motionHigh, jumpLow, jumpHigh } = this.o;
    let moving = 0;
    for (let i = 0; i < n; i++) {
      const c = change[i]!;
      const mag = Math.abs(c);
      const sameSign = c * prevChange[i]! > 0;
      const motion = Math.max(sameSign ? smoothstep(motionLow, motionHigh, mag) : 0, smoothstep(jumpLow, jumpHigh, mag));
      if (motion > 0.5) moving++;
      const alpha = stillAlpha + (1 - stillAlpha) * motion;
      const v = state[i]! + alpha * (raw.data[i]! - state[i]!);
      state[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    this.movingFraction = moving / n;
    // Swap: this frame's change is the next frame's "previous".
    this.prevChange = change;
    this.change = prevChange;
    return { widthPx: w, heightPx: h, data: state.slice(), timestampUs: raw.timestampUs };
  }

  /** Drops the history: the next mask passes through unchanged. */
  reset(): void {
    this.state = null;
  }

  /** Fraction of pixels followed as motion in the last push. */
  lastMovingFraction(): number {
    return this.movingFraction;
  }

  private restart(raw: Mask): Mask {
    const n = raw.widthPx * raw.heightPx;
    this.widthPx = raw.widthPx;
    this.heightPx = raw.heightPx;
    this.state = Float32Array.from(raw.data, (v) => (v < 0 ? 0 : v > 1 ? 1 : v));
    this.change = new Float32Array(n);
    this.prevChange = new Float32Array(n);
    this.rowSums = new Float32Array(n);
    this.lastTimestampUs = raw.timestampUs;
    this.movingFraction = 0;
    return { widthPx: raw.widthPx, heightPx: raw.heightPx, data: this.state.slice(), timestampUs: raw.timestampUs };
  }

  /** out = box average of (raw - state) over a (2r+1)^2 window (clamped at the borders), separable. */
  private windowedChange(raw: Float32Array, state: Float32Array, out: Float32Array): void {
    const w = this.widthPx;
    const h = this.heightPx;
    const r = this.o.radiusPx;
    const rows = this.rowSums!;
    for (let y = 0; y < h; y++) {
      const row = y * w;
      let sum = 0;
      for (let x = -r; x <= r; x++) {
        const xi = x < 0 ? 0 : x >= w ? w - 1 : x;
        sum += raw[row + xi]! - state[row + xi]!;
      }
      for (let x = 0; x < w; x++) {
        rows[row + x] = sum;
        const xOut = x - r < 0 ? 0 : x - r;
        const xIn = x + r + 1 >= w ? w - 1 : x + r + 1;
        sum += raw[row + xIn]! - state[row + xIn]! - (raw[row + xOut]! - state[row + xOut]!);
      }
    }
    const norm = 1 / ((2 * r + 1) * (2 * r + 1));
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let y = -r; y <= r; y++) sum += rows[(y < 0 ? 0 : y >= h ? h - 1 : y) * w + x]!;
      for (let y = 0; y < h; y++) {
        out[y * w + x] = sum * norm;
        const yOut = y - r < 0 ? 0 : y - r;
        const yIn = y + r + 1 >= h ? h - 1 : y + r + 1;
        sum += rows[yIn * w + x]! - rows[yOut * w + x]!;
      }
    }
  }
}
