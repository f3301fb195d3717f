/**
 * The segmentation seam: camera frame -> person confidence mask at the model's resolution.
 *
 * Implementations:
 * - `MediaPipeSegmenter` (mediapipe-segmenter.ts): tasks-vision ImageSegmenter with the selfie model built by
 *   scripts/build-segmenter-model.mjs; CPU delegate by default; runs in a module Worker or on the main thread.
 * - `ConstantSegmenter` (constant-segmenter.ts): a fixed mask (ellipse person by default); a test double that
 *   needs no wasm. (src/testing/ellipse-segmenter.ts is the lead's double matching the synthetic clip.)
 *
 * Ownership: `segment` BORROWS `frame` (the caller closes it; the segmenter keeps no reference after the promise
 * settles). The returned Mask is plain data owned by the caller; the segmenter never writes to it again.
 * Mask size is the model's (e.g. 256x256) whatever the frame's size: the mask covers the whole frame, stretched.
 * `timestampMs` should increase from call to call (video mode); a mask carries it back as `timestampUs`.
 * `dispose` is idempotent; `segment` after `dispose` rejects with RelightError('disposed').
 */
import type { Mask } from '../core/types.js';

export interface Segmenter {
  init(): Promise<void>;
  segment(frame: VideoFrame, timestampMs: number): Promise<Mask>;
  /** Short label for stats, e.g. 'mediapipe-cpu'. */
  backend(): string;
  dispose(): void;
}
