/** Renderer test page: exposes the harness (window.rr) in the page realm and through a module worker. */
import { compareRenderers, deviceLoss, factory, timeRenderer, type CompareResult, type SceneSpec, type TimingResult } from './render-harness.js';
import type { WebGpuRendererOptions } from '../../../src/gpu/webgpu-renderer.js';

function inWorker<T>(message: unknown): Promise<T> {
  const worker = new Worker(new URL('./render-worker.ts', import.meta.url), { type: 'module' });
  return new Promise<T>((resolve, reject) => {
    worker.onmessage = (ev: MessageEvent<{ ok: boolean; result?: T; error?: string }>) => {
      worker.terminate();
      if (ev.data.ok) resolve(ev.data.result!);
      else reject(new Error(ev.data.error));
    };
    worker.onerror = (ev) => {
      worker.terminate();
      reject(new Error(`worker error: ${ev.message}`));
    };
    worker.postMessage(message);
  });
}

const rr = {
  compare: (spec: SceneSpec, gpu: WebGpuRendererOptions = {}, images = false) => compareRenderers(spec, gpu, images),
  compareInWorker: (spec: SceneSpec) => inWorker<CompareResult>({ kind: 'compare', spec }),
  time: (kind: 'cpu' | 'webgpu', w: number, h: number, runs: number) => timeRenderer(kind, w, h, runs),
  timeInWorker: (kind: 'cpu' | 'webgpu', w: number, h: number, runs: number) => inWorker<TimingResult>({ kind: 'time', renderer: kind, widthPx: w, heightPx: h, runs }),
  deviceLoss,
  factory,
};
/** What tests call through tests/support/pages.ts pageApi(page, 'rr'). */
export type RenderApi = typeof rr;
(window as unknown as { rr: RenderApi }).rr = rr;
document.title = 'ready';
