/**
 * WebGPU adapter/device acquisition and capability detection, in one place. Works in windows and workers.
 * Capability checks are assertion functions (throw a RelightError('unsupported')), as in webgpu-samples.
 */
import { RelightError } from '../core/errors.js';
import type { GpuCapabilities } from '../core/tiers.js';

/** `navigator.gpu` in a window or a worker, or null. */
export function gpuApi(): GPU | null {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu ?? null;
}

export function assertWebGpu(gpu: GPU | null): asserts gpu is GPU {
  if (!gpu) throw new RelightError('unsupported', '[WebGpuDevice] WebGPU is not available (navigator.gpu is missing)');
}

export function assertAdapter(adapter: GPUAdapter | null): asserts adapter is GPUAdapter {
  if (!adapter) throw new RelightError('unsupported', '[WebGpuDevice] no WebGPU adapter (Chromium needs --enable-unsafe-webgpu on this machine)');
}

/**
 * Whether the adapter is a software fallback. Chromium 156 reports it on `adapter.info.isFallbackAdapter`
 * (older builds: `adapter.isFallbackAdapter`); SwiftShader also names itself in `info.architecture`.
 */
export function isFallbackAdapter(adapter: GPUAdapter): boolean {
  const info = (adapter as { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info;
  const legacy = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const text = `${info?.vendor ?? ''} ${info?.architecture ?? ''} ${info?.description ?? ''}`;
  return info?.isFallbackAdapter === true || legacy === true || /swiftshader/i.test(text);
}

export function describeAdapter(adapter: GPUAdapter): string {
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  return [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' / ') || 'unknown adapter';
}

export async function requestAdapter(gpu: GPU | null = gpuApi()): Promise<GPUAdapter> {
  assertWebGpu(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  assertAdapter(adapter);
  return adapter;
}

/** Detects the tier-relevant capabilities without keeping a device. */
export async function detectGpuCapabilities(gpu: GPU | null = gpuApi()): Promise<GpuCapabilities> {
  if (!gpu) return { webgpu: false, fallbackAdapter: false, adapterDescription: 'none' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { webgpu: false, fallbackAdapter: false, adapterDescription: 'no adapter' };
    return { webgpu: true, fallbackAdapter: isFallbackAdapter(adapter), adapterDescription: describeAdapter(adapter) };
  } catch {
    return { webgpu: false, fallbackAdapter: false, adapterDescription: 'requestAdapter failed' };
  }
}
