/**
 * GPU bench (Node): WebGpuRenderer on a real GPU through Dawn's Node bindings (the npm package `webgpu`,
 * dawn.node), checked against CpuRenderer, plus the geometry student through onnxruntime-web's WebGPU EP.
 * Bundled by vite.gpubench.config.ts into ONE .mjs (WGSL inlined), so it runs with a bare `node` binary on a
 * machine without node_modules. See README.md beside this file.
 *
 * Env: DAWN_NODE (path to dawn.node), ORT_DIR (folder with ort.webgpu.min.mjs + ort-wasm-simd-threaded.jsep.*),
 * STUDENT_ONNX, BENCH_OUT (JSON path), BENCH_FRAMES (timed frames, default 50), CPU_FRAMES (default 10).
 */
import { createRequire } from 'node:module';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve as resolvePath } from 'node:path';
import { installVideoFramePolyfill, NodeVideoFrame } from './video-frame-polyfill.js';
import { WebGpuRenderer } from '../../src/gpu/webgpu-renderer.js';
import { CpuRenderer } from '../../src/gpu/cpu-renderer.js';
import { sphereScene, directionalSh, directionFromAngles } from '../../src/gpu/synthetic-scene.js';
import type { TargetLighting } from '../../src/core/types.js';

const log = (...a: unknown[]) => console.log('[GpuBench]', ...a);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)]! : NaN; };
const r2 = (x: number) => Math.round(x * 1000) / 1000;

const PASSES = ['downsample', 'shading-ratio', 'composite'] as const;

/** Per-pass GPU timestamps: wraps the device so each labelled compute pass writes begin/end timestamps. */
class PassTimer {
  readonly querySet: GPUQuerySet;
  private readonly resolveBuf: GPUBuffer;
  private readonly readBuf: GPUBuffer;
  constructor(private readonly device: GPUDevice) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: PASSES.length * 2 });
    this.resolveBuf = device.createBuffer({ size: PASSES.length * 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.readBuf = device.createBuffer({ size: PASSES.length * 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** A device proxy for WebGpuRenderer({ device }): identical except that compute passes are timestamped. */
  wrap(): GPUDevice {
    const timer = this, dev = this.device;
    const wrapEncoder = (enc: GPUCommandEncoder, label: string | undefined): GPUCommandEncoder => new Proxy(enc, {
      get(target, prop) {
        if (prop === 'beginComputePass') {
          return (desc: GPUComputePassDescriptor = {}) => {
            const i = PASSES.indexOf(desc.label as typeof PASSES[number]);
            if (i < 0) return target.beginComputePass(desc);
            return target.beginComputePass({ ...desc, timestampWrites: { querySet: timer.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
          };
        }
        if (prop === 'finish' && label === 'relight-shade') {
          return (d?: GPUCommandBufferDescriptor) => {
            target.resolveQuerySet(timer.querySet, 0, PASSES.length * 2, timer.resolveBuf, 0);
            target.copyBufferToBuffer(timer.resolveBuf, 0, timer.readBuf, 0, PASSES.length * 16);
            return target.finish(d);
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    return new Proxy(dev, {
      get(target, prop) {
        if (prop === 'createCommandEncoder') {
          return (d?: GPUCommandEncoderDescriptor) => wrapEncoder(target.createCommandEncoder(d), d?.label);
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }

  /** GPU ms per pass of the last frame (call between frames). */
  async read(): Promise<number[]> {
    await this.readBuf.mapAsync(GPUMapMode.READ);
    const t = new BigUint64Array(this.readBuf.getMappedRange().slice(0));
    this.readBuf.unmap();
    return PASSES.map((_, i) => Number(t[2 * i + 1]! - t[2 * i]!) / 1e6);
  }
}

/**
 * dawn.node's GPUQueue.writeBuffer rejects views of a SharedArrayBuffer ("Invalid argument"); ORT's threaded wasm
 * build keeps its heap in one (WebAssembly.Memory shared: true) and uploads straight from it, as Chromium allows.
 * Copy such views into a plain buffer first (one extra memcpy per upload; the renderer never passes one).
 */
function patchSharedWriteBuffer(queue: GPUQueue): void {
  type WriteBuffer = (this: GPUQueue, buffer: unknown, offset: number, data: ArrayBufferView | ArrayBufferLike, dataOffset?: number, size?: number) => void;
  const proto = Object.getPrototypeOf(queue) as { writeBuffer: WriteBuffer; __sabPatched?: boolean };
  if (proto.__sabPatched) return;
  const orig = proto.writeBuffer;
  proto.writeBuffer = function (this: GPUQueue, buffer: unknown, offset: number, data: ArrayBufferView | ArrayBufferLike, dataOffset = 0, size?: number) {
    const isView = ArrayBuffer.isView(data);
    const backing = isView ? data.buffer : data;
    if (typeof SharedArrayBuffer === 'undefined' || !(backing instanceof SharedArrayBuffer)) return orig.call(this, buffer, offset, data, dataOffset, size);
    const elt = isView ? ((data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1) : 1;
    const start = (isView ? data.byteOffset : 0) + dataOffset * elt;
    const len = size !== undefined ? size * elt : (isView ? data.byteLength : data.byteLength) - dataOffset * elt;
    return orig.call(this, buffer, offset, new Uint8Array(backing, start, len).slice());
  };
  proto.__sabPatched = true;
}

function loadDawn(): { adapterFlags: string[] } {
  const path = process.env.DAWN_NODE ?? 'node_modules/webgpu/dist/linux-x64/dawn.node';
  const require = createRequire(import.meta.url);
  const dawn = require(resolvePath(path)) as {
    create: (flags: string[]) => GPU; globals: Record<string, unknown>;
  };
  Object.assign(globalThis, dawn.globals);
  // Unquantised timestamps (Dawn rounds them by default to blunt timing attacks; irrelevant here).
  const flags = ['disable-dawn-features=timestamp_quantization'];
  let gpu: GPU;
  try {
    gpu = dawn.create(flags);
  } catch (e) {
    log(`create(${flags.join(' ')}) failed (${String(e)}); retrying without flags`);
    flags.length = 0;
    gpu = dawn.create([]);
  }
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  return { adapterFlags: flags };
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): { mean: number; max: number; over8: number } {
  let s = 0, m = 0, over = 0, n = 0;
  for (let i = 0; i < a.length; i++) {
    if ((i & 3) === 3) continue;
    const d = Math.abs(a[i]! - b[i]!);
    s += d; n++; if (d > m) m = d; if (d > 8) over++;
  }
  return { mean: s / n, max: m, over8: over / n };
}

interface ResResult {
  widthPx: number; heightPx: number; geometryPx: [number, number]; maskPx: [number, number];
  gpuWallMedianMs: number; gpuWallP90Ms: number;
  gpuPassMedianMs: Record<string, number> | null; gpuPassSumMedianMs: number | null;
  rendererTimingsMedianMs: { transferMs: number; estimateMs: number; shadeMs: number };
  cpuReferenceMedianMs: number;
  diffVsCpu: { firstFrame: { mean: number; max: number; over8: number }; afterFrames: { frames: number; mean: number; max: number; over8: number } };
}

function benchScene(W: number, H: number) {
  const SOURCE = directionalSh(directionFromAngles(-35, 30), [1, 1, 1], [0.35, 0.35, 0.35]);
  const TARGET = directionalSh(directionFromAngles(40, 10), [0.9, 0.8, 0.6], [0.3, 0.3, 0.35]);
  const gw = 128, gh = 128, mw = 256, mh = 256;
  const scene = sphereScene({ widthPx: W, heightPx: H, geometryWidthPx: gw, geometryHeightPx: gh, maskWidthPx: mw, maskHeightPx: mh, lightSh: SOURCE, albedo: [0.7, 0.5, 0.4], kind: 'rgba8', body: true });
  if (scene.frame.kind !== 'rgba8') throw new Error('unreachable');
  const lighting: TargetLighting = { irradianceSh: TARGET, background: 'dim', backgroundDim: 0.5, strength: 1 };
  const data = scene.frame.data;
  const mkFrame = (i: number) => new NodeVideoFrame(data, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: i * 33333, duration: 33333 }) as unknown as VideoFrame;
  return { scene, lighting, mkFrame, gw, gh, mw, mh };
}

async function benchCpuOnly(W: number, H: number, frames: number): Promise<Record<string, unknown>> {
  const { scene, lighting, mkFrame } = benchScene(W, H);
  const cpu = new CpuRenderer();
  await cpu.init();
  const times: number[] = [];
  for (let i = 0; i < 2 + frames; i++) {
    const f = mkFrame(i);
    const t0 = performance.now();
    const c = await cpu.render(f, scene.mask, scene.geometry, lighting);
    if (i >= 2) times.push(performance.now() - t0);
    c.close(); f.close();
  }
  cpu.dispose();
  log(`CPU reference ${W}x${H}: median ${r2(median(times))} ms over ${frames}`);
  return { widthPx: W, heightPx: H, cpuReferenceMedianMs: r2(median(times)), frames };
}

async function benchResolution(device: GPUDevice, timer: PassTimer | null, W: number, H: number, frames: number, cpuFrames: number): Promise<ResResult> {
  const { scene, lighting, mkFrame, gw, gh, mw, mh } = benchScene(W, H);
  const pix = (f: VideoFrame) => (f as unknown as NodeVideoFrame).pixels();

  const gpu = new WebGpuRenderer({ device: timer ? timer.wrap() : device, upload: 'copy-to' });
  const cpu = new CpuRenderer();
  await gpu.init(); await cpu.init();

  // Correctness: the same frame sequence through both, compared at frame 1 and at frame `cmpFrames`.
  const cmpFrames = 5;
  let first: ResResult['diffVsCpu']['firstFrame'] | null = null;
  let after: ResResult['diffVsCpu']['firstFrame'] | null = null;
  const cpuTimes: number[] = [];
  for (let i = 0; i < Math.max(cmpFrames, cpuFrames); i++) {
    const f = mkFrame(i);
    const t0 = performance.now();
    const c = await cpu.render(f, scene.mask, scene.geometry, lighting);
    cpuTimes.push(performance.now() - t0);
    if (i < cmpFrames) {
      const g = await gpu.render(f, scene.mask, scene.geometry, lighting);
      const d = meanAbsDiff(pix(g), pix(c));
      if (i === 0) first = d;
      if (i === cmpFrames - 1) after = d;
      g.close();
    }
    c.close(); f.close();
  }
  cpu.dispose();

  // Timing: warm-up, then `frames` timed frames (wall clock of render(): upload + 3 passes + readbacks + CPU estimate).
  const wall: number[] = [], passes: number[][] = [], tim: { transferMs: number; estimateMs: number; shadeMs: number }[] = [];
  for (let i = 0; i < 10 + frames; i++) {
    const f = mkFrame(cmpFrames + i);
    const t0 = performance.now();
    const g = await gpu.render(f, scene.mask, scene.geometry, lighting);
    const dt = performance.now() - t0;
    g.close(); f.close();
    if (timer) {
      const p = await timer.read();
      if (i >= 10) passes.push(p);
    }
    if (i >= 10) { wall.push(dt); tim.push({ ...gpu.lastTimings() }); }
  }
  await device.queue.onSubmittedWorkDone();
  gpu.dispose();
  const sortedWall = [...wall].sort((a, b) => a - b);
  const passMed = timer ? Object.fromEntries(PASSES.map((p, k) => [p, r2(median(passes.map((x) => x[k]!)))])) : null;
  return {
    widthPx: W, heightPx: H, geometryPx: [gw, gh], maskPx: [mw, mh],
    gpuWallMedianMs: r2(median(wall)), gpuWallP90Ms: r2(sortedWall[Math.floor(sortedWall.length * 0.9)]!),
    gpuPassMedianMs: passMed,
    gpuPassSumMedianMs: timer ? r2(median(passes.map((x) => x.reduce((a, b) => a + b, 0)))) : null,
    rendererTimingsMedianMs: { transferMs: r2(median(tim.map((t) => t.transferMs))), estimateMs: r2(median(tim.map((t) => t.estimateMs))), shadeMs: r2(median(tim.map((t) => t.shadeMs))) },
    cpuReferenceMedianMs: r2(median(cpuTimes)),
    diffVsCpu: { firstFrame: roundDiff(first!), afterFrames: { frames: cmpFrames, ...roundDiff(after!) } },
  };
}

const roundDiff = (d: { mean: number; max: number; over8: number }) => ({ mean: r2(d.mean), max: d.max, over8: r2(d.over8) });

async function benchStudent(frames: number): Promise<Record<string, unknown>> {
  const dir = process.env.ORT_DIR;
  const model = process.env.STUDENT_ONNX ?? 'models/student.onnx';
  if (!dir || !existsSync(`${dir}/ort.webgpu.min.mjs`)) return { status: 'skipped', reason: 'ORT_DIR with ort.webgpu.min.mjs not given' };
  try {
    const ort = await import(pathToFileURL(`${dir}/ort.webgpu.min.mjs`).href) as typeof import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = `${dir.replace(/\/$/, '')}/`;
    const out: Record<string, unknown> = {};
    for (const ep of ['webgpu', 'wasm'] as const) {
      try {
        const s = await ort.InferenceSession.create(readFileSync(model), { executionProviders: [ep] });
        const name = s.inputNames[0]!;
        const data = new Float32Array(1 * 4 * 128 * 128);
        for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 1000) / 1000;
        const feeds = { [name]: new ort.Tensor('float32', data, [1, 4, 128, 128]) };
        const times: number[] = [];
        for (let i = 0; i < 10 + frames; i++) {
          const t0 = performance.now();
          const r = await s.run(feeds);
          // Reading the outputs back is part of the cost (the pipeline needs them on the CPU).
          for (const k of s.outputNames) { const t = r[k]!; await t.getData(); t.dispose(); }
          if (i >= 10) times.push(performance.now() - t0);
        }
        await s.release();
        out[ep] = { status: 'ok', medianMs: r2(median(times)), frames };
      } catch (e) {
        out[ep] = { status: 'failed', reason: String((e as Error)?.stack ?? e).slice(0, 600) };
      }
    }
    return out;
  } catch (e) {
    return { status: 'failed', reason: String((e as Error)?.stack ?? e).slice(0, 600) };
  }
}

async function main(): Promise<void> {
  installVideoFramePolyfill();
  const result: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };
  const { adapterFlags } = loadDawn();
  result.dawnFlags = adapterFlags;
  const gpuApi = (globalThis as unknown as { navigator: { gpu: GPU } }).navigator.gpu;
  const adapter = await gpuApi.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    result.error = 'no WebGPU adapter (dawn found no usable Vulkan device)';
    // Still useful here: the CPU reference timings and the student on the wasm EP.
    const frames = Number(process.env.CPU_FRAMES ?? 10);
    result.cpuOnly = [];
    for (const [W, H] of [[640, 480], [1280, 720]] as const) (result.cpuOnly as unknown[]).push(await benchCpuOnly(W, H, frames));
    if (process.env.SKIP_STUDENT !== '1') result.student = await benchStudent(Number(process.env.BENCH_FRAMES ?? 50));
    finish(result);
    process.exit(2);
  }
  const info = adapter.info;
  result.adapter = { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
  const hasTs = adapter.features.has('timestamp-query');
  result.timestampQuery = hasTs;
  const device = await adapter.requestDevice({ requiredFeatures: hasTs ? ['timestamp-query'] : [] });
  patchSharedWriteBuffer(device.queue);
  device.addEventListener('uncapturederror', (ev) => log('uncaptured GPU error', (ev as GPUUncapturedErrorEvent).error.message));
  const timer = hasTs ? new PassTimer(device) : null;
  const frames = Number(process.env.BENCH_FRAMES ?? 50), cpuFrames = Number(process.env.CPU_FRAMES ?? 10);
  const res: ResResult[] = [];
  for (const [W, H] of [[640, 480], [1280, 720]] as const) {
    log(`rendering ${W}x${H}`);
    const errors = (result.renderErrors ??= []) as string[];
    try {
      res.push(await benchResolution(device, timer, W, H, frames, cpuFrames));
    } catch (e) {
      log(`${W}x${H} failed`, e);
      errors.push(`${W}x${H}${timer ? ' (timestamped)' : ''}: ${String((e as Error)?.stack ?? e).slice(0, 800)}`);
      // The timestamp wrapper is the part the renderer's own tests never exercised: retry without it.
      if (timer) {
        try {
          res.push(await benchResolution(device, null, W, H, frames, cpuFrames));
        } catch (e2) {
          errors.push(`${W}x${H}: ${String((e2 as Error)?.stack ?? e2).slice(0, 800)}`);
        }
      }
    }
  }
  result.render = res;
  finish(result);
  device.destroy();
  if (process.env.SKIP_STUDENT !== '1') {
    log('student');
    // A hang in ORT's WebGPU EP must not cost the render results (already written above).
    result.student = await Promise.race([benchStudent(frames), new Promise((r) => setTimeout(() => r({ status: 'failed', reason: 'timed out after 120 s' }), 120_000))]);
  }
  finish(result);
  process.exit(0);
}

function finish(result: Record<string, unknown>): void {
  const path = process.env.BENCH_OUT ?? 'gpu-bench.json';
  writeFileSync(path, JSON.stringify(result, null, 2));
  log(`wrote ${path}`);
  log('adapter', JSON.stringify(result.adapter ?? result.error));
  for (const r of (result.render as ResResult[] | undefined) ?? []) {
    const p = r.gpuPassMedianMs;
    console.log(`| ${r.widthPx}x${r.heightPx} | wall ${r.gpuWallMedianMs} ms (p90 ${r.gpuWallP90Ms}) | passes ${p ? PASSES.map((k) => `${k} ${p[k]}`).join(', ') : 'n/a'} | GPU sum ${r.gpuPassSumMedianMs} | renderer t/e/s ${r.rendererTimingsMedianMs.transferMs}/${r.rendererTimingsMedianMs.estimateMs}/${r.rendererTimingsMedianMs.shadeMs} | CPU ref ${r.cpuReferenceMedianMs} ms | diff mean ${r.diffVsCpu.firstFrame.mean}/${r.diffVsCpu.afterFrames.mean} max ${r.diffVsCpu.firstFrame.max}/${r.diffVsCpu.afterFrames.max} |`);
  }
  if (result.student) console.log('student', JSON.stringify(result.student));
}

main().catch((e) => { console.error('[GpuBench] fatal', e); process.exit(1); });
