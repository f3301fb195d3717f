/**
 * The processing-stage seam. A stage turns one camera frame (+ the person mask) into one output frame.
 *
 * Implementations:
 * - `NullStage` (src/pipeline/null-stage.ts): returns a copy of the frame; the passthrough floor for benches.
 * - `ExposureStage` (src/pipeline/exposure-stage.ts): mask-driven exposure + white balance of the person.
 * - `RelightStage` (src/pipeline/relight-stage.ts): geometry estimator + renderer (issues 3/4).
 * - `ThrowingStage` (src/testing/): fault injection for fail-open tests.
 *
 * Ownership: `process` BORROWS `input.frame` (the caller closes it) and returns a NEW VideoFrame with the
 * input's timestamp that the caller owns. A stage must not keep a reference to the input frame after the
 * promise settles. Throwing is allowed: the engine falls back to the original frame and reports the error.
 */
import type { Mask } from '../core/types.js';
import type { RelightSettings } from '../core/settings.js';

export interface StageInput {
  readonly frame: VideoFrame;
  /** Null when segmentation is unavailable (the stage decides what that means; most pass through). */
  readonly mask: Mask | null;
  readonly settings: Readonly<RelightSettings>;
  /** Monotonic frame counter since the engine started (for every-Nth-frame work). */
  readonly frameIndex: number;
}

/** Per-stage timings a stage reports for the stats line, in ms. */
export type StageTimings = Record<string, number>;

export interface FrameStage {
  readonly name: string;
  init(): Promise<void>;
  process(input: StageInput): Promise<VideoFrame>;
  /** Timings of the last `process` call, by sub-step (e.g. geometry, render). */
  lastTimings(): StageTimings;
  /** A short human description of the backend in use (e.g. 'webgpu', 'cpu'). */
  backend(): string;
  /** Drops temporal state (after the engine's warm-up frame, or a camera switch). Optional. */
  reset?(): void;
  /** The user's own environment (irradiance SH, 27 floats) for preset 'custom'; null clears it. Optional. */
  setCustomLighting?(irradianceSh: Float32Array | null): void;
  dispose(): void;
}
