/**
 * Builds the renderer for this machine from the tier table (src/core/tiers.ts): detect capabilities, choose the
 * tier, start its renderer; if the WebGPU renderer fails to start, fall back to the CPU tier (and say so).
 */
import { describeError } from '../core/errors.js';
import { RENDER_TIERS, chooseTier, type GpuCapabilities, type RenderTier, type TierId } from '../core/tiers.js';
import type { Renderer, RenderTuning } from './renderer.js';
import { detectGpuCapabilities } from './webgpu-device.js';

export interface CreateRendererOptions {
  /** Force a tier (tests, a user override). */
  tier?: TierId;
  tuning?: RenderTuning;
  onDeviceLost?: (reason: string) => void;
}

export interface CreatedRenderer {
  renderer: Renderer;
  tier: RenderTier;
  capabilities: GpuCapabilities;
  /** Why the chosen tier was not the one the table picked, if it was not. */
  fallbackReason?: string;
}

export async function createRenderer(opts: CreateRendererOptions = {}): Promise<CreatedRenderer> {
  const capabilities = await detectGpuCapabilities();
  const tier = chooseTier(capabilities, opts.tier);
  if (tier.renderer === 'webgpu') {
    const { WebGpuRenderer } = await import('./webgpu-renderer.js');
    const renderer = new WebGpuRenderer({ tuning: opts.tuning, onDeviceLost: opts.onDeviceLost });
    try {
      await renderer.init();
      return { renderer, tier, capabilities };
    } catch (e) {
      renderer.dispose();
      const fallbackReason = `WebGPU renderer failed to start: ${describeError(e)}`;
      console.warn(`[RendererFactory] ${fallbackReason}; using the CPU renderer`);
      return { ...(await cpu(RENDER_TIERS.cpu, opts)), capabilities, fallbackReason };
    }
  }
  return { ...(await cpu(tier, opts)), capabilities };
}

async function cpu(tier: RenderTier, opts: CreateRendererOptions): Promise<{ renderer: Renderer; tier: RenderTier }> {
  const { CpuRenderer } = await import('./cpu-renderer.js');
  const renderer = new CpuRenderer(opts.tuning);
  await renderer.init();
  return { renderer, tier };
}
