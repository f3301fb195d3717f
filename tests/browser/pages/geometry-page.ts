/**
 * Geometry test page: `window.geometryTest.run(realm, specs, options)` runs the harness on this page ('main') or
 * in a module worker ('worker'). Images are fetched by URL here and handed to the realm as bytes.
 */
import { runGeometryCases, type GeometryCase, type GeometryRunOptions, type GeometryRunResult } from './geometry-harness.js';

(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = true;

export type GeometryCaseSpec = Omit<GeometryCase, 'imageBytes'> & { imageUrl?: string };

async function load(specs: GeometryCaseSpec[]): Promise<GeometryCase[]> {
  return Promise.all(specs.map(async ({ imageUrl, ...rest }) => {
    if (!imageUrl) return rest;
    const res = await fetch(imageUrl);
    if (!res.ok) throw new Error(`[GeometryPage] ${imageUrl}: HTTP ${res.status}`);
    return { ...rest, imageBytes: await res.arrayBuffer() };
  }));
}

function inWorker(cases: GeometryCase[], options: GeometryRunOptions): Promise<GeometryRunResult> {
  const worker = new Worker(new URL('./geometry-worker.ts', import.meta.url), { type: 'module' });
  return new Promise<GeometryRunResult>((resolve, reject) => {
    worker.onmessage = (ev: MessageEvent<{ ok: boolean; result?: GeometryRunResult; error?: string }>) => {
      worker.terminate();
      if (ev.data.ok && ev.data.result) resolve(ev.data.result);
      else reject(new Error(ev.data.error ?? '[GeometryPage] worker failed'));
    };
    worker.onerror = (ev) => {
      worker.terminate();
      reject(new Error(`[GeometryPage] worker error: ${ev.message}`));
    };
    worker.postMessage({ cases, options }, cases.flatMap((c) => (c.imageBytes ? [c.imageBytes] : [])));
  });
}

async function run(realm: 'main' | 'worker', specs: GeometryCaseSpec[], options: GeometryRunOptions): Promise<GeometryRunResult> {
  const cases = await load(specs);
  return realm === 'worker' ? inWorker(cases, options) : runGeometryCases('main', cases, options);
}

const api = { run };
/** What tests call through tests/support/pages.ts pageApi(page, 'geometryTest'). */
export type GeometryTestApi = typeof api;
(window as unknown as { geometryTest: GeometryTestApi }).geometryTest = api;
document.title = 'ready';
