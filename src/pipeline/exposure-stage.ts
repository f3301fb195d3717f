/**
 * A real, mask-driven stage that needs no geometry: exposure and white balance of the person only.
 * - Exposure: scales the person's mean linear luminance toward a target (0.22 x the `intensity` setting).
 * - White balance: removes the scene's colour cast measured on the background (grey world), applied to the person;
 *   `warmth` then tints it.
 * Gains are smoothed over time (settings.smoothing) so they never flicker; the background is left untouched.
 * It is the pipeline's end-to-end test stage and the fallback when the relighting stage cannot start.
 */
import type { FrameStage, StageInput, StageTimings } from './stage.js';
import { RgbaReader, frameFromRgba, upsampleMask } from './frame-pixels.js';
// The renderer's transfer tables: one sRGB implementation for every CPU stage.
import { SRGB8_TO_LINEAR as SRGB_TO_LINEAR, encodeSrgb255 } from '../gpu/relight-math.js';
import { trackOpen } from '../core/leak-tracker.js';

const TARGET_LUMA = 0.22;
const MAX_GAIN = 2.5;
const MIN_GAIN = 0.5;

export class ExposureStage implements FrameStage {
  readonly name = 'exposure';
  private readonly reader = new RgbaReader();
  private out: Uint8ClampedArray<ArrayBuffer> | null = null;
  private weights: Float32Array | undefined;
  private gains: [number, number, number] | null = null;
  private timings: StageTimings = {};

  async init(): Promise<void> {}

  async process({ frame, mask, settings }: StageInput): Promise<VideoFrame> {
    if (!mask || !settings.enabled || settings.strength === 0) return trackOpen('VideoFrame', frame.clone());
    const t0 = performance.now();
    const img = await this.reader.read(frame);
    const t1 = performance.now();
    const { widthPx, heightPx, data } = img;
    const n = widthPx * heightPx;
    this.weights = upsampleMask(mask, widthPx, heightPx, this.weights);
    const w = this.weights;
    // Segmenter confidence is never exactly 0 on the background (MediaPipe gives ~0.01-0.05): a soft knee keeps
    // the edge soft but leaves the background bit-exact.
    for (let i = 0; i < n; i++) w[i] = personWeight(w[i]!);
    // Means over person (weighted) and background (1 - weight), subsampled 1:4 in each axis: plenty for a mean.
    let pr = 0, pg = 0, pb = 0, pw = 0, br = 0, bg = 0, bb = 0, bw = 0;
    for (let y = 0; y < heightPx; y += 4) {
      for (let x = 0; x < widthPx; x += 4) {
        const i = y * widthPx + x;
        const m = w[i]!;
        const r = SRGB_TO_LINEAR[data[i * 4]!]!, g = SRGB_TO_LINEAR[data[i * 4 + 1]!]!, b = SRGB_TO_LINEAR[data[i * 4 + 2]!]!;
        pr += r * m; pg += g * m; pb += b * m; pw += m;
        const o = 1 - m;
        br += r * o; bg += g * o; bb += b * o; bw += o;
      }
    }
    const target = computeGains(pr / Math.max(pw, 1e-6), pg / Math.max(pw, 1e-6), pb / Math.max(pw, 1e-6),
      bw > 1 ? [br / bw, bg / bw, bb / bw] : null, settings.intensity, settings.warmth);
    const a = this.gains ? settings.smoothing : 0;
    this.gains = this.gains
      ? [this.gains[0] * a + target[0] * (1 - a), this.gains[1] * a + target[1] * (1 - a), this.gains[2] * a + target[2] * (1 - a)]
      : target;
    if (!this.out || this.out.length !== data.length) this.out = new Uint8ClampedArray(data.length);
    const out = this.out;
    const s = settings.strength;
    const [gr, gg, gb] = this.gains;
    for (let i = 0; i < n; i++) {
      const m = w[i]! * s;
      const j = i * 4;
      if (m < 1 / 512) {
        out[j] = data[j]!; out[j + 1] = data[j + 1]!; out[j + 2] = data[j + 2]!;
      } else {
        out[j] = encodeSrgb255(SRGB_TO_LINEAR[data[j]!]! * (1 + (gr - 1) * m));
        out[j + 1] = encodeSrgb255(SRGB_TO_LINEAR[data[j + 1]!]! * (1 + (gg - 1) * m));
        out[j + 2] = encodeSrgb255(SRGB_TO_LINEAR[data[j + 2]!]! * (1 + (gb - 1) * m));
      }
      out[j + 3] = 255;
    }
    const t2 = performance.now();
    const result = frameFromRgba({ widthPx, heightPx, data: out }, frame.timestamp, frame.duration, frame);
    this.timings = { readMs: t1 - t0, computeMs: t2 - t1, writeMs: performance.now() - t2 };
    return result;
  }

  reset(): void {
    this.gains = null;
  }

  lastTimings(): StageTimings {
    return this.timings;
  }

  backend(): string {
    return 'cpu';
  }

  dispose(): void {
    this.out = null;
    this.weights = undefined;
  }
}

/** Per-channel linear gains for the person: exposure x cast removal x warmth, clamped. Exported for unit tests. */
export function computeGains(r: number, g: number, b: number, background: [number, number, number] | null,
  intensity: number, warmth: number): [number, number, number] {
  const luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const exposure = clamp(TARGET_LUMA * intensity / Math.max(luma, 1e-4), MIN_GAIN, MAX_GAIN);
  let cast: [number, number, number] = [1, 1, 1];
  if (background) {
    const mean = (background[0] + background[1] + background[2]) / 3;
    if (mean > 1e-3) {
      // Half-strength grey-world: a coloured wall is not always a colour cast.
      cast = background.map((c) => Math.sqrt(mean / Math.max(c, 1e-4))) as [number, number, number];
    }
  }
  const warm: [number, number, number] = [1 + 0.12 * warmth, 1, 1 - 0.12 * warmth];
  return [0, 1, 2].map((c) => clamp(exposure * cast[c]! * warm[c]!, MIN_GAIN, MAX_GAIN)) as [number, number, number];
}

/** Confidence -> blend weight: 0 below 0.1, 1 above 0.9, smooth in between. */
export function personWeight(confidence: number): number {
  const t = (confidence - 0.1) / 0.8;
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
