/**
 * The geometry seam: frame (+ mask) -> camera-space normals (+ confidence, optional albedo) at model resolution.
 *
 * Implementations:
 * - `AnalyticPriorEstimator` (analytic-prior.ts): MediaPipe face-landmark mesh normals + silhouette
 *   (mask inflation) normals for hair and body, blended by confidence. Slow-ish, no learning.
 * - `StudentEstimator` (student-estimator.ts): the distilled ONNX student through onnxruntime-web.
 * - `SilhouetteEstimator` (silhouette-estimator.ts): mask inflation only (no face model), the cheapest fallback.
 *
 * Ownership: `estimate` BORROWS the frame and the mask; the returned GeometryMaps are plain arrays owned by the
 * caller. Estimators may keep internal history (temporal smoothing) but never the frame.
 */
import type { GeometryMaps, Mask } from '../core/types.js';

export interface GeometryEstimator {
  readonly name: string;
  init(): Promise<void>;
  estimate(frame: VideoFrame, mask: Mask, timestampMs: number): Promise<GeometryMaps>;
  /** Short backend label for stats ('wasm', 'webgpu', 'cpu'). */
  backend(): string;
  dispose(): void;
}
