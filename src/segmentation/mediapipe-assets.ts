/**
 * Where MediaPipe's wasm and our segmenter models come from, and how a tasks-vision task is created in any realm.
 *
 * Default URLs are resolved by the bundler from node_modules and models/generated (never a CDN). A host that
 * serves assets elsewhere (the extension, an embedding page) passes `assetBaseUrl` and lays the files out as
 * `SEGMENTER_ASSET_FILES` says (relative to the base).
 *
 * Why the ES-module build of the wasm loader (`vision_wasm_module_internal.js`) in every realm: tasks-vision
 * loads its loader with a <script> tag on pages and `importScripts` in classic workers; in a MODULE worker
 * importScripts throws a TypeError and tasks-vision falls back to `import()`, which only defines the global
 * `ModuleFactory` with the module build (the classic build's `var ModuleFactory` stays module-scoped:
 * "ModuleFactory not set."). A second task in the same worker would still fail, because `import()` of the same
 * URL does not re-run the module while tasks-vision clears `self.ModuleFactory` after every creation. So we
 * import the loader ourselves, install its default export as `globalThis.ModuleFactory` before each creation,
 * and pass an empty `wasmLoaderPath` so tasks-vision loads nothing itself (it only loads when the path is
 * non-empty). One code path for page and worker, no <script> injection, one 13 MB wasm shipped.
 *
 * Metrics: tasks-vision 1.1.0 attaches a usage-metrics uploader to every task that POSTs to
 * https://odml.pa.googleapis.com/v1/log every 60 s and on close() (its README: the app must obtain the users'
 * consent). A video-call relighter must not phone home, so `createVisionTask` switches it off on each task it
 * creates (`disableTaskMetrics`); the browser tests assert that no request leaves 127.0.0.1.
 */
import type { FilesetResolver } from '@mediapipe/tasks-vision';
import wasmLoaderDefaultUrl from '@mediapipe/tasks-vision/vision_wasm_module_internal.js?url';
import wasmBinaryDefaultUrl from '@mediapipe/tasks-vision/vision_wasm_module_internal.wasm?url';
import { RelightError, describeError } from '../core/errors.js';

export type SegmenterModelVariant = 'general' | 'landscape';

/** Model input size = mask size, per variant (from the .tflite input tensors: 1xHxWx3). */
export const SEGMENTER_MODEL_SIZES: Readonly<Record<SegmenterModelVariant, { widthPx: number; heightPx: number }>> = {
  general: { widthPx: 256, heightPx: 256 },
  landscape: { widthPx: 256, heightPx: 144 },
};

/** File layout under `assetBaseUrl`, for hosts that copy the assets (source: node_modules, models/generated). */
export const SEGMENTER_ASSET_FILES = {
  wasmLoader: 'wasm/vision_wasm_module_internal.js',
  wasmBinary: 'wasm/vision_wasm_module_internal.wasm',
  models: {
    general: 'models/selfie_segmenter.tflite',
    landscape: 'models/selfie_segmenter_landscape.tflite',
  } as Readonly<Record<SegmenterModelVariant, string>>,
} as const;

export interface SegmenterAssetUrls {
  wasmLoaderUrl: string;
  wasmBinaryUrl: string;
  modelUrl: string;
}

function defaultModelUrl(variant: SegmenterModelVariant): string {
  // Literal `new URL(..., import.meta.url)` so Vite emits the generated files as assets in builds.
  return variant === 'landscape'
    ? new URL('../../models/generated/selfie_segmenter_landscape.tflite', import.meta.url).href
    : new URL('../../models/generated/selfie_segmenter.tflite', import.meta.url).href;
}

/** Absolute URLs of the three files, from the bundle or from `assetBaseUrl`. */
export function resolveSegmenterAssets(variant: SegmenterModelVariant, assetBaseUrl?: string): SegmenterAssetUrls {
  if (assetBaseUrl) {
    const base = new URL(assetBaseUrl.endsWith('/') ? assetBaseUrl : `${assetBaseUrl}/`, globalThis.location?.href);
    return {
      wasmLoaderUrl: new URL(SEGMENTER_ASSET_FILES.wasmLoader, base).href,
      wasmBinaryUrl: new URL(SEGMENTER_ASSET_FILES.wasmBinary, base).href,
      modelUrl: new URL(SEGMENTER_ASSET_FILES.models[variant], base).href,
    };
  }
  // Bundler URLs may be root-relative ('/node_modules/...', '/assets/...'); make them absolute for import().
  return {
    wasmLoaderUrl: new URL(wasmLoaderDefaultUrl, import.meta.url).href,
    wasmBinaryUrl: new URL(wasmBinaryDefaultUrl, import.meta.url).href,
    modelUrl: defaultModelUrl(variant),
  };
}

/** Fetches a model file, with an error that says what to do when it is missing. */
export async function fetchModelBytes(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new RelightError('segmenter-failed', `[MediaPipeAssets] cannot fetch model ${url}: ${describeError(e)}`, { cause: e });
  }
  if (!res.ok) {
    throw new RelightError('segmenter-failed',
      `[MediaPipeAssets] model ${url} answered HTTP ${res.status} (run \`npm run build:models\`?)`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

/** tasks-vision's WasmFileset (declared but not exported by its typings). */
export type WasmFileset = Awaited<ReturnType<typeof FilesetResolver.forVisionTasks>>;

type ModuleFactoryGlobal = { ModuleFactory?: unknown };

/** Realm-wide queue: tasks-vision's `ModuleFactory` global must not be shared by two creations at once. */
let creationQueue: Promise<unknown> = Promise.resolve();

/**
 * Creates a tasks-vision task (ImageSegmenter, FaceLandmarker, ...) from our own loader and wasm URLs, in a page,
 * a module worker or a classic worker. Creations in one realm run one at a time.
 */
export function createVisionTask<T>(
  urls: Pick<SegmenterAssetUrls, 'wasmLoaderUrl' | 'wasmBinaryUrl'>,
  create: (fileset: WasmFileset) => Promise<T>,
): Promise<T> {
  const run = creationQueue.then(async () => {
    let factory: unknown;
    try {
      const mod = (await import(/* @vite-ignore */ urls.wasmLoaderUrl)) as { default?: unknown };
      factory = mod.default;
    } catch (e) {
      throw new RelightError('segmenter-failed',
        `[MediaPipeAssets] cannot load wasm loader ${urls.wasmLoaderUrl}: ${describeError(e)}`, { cause: e });
    }
    if (typeof factory !== 'function') {
      throw new RelightError('segmenter-failed', `[MediaPipeAssets] ${urls.wasmLoaderUrl} has no default ModuleFactory`);
    }
    (globalThis as ModuleFactoryGlobal).ModuleFactory = factory;
    try {
      const task = await create({ wasmLoaderPath: '', wasmBinaryPath: urls.wasmBinaryUrl });
      disableTaskMetrics(task);
      return task;
    } finally {
      // tasks-vision clears it after a successful creation; clear it after a failed one too.
      (globalThis as ModuleFactoryGlobal).ModuleFactory = undefined;
    }
  });
  creationQueue = run.catch(() => undefined);
  return run;
}

/**
 * Stops tasks-vision's metrics uploader on `task`. The uploader is a minified object two levels down
 * (task -> metrics recorder -> uploader) with the unminified methods `flush` and `close`; setting its `error`
 * makes `flush` a no-op and stops it from queueing records, and `close()` clears its 60 s timer. Found by shape,
 * not by minified name; if a tasks-vision update moves it, we warn (and the no-network browser test fails).
 */
export function disableTaskMetrics(task: unknown): boolean {
  type Uploader = { flush: () => void; close: () => void; error?: unknown };
  const isUploader = (v: unknown): v is Uploader =>
    typeof v === 'object' && v !== null && typeof (v as Uploader).flush === 'function' &&
    typeof (v as Uploader).close === 'function' && Object.values(v).some(Array.isArray); // its record queue
  let found = 0;
  if (typeof task === 'object' && task !== null) {
    for (const recorder of Object.values(task)) {
      if (typeof recorder !== 'object' || recorder === null) continue;
      for (const uploader of Object.values(recorder)) {
        if (!isUploader(uploader)) continue;
        uploader.error = new Error('[MediaPipeAssets] metrics upload disabled');
        uploader.close();
        found++;
      }
    }
  }
  if (found === 0) console.warn('[MediaPipeAssets] could not find the tasks-vision metrics uploader to disable');
  return found > 0;
}
