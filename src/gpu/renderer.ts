/**
 * The renderer seam: frame + mask + geometry + target lighting -> relit frame at full resolution.
 *
 * Implementations (chosen by the tier table in src/core/tiers.ts, built by renderer-factory.ts):
 * - `WebGpuRenderer` (webgpu-renderer.ts, shaders in shaders/*.wgsl)
 * - `CpuRenderer` (cpu-renderer.ts): the pure-TypeScript reference (relight-math.ts); also the fallback tier.
 *
 * Per frame: estimate the source lighting (SH least squares over the person, smoothed over time), compute the
 * shading ratio E_target(n) / E_source(n) at geometry resolution, upsample it edge-aware to the frame, multiply,
 * clamp, and composite the background per mode. See README.md for the maths and the conventions.
 *
 * Coordinates: the mask and the geometry maps each cover the WHOLE frame, at any resolution and aspect ratio
 * (pixel centres aligned, like a bilinear resize of the frame).
 *
 * Ownership: `render` BORROWS frame, mask, geometry and lighting; returns a NEW VideoFrame (same timestamp and
 * duration) that the caller owns and must close; it is registered with the leak tracker (`trackOpen`), so close
 * it with `closeTracked('VideoFrame', f)`. GPU resources are allocated at init and on resize only.
 *
 * Failure: `render` rejects with a `RelightError` ('gpu-lost' once the device is lost, 'gpu-failed' otherwise,
 * 'disposed' after dispose). The renderer never recovers by itself: the caller falls back (passthrough, then a
 * rebuild, possibly on a lower tier). `onDeviceLost` (WebGPU) reports a loss as soon as it happens.
 */
import type { GeometryMaps, Mask, TargetLighting } from '../core/types.js';
import type { RelightParams } from './relight-math.js';

export interface RenderTimings {
  /** Frame upload / readback, ms. */
  transferMs: number;
  /** Source-light estimate, ms. */
  estimateMs: number;
  /** Shading + composite, ms. */
  shadeMs: number;
}

/** Tuning that is not part of the target light. Additive: every field is optional. */
export interface RenderTuning {
  /** Temporal smoothing of the light estimate and the ratio map, 0 (none) .. 0.95 (settings.smoothing). */
  smoothing?: number;
  /** Advanced maths parameters (ratio clamps, filter sigmas, ...); defaults in relight-math.ts. */
  params?: Partial<RelightParams>;
}

/** What the last frame estimated (stats, debugging, tests). */
export interface RenderDiagnostics {
  /** Smoothed source SH actually used (27 floats, k * 3 + c), or null before the first frame. */
  readonly sourceSh: Float32Array | null;
  /** Pixels that fed the last estimate (0 = estimate failed, previous one reused). */
  readonly estimatePixels: number;
  /** RMS residual of the source fit relative to the mean luminance (a light-model quality signal). */
  readonly estimateRelResidual: number;
  /** The target's mean ratio over the person (the background's multiplier in 'relight' mode). */
  readonly meanRatio: readonly [number, number, number];
}

export interface Renderer {
  readonly backend: 'webgpu' | 'cpu';
  init(): Promise<void>;
  render(frame: VideoFrame, mask: Mask, geometry: GeometryMaps, lighting: TargetLighting): Promise<VideoFrame>;
  /** Resets temporal state (e.g. after a camera switch). */
  reset(): void;
  lastTimings(): RenderTimings;
  /** Changes smoothing / parameters; takes effect on the next frame. */
  configure(tuning: RenderTuning): void;
  lastDiagnostics(): RenderDiagnostics;
  dispose(): void;
}
