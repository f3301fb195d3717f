/**
 * Device tiers as a data table (not branches): what the machine can do -> which renderer, at which geometry
 * resolution, with which model cadence. Capability detection lives in src/gpu/webgpu-device.ts; this file is
 * pure so the choice can be tested in Node.
 *
 * The three tiers:
 * - 'webgpu': a real GPU adapter. Everything per pixel on the GPU; the geometry model every frame.
 * - 'webgpu-fallback': WebGPU exists but the adapter is a software fallback (SwiftShader: `isFallbackAdapter`,
 *   or architecture 'swiftshader'). Correct but slow: its compute passes cost more than the CPU path here
 *   (measured in tests/browser/render-webgpu.test.ts, see src/gpu/README.md), so this tier renders on the CPU
 *   and keeps WebGPU out of the hot path.
 * - 'cpu': no WebGPU at all.
 */

export type TierId = 'webgpu' | 'webgpu-fallback' | 'cpu';

export interface RenderTier {
  readonly id: TierId;
  readonly renderer: 'webgpu' | 'cpu';
  /** Preferred geometry-map size (square, model resolution). The estimator may round it to what it supports. */
  readonly geometrySizePx: number;
  /** Run the geometry model every N frames (settings.modelEveryNFrames is clamped to at least this). */
  readonly minModelEveryNFrames: number;
  /** Frames wider than this are processed at this width by the host (the CPU path is O(pixels)). */
  readonly maxProcessWidthPx: number;
  readonly description: string;
}

export const RENDER_TIERS: Readonly<Record<TierId, RenderTier>> = Object.freeze({
  webgpu: {
    id: 'webgpu', renderer: 'webgpu', geometrySizePx: 128, minModelEveryNFrames: 1, maxProcessWidthPx: 1920,
    description: 'hardware WebGPU: GPU relighting, geometry every frame',
  },
  'webgpu-fallback': {
    id: 'webgpu-fallback', renderer: 'cpu', geometrySizePx: 128, minModelEveryNFrames: 2, maxProcessWidthPx: 1280,
    description: 'software WebGPU adapter (SwiftShader): CPU relighting, geometry every 2nd frame',
  },
  cpu: {
    id: 'cpu', renderer: 'cpu', geometrySizePx: 96, minModelEveryNFrames: 3, maxProcessWidthPx: 960,
    description: 'no WebGPU: CPU relighting, smaller geometry, geometry every 3rd frame',
  },
});

/** What capability detection found (src/gpu/webgpu-device.ts `detectGpuCapabilities`). */
export interface GpuCapabilities {
  readonly webgpu: boolean;
  /** True for software adapters (SwiftShader reports isFallbackAdapter / architecture 'swiftshader'). */
  readonly fallbackAdapter: boolean;
  /** e.g. 'google / swiftshader', for stats. */
  readonly adapterDescription: string;
}

/** The tier for the given capabilities. `force` (tests, a user override) wins when given. */
export function chooseTier(caps: GpuCapabilities, force?: TierId): RenderTier {
  if (force) return RENDER_TIERS[force];
  if (!caps.webgpu) return RENDER_TIERS.cpu;
  return caps.fallbackAdapter ? RENDER_TIERS['webgpu-fallback'] : RENDER_TIERS.webgpu;
}
