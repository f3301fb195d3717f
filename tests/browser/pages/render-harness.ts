/**
 * Renderer test harness, shared by the page (render-page.ts) and the module worker (render-worker.ts) so both
 * realms run exactly the same cases: synthetic sphere scenes as VideoFrames through CpuRenderer and
 * WebGpuRenderer, outputs read back and compared, timings, device loss, leak counts.
 */
import { RelightError } from '../../../src/core/errors.js';
import { closeTracked, openCounts, resetLeakTracker, totalOpen, trackOpen } from '../../../src/core/leak-tracker.js';
import type { TargetLighting } from '../../../src/core/types.js';
import { CpuRenderer } from '../../../src/gpu/cpu-renderer.js';
import type { Renderer } from '../../../src/gpu/renderer.js';
import { directionFromAngles, directionalSh, sphereScene, type SphereScene } from '../../../src/gpu/synthetic-scene.js';
import { WebGpuRenderer, type WebGpuRendererOptions } from '../../../src/gpu/webgpu-renderer.js';
import { createRenderer } from '../../../src/gpu/renderer-factory.js';

(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = true;

export interface SceneSpec {
  widthPx: number;
  heightPx: number;
  geometryPx: [number, number];
  maskPx: [number, number];
  background: 'keep' | 'dim' | 'relight';
  strength: number;
  frames: number;
  smoothing: number;
}

export interface FrameDiff {
  meanAbs: number;
  max: number;
  /** Fraction of channel values that differ by more than 2 codes. */
  over2: number;
}

export interface CompareResult {
  diffs: FrameDiff[];
  /** Mean |out - in| over all RGB values of the last frame, CPU output (proves the light changed something). */
  cpuChange: number;
  cpuMs: number[];
  gpuMs: number[];
  gpuTimings: unknown;
  adapter: { description: string; fallback: boolean };
  uploadPath: string;
  openAfterDispose: Record<string, number>;
  totalOpenAfterDispose: number;
  /** base64 RGBA of the last frame: input, CPU output, GPU output (when `images`). */
  images?: { input: string; cpu: string; gpu: string; widthPx: number; heightPx: number };
}

const SOURCE = directionalSh(directionFromAngles(-35, 30), [1.5, 1.5, 1.5], [0.35, 0.35, 0.35]);
/**
 * A warm key from the right, normalised like src/lighting's presets (mean irradiance over camera-facing normals
 * = pi: "same exposure"), so the images show the light moving rather than the exposure dropping.
 */
const TARGET = ((sh: Float32Array) => {
  const front = 0.2126 * (sh[0]! * 0.282095 + sh[6]! * 0.2443) + 0.7152 * (sh[1]! * 0.282095 + sh[7]! * 0.2443) + 0.0722 * (sh[2]! * 0.282095 + sh[8]! * 0.2443);
  return sh.map((v) => (v * Math.PI) / front);
})(directionalSh(directionFromAngles(50, 15), [2.2, 1.9, 1.4], [0.25, 0.27, 0.35]));

function scene(spec: SceneSpec, t: number): SphereScene {
  let seed = 17 + t * 101;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  return sphereScene({
    widthPx: spec.widthPx, heightPx: spec.heightPx,
    geometryWidthPx: spec.geometryPx[0], geometryHeightPx: spec.geometryPx[1],
    maskWidthPx: spec.maskPx[0], maskHeightPx: spec.maskPx[1],
    lightSh: SOURCE, albedo: [0.6, 0.45, 0.38], kind: 'rgba8', body: true, radius: 0.28,
    centreX: 0.5 + 0.01 * t,
    normalNoise: () => [(rnd() - 0.5) * 0.1, (rnd() - 0.5) * 0.1, 0],
  });
}

function lighting(spec: SceneSpec): TargetLighting {
  return { irradianceSh: TARGET, background: spec.background, backgroundDim: 0.45, strength: spec.strength };
}

function frameOf(s: SphereScene, t: number): VideoFrame {
  const f = s.frame as { data: Uint8ClampedArray; widthPx: number; heightPx: number };
  return trackOpen('VideoFrame', new VideoFrame(f.data, { format: 'RGBA', codedWidth: f.widthPx, codedHeight: f.heightPx, timestamp: 1000 * t, duration: 33_333 }));
}

async function pixels(frame: VideoFrame): Promise<Uint8ClampedArray> {
  const out = new Uint8ClampedArray(frame.displayWidth * frame.displayHeight * 4);
  await frame.copyTo(out, { format: 'RGBA', colorSpace: 'srgb' } as VideoFrameCopyToOptions);
  return out;
}

function diff(a: Uint8ClampedArray, b: Uint8ClampedArray): FrameDiff {
  let s = 0, m = 0, o = 0, n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    const d = Math.abs(a[i]! - b[i]!);
    s += d; n++;
    if (d > m) m = d;
    if (d > 2) o++;
  }
  return { meanAbs: s / n, max: m, over2: o / n };
}

function b64(d: Uint8ClampedArray): string {
  let s = '';
  for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
  return btoa(s);
}

/** CPU vs WebGPU on the same frames; both renderers disposed at the end and the leak tracker read. */
export async function compareRenderers(spec: SceneSpec, gpuOptions: WebGpuRendererOptions = {}, images = false): Promise<CompareResult> {
  resetLeakTracker();
  const cpu = new CpuRenderer({ smoothing: spec.smoothing });
  const gpu = new WebGpuRenderer({ ...gpuOptions, tuning: { smoothing: spec.smoothing } });
  await cpu.init();
  await gpu.init();
  const diffs: FrameDiff[] = [];
  const cpuMs: number[] = [], gpuMs: number[] = [];
  let last: CompareResult['images'];
  let cpuChange = 0;
  try {
    for (let t = 0; t < spec.frames; t++) {
      const s = scene(spec, t);
      const input = frameOf(s, t);
      try {
        let t0 = performance.now();
        const a = await cpu.render(input, s.mask, s.geometry, lighting(spec));
        cpuMs.push(performance.now() - t0);
        t0 = performance.now();
        const b = await gpu.render(input, s.mask, s.geometry, lighting(spec));
        gpuMs.push(performance.now() - t0);
        try {
          if (a.timestamp !== input.timestamp || b.timestamp !== input.timestamp) throw new Error('timestamp not kept');
          const pa = await pixels(a), pb = await pixels(b);
          diffs.push(diff(pa, pb));
          const pin = (s.frame as { data: Uint8ClampedArray }).data;
          cpuChange = diff(pin, pa).meanAbs;
          if (images && t === spec.frames - 1) last = { input: b64(pin), cpu: b64(pa), gpu: b64(pb), widthPx: spec.widthPx, heightPx: spec.heightPx };
        } finally {
          closeTracked('VideoFrame', a);
          closeTracked('VideoFrame', b);
        }
      } finally {
        closeTracked('VideoFrame', input);
      }
    }
  } finally {
    cpu.dispose();
    gpu.dispose();
  }
  return {
    diffs, cpuChange, cpuMs, gpuMs, gpuTimings: gpu.lastTimings(), adapter: gpu.adapter(), uploadPath: gpu.uploadPath(),
    openAfterDispose: openCounts(), totalOpenAfterDispose: totalOpen(), ...(last ? { images: last } : {}),
  };
}

export interface TimingResult {
  medianMs: number;
  minMs: number;
  split: unknown;
}

/** Median render time of one renderer kind at a size (after warm-up frames). */
export async function timeRenderer(kind: 'cpu' | 'webgpu', widthPx: number, heightPx: number, runs: number): Promise<TimingResult> {
  const spec: SceneSpec = { widthPx, heightPx, geometryPx: [128, 128], maskPx: [256, 256], background: 'keep', strength: 0.85, frames: 1, smoothing: 0.7 };
  const s = scene(spec, 0);
  const r: Renderer = kind === 'cpu' ? new CpuRenderer() : new WebGpuRenderer();
  await r.init();
  const times: number[] = [];
  try {
    for (let i = 0; i < runs + 2; i++) {
      const input = frameOf(s, i);
      const t0 = performance.now();
      const out = await r.render(input, s.mask, s.geometry, lighting(spec));
      const dt = performance.now() - t0;
      closeTracked('VideoFrame', out);
      closeTracked('VideoFrame', input);
      if (i >= 2) times.push(dt);
    }
  } finally {
    r.dispose();
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, minMs: times[0]!, split: r.lastTimings() };
}

/** Device loss: the renderer reports it once and every later render rejects with 'gpu-lost'. */
export async function deviceLoss(): Promise<{ reported: string | null; codeAfter: string; okBefore: boolean; openAfter: number }> {
  resetLeakTracker();
  const adapter = await navigator.gpu.requestAdapter();
  const device = await adapter!.requestDevice();
  let reported: string | null = null;
  const gpu = new WebGpuRenderer({ device, onDeviceLost: (r) => (reported = r) });
  await gpu.init();
  const spec: SceneSpec = { widthPx: 64, heightPx: 48, geometryPx: [32, 24], maskPx: [64, 48], background: 'keep', strength: 1, frames: 1, smoothing: 0 };
  const s = scene(spec, 0);
  const input = frameOf(s, 0);
  let okBefore = false;
  let codeAfter = 'none';
  try {
    const out = await gpu.render(input, s.mask, s.geometry, lighting(spec));
    okBefore = out.displayWidth === 64;
    closeTracked('VideoFrame', out);
    device.destroy(); // what a GPU reset / driver crash looks like to the page
    await device.lost;
    await new Promise((r) => setTimeout(r, 0));
    try {
      const again = await gpu.render(input, s.mask, s.geometry, lighting(spec));
      closeTracked('VideoFrame', again);
    } catch (e) {
      codeAfter = e instanceof RelightError ? e.code : `not a RelightError: ${String(e)}`;
    }
  } finally {
    closeTracked('VideoFrame', input);
    gpu.dispose();
  }
  return { reported, codeAfter, okBefore, openAfter: totalOpen() };
}

/** What the tier table picks on this machine (and that the picked renderer starts). */
export async function factory(): Promise<{ tier: string; backend: string; fallbackAdapter: boolean; adapter: string }> {
  const r = await createRenderer();
  try {
    return { tier: r.tier.id, backend: r.renderer.backend, fallbackAdapter: r.capabilities.fallbackAdapter, adapter: r.capabilities.adapterDescription };
  } finally {
    r.renderer.dispose();
  }
}
