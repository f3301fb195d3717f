/**
 * The renderer seam: frame + mask + geometry + target lighting -> relit frame at full resolution.
 *
 * Implementations (chosen by the tier table in src/core/tiers.ts):
 * - `WebGpuRenderer` (webgpu-renderer.ts, shaders in shaders/*.wgsl)
 * - `CpuRenderer` (cpu-renderer.ts): the pure-TypeScript reference; also the fallback tier.
 *
 * Per frame: estimate the source lighting (SH least squares over the person, smoothed over time), compute the
 * shading ratio E_target(n) / E_source(n) at geometry resolution, upsample it edge-aware to the frame, multiply,
 * clamp, and composite the background per mode.
 *
 * Ownership: `render` BORROWS frame, mask, geometry and lighting; returns a NEW VideoFrame (same timestamp) that
 * the caller owns. GPU resources are allocated at init and on resize only.
 */
import type { GeometryMaps, Mask, TargetLighting } from '../core/types.js';

export interface RenderTimings {
  /** Frame upload / readback, ms. */
  transferMs: number;
  /** Source-light estimate, ms. */
  estimateMs: number;
  /** Shading + composite, ms. */
  shadeMs: number;
}

export interface Renderer {
  readonly backend: 'webgpu' | 'cpu';
  init(): Promise<void>;
  render(frame: VideoFrame, mask: Mask, geometry: GeometryMaps, lighting: TargetLighting): Promise<VideoFrame>;
  /** Resets temporal state (e.g. after a camera switch). */
  reset(): void;
  lastTimings(): RenderTimings;
  dispose(): void;
}
