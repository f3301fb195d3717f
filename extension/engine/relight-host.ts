/**
 * The engine entry the bridge loads with `import()` on the first camera of a page (built as an ES module with
 * code-split chunks; web-accessible, because the import happens from the page's origin). It runs in the content
 * script's isolated world and wires the library for the extension:
 *
 * - `workerFactory`: a module Worker from a blob: URL whose only line imports our packaged worker bundle. A page
 *   cannot start a worker from a chrome-extension:// URL directly, and the blob keeps the worker in the page's
 *   origin, where the engine's own imports of packaged files (web-accessible) work. A CSP `worker-src` that
 *   excludes blob: blocks it; the relighter then runs the same engine on this thread (host 'main') and reports why.
 * - `assetBaseUrl`: the extension root, where the build puts models/ and wasm/ (vite.ext.config.ts), so nothing is
 *   ever fetched from the network.
 * - Developer overrides from storage (stage, segmenter, geometry, host) for tests and diagnosis.
 */
import { createRelighter, type Relighter } from '../../src/index.js';
import type { RelightSettings } from '../../src/core/settings.js';
import type { GeometryKind, SegmenterKind, StageKind } from '../../src/pipeline/factories.js';
import type { DevOptions, GeometryName, SegmenterName, StageName } from '../shared/stored-state.js';
import workerBundleUrl from '../../src/worker/engine.worker.ts?worker&url';

// stored-state.ts keeps its own copies of the engine's kind names (to stay small); this fails to compile when they
// drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesMatch: Same<StageName, StageKind> & Same<SegmenterName, SegmenterKind> & Same<GeometryName, GeometryKind> = true;
void namesMatch;

export interface RelightHostModule {
  startRelighter(camera: MediaStream, settings: RelightSettings, dev: DevOptions): Promise<Relighter>;
}

/** Packaged files live at the extension root: engine/ (this module), worker/, wasm/, models/. */
const EXTENSION_ROOT = new URL(/* @vite-ignore */ '../', import.meta.url).href;

export function blobWorkerFactory(): Worker {
  const bundle = new URL(workerBundleUrl, import.meta.url).href;
  const blobUrl = URL.createObjectURL(new Blob([`import ${JSON.stringify(bundle)};\n`], { type: 'text/javascript' }));
  try {
    return new Worker(blobUrl, { type: 'module', name: 'relight-engine' });
  } finally {
    // The worker fetches its script asynchronously: revoke only once that has surely happened.
    setTimeout(() => URL.revokeObjectURL(blobUrl), 30_000);
  }
}

export async function startRelighter(camera: MediaStream, settings: RelightSettings, dev: DevOptions): Promise<Relighter> {
  return createRelighter(camera, {
    settings,
    host: dev.host ?? 'auto',
    stage: dev.stage ?? 'relight',
    segmenter: dev.segmenter ?? 'mediapipe',
    geometry: dev.geometry ?? 'student',
    workerFactory: blobWorkerFactory,
    assetBaseUrl: EXTENSION_ROOT,
  });
}
