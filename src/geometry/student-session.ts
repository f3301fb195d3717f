/**
 * onnxruntime-web session for the student: picks the execution provider and loads ORT's wasm from our own bundle.
 *
 * - WebGPU EP only when a real (non-fallback) adapter exists: on SwiftShader ORT's WebGPU EP takes seconds per
 *   inference (../shared/NOTES.md), far slower than wasm.
 * - wasm threads only when `crossOriginIsolated` (SharedArrayBuffer); ordinary sites, and so the extension, run
 *   single-threaded, which is what the student is sized for.
 * - The ORT modules and their .wasm are imported lazily and located through Vite `?url` imports, so they are
 *   served from our bundle / the extension package and nothing is fetched from a CDN.
 *
 * `onnxruntime-web/wasm` resolves to ort.wasm.bundle.min.mjs (CPU-only build, the fast one for small nets);
 * `onnxruntime-web/webgpu` to the WebGPU build with its asyncify wasm.
 */
import type * as OrtTypes from 'onnxruntime-web';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import wasmMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import webgpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import webgpuMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

export type Ort = typeof OrtTypes;
export type StudentBackend = 'wasm' | 'webgpu';

export interface StudentSessionOptions {
  /** 'auto' = WebGPU when a real adapter exists, else wasm. */
  backend?: 'auto' | StudentBackend;
  /** Upper bound on wasm threads; used only when cross-origin isolated. */
  maxThreads?: number;
  /** Serve ORT's .wasm/.mjs from here (laid out as STUDENT_ASSET_FILES says) instead of the bundle's URLs. */
  assetBaseUrl?: string | undefined;
}

/** File layout under `assetBaseUrl` for hosts that copy the assets (the extension, an embedding page). */
export const STUDENT_ASSET_FILES = {
  model: 'models/student.onnx',
  wasm: { wasm: 'wasm/ort-wasm-simd-threaded.wasm', mjs: 'wasm/ort-wasm-simd-threaded.mjs' },
  webgpu: { wasm: 'wasm/ort-wasm-simd-threaded.asyncify.wasm', mjs: 'wasm/ort-wasm-simd-threaded.asyncify.mjs' },
} as const;

function baseUrl(assetBaseUrl: string): URL {
  return new URL(assetBaseUrl.endsWith('/') ? assetBaseUrl : `${assetBaseUrl}/`, globalThis.location?.href);
}

/** The student model's URL: from `assetBaseUrl`, else the bundled models/student.onnx. */
export function studentModelUrl(assetBaseUrl?: string): string {
  if (assetBaseUrl) return new URL(STUDENT_ASSET_FILES.model, baseUrl(assetBaseUrl)).href;
  // Literal `new URL(..., import.meta.url)` so Vite emits the model as an asset in builds.
  return new URL('../../models/student.onnx', import.meta.url).href;
}

export interface StudentSession {
  readonly ort: Ort;
  readonly session: OrtTypes.InferenceSession;
  readonly backend: StudentBackend;
  readonly numThreads: number;
  readonly inputName: string;
  readonly outputNames: readonly string[];
  release(): Promise<void>;
}

/** True when navigator.gpu gives a hardware adapter (SwiftShader reports isFallback). */
export async function hasRealWebGpuAdapter(): Promise<boolean> {
  const gpu = (globalThis.navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return false;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return false;
    // `isFallbackAdapter` moved to GPUAdapterInfo in newer specs; accept either place.
    const info = (adapter as GPUAdapter & { info?: { isFallbackAdapter?: boolean } }).info;
    const fallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info?.isFallbackAdapter ?? false;
    return !fallback;
  } catch {
    return false;
  }
}

export function wasmThreadCount(maxThreads = 4): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (!isolated) return 1;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 2;
  return Math.max(1, Math.min(maxThreads, cores - 1 || 1));
}

async function loadOrt(backend: StudentBackend, numThreads: number, assetBaseUrl?: string): Promise<Ort> {
  const ort: Ort = backend === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = numThreads;
  const abs = (u: string) => new URL(u, import.meta.url).href;
  if (assetBaseUrl) {
    const files = STUDENT_ASSET_FILES[backend];
    const base = baseUrl(assetBaseUrl);
    ort.env.wasm.wasmPaths = { wasm: new URL(files.wasm, base).href, mjs: new URL(files.mjs, base).href };
  } else {
    ort.env.wasm.wasmPaths = backend === 'webgpu'
      ? { wasm: abs(webgpuWasmUrl), mjs: abs(webgpuMjsUrl) }
      : { wasm: abs(wasmUrl), mjs: abs(wasmMjsUrl) };
  }
  return ort;
}

/** Creates the session from model bytes (or a URL). Throws when the model cannot be loaded. */
export async function createStudentSession(model: string | Uint8Array, opts: StudentSessionOptions = {}): Promise<StudentSession> {
  const want = opts.backend ?? 'auto';
  const backend: StudentBackend = want === 'auto' ? ((await hasRealWebGpuAdapter()) ? 'webgpu' : 'wasm') : want;
  const numThreads = backend === 'wasm' ? wasmThreadCount(opts.maxThreads) : 1;
  const ort = await loadOrt(backend, numThreads, opts.assetBaseUrl);
  let bytes: Uint8Array;
  if (typeof model === 'string') {
    const res = await fetch(model);
    if (!res.ok) throw new Error(`[StudentSession] model ${model} answered HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } else {
    bytes = model;
  }
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
  });
  return {
    ort, session, backend, numThreads,
    inputName: session.inputNames[0]!,
    outputNames: session.outputNames,
    release: () => session.release(),
  };
}
