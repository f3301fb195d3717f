import { describe, expect, it } from 'vitest';
import { RENDER_TIERS, chooseTier } from '../../src/core/tiers.js';
import { isFallbackAdapter } from '../../src/gpu/webgpu-device.js';

describe('render tiers', () => {
  it('picks the tier from capabilities: hardware WebGPU, software WebGPU, none', () => {
    expect(chooseTier({ webgpu: true, fallbackAdapter: false, adapterDescription: 'nvidia' }).id).toBe('webgpu');
    expect(chooseTier({ webgpu: true, fallbackAdapter: true, adapterDescription: 'google / swiftshader' }).id).toBe('webgpu-fallback');
    expect(chooseTier({ webgpu: false, fallbackAdapter: false, adapterDescription: 'none' }).id).toBe('cpu');
    expect(chooseTier({ webgpu: true, fallbackAdapter: false, adapterDescription: 'nvidia' }, 'cpu').id).toBe('cpu');
  });

  it('is a consistent table: ids match keys, only hardware WebGPU renders on the GPU, cheaper tiers do less', () => {
    for (const [id, t] of Object.entries(RENDER_TIERS)) expect(t.id).toBe(id);
    expect(RENDER_TIERS.webgpu.renderer).toBe('webgpu');
    // SwiftShader's compute passes are slower than the CPU path (tests/browser/render-webgpu.test.ts timings).
    expect(RENDER_TIERS['webgpu-fallback'].renderer).toBe('cpu');
    expect(RENDER_TIERS.cpu.renderer).toBe('cpu');
    expect(RENDER_TIERS.cpu.geometrySizePx).toBeLessThanOrEqual(RENDER_TIERS['webgpu-fallback'].geometrySizePx);
    expect(RENDER_TIERS.cpu.minModelEveryNFrames).toBeGreaterThanOrEqual(RENDER_TIERS['webgpu-fallback'].minModelEveryNFrames);
    expect(RENDER_TIERS['webgpu-fallback'].minModelEveryNFrames).toBeGreaterThanOrEqual(RENDER_TIERS.webgpu.minModelEveryNFrames);
  });

  it('recognises SwiftShader as a fallback adapter however Chromium reports it', () => {
    const adapter = (info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }, legacy?: boolean) =>
      ({ info, ...(legacy === undefined ? {} : { isFallbackAdapter: legacy }) }) as unknown as GPUAdapter;
    expect(isFallbackAdapter(adapter({ vendor: 'google', architecture: 'swiftshader' }))).toBe(true);
    expect(isFallbackAdapter(adapter({ vendor: 'x', architecture: 'y', isFallbackAdapter: true }))).toBe(true);
    expect(isFallbackAdapter(adapter({ vendor: 'x' }, true))).toBe(true);
    expect(isFallbackAdapter(adapter({ vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: false }))).toBe(false);
  });
});
