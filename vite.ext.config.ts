/**
 * The Chrome extension build (`npm run build:ext`): extension/ -> dist/extension (load unpacked) and
 * dist/relight-extension.zip. See extension/README.md for the architecture.
 *
 * Three kinds of output, because Chrome loads them three ways:
 * 1. ES modules with code-split chunks (this config's own build): the popup page, the background service worker
 *    (`"type": "module"`), and the engine: `engine/relight-host.js`, which the bridge loads with `import()` on the
 *    first camera, and the worker bundle `worker/engine.worker.js` (Vite's `?worker&url`), which a blob: worker
 *    imports. Assets keep readable, stable names: wasm/ (tasks-vision, onnxruntime-web) and models/ (.tflite,
 *    .task, .onnx), i.e. the layout src/segmentation/mediapipe-assets.ts documents for `assetBaseUrl`.
 * 2. Classic scripts (IIFE, one build each, in `closeBundle`): the two content scripts. Content scripts cannot be
 *    modules, and they load on every page, so they hold no engine code (a few KB each).
 * 3. Generated files: manifest.json (web_accessible_resources = exactly the files page-side code loads, computed
 *    from the bundle graph), icons, and the zip (scripts/lib/zip.mjs: deterministic, on node:zlib, no zip CLI needed).
 */
import { defineConfig, build, type Plugin, type Rollup } from 'vite';
import { resolve, dirname, relative, sep } from 'node:path';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { PNG } from 'pngjs';
import { zipBytes } from './scripts/lib/zip.mjs';

const ROOT = import.meta.dirname;
const SRC_DIR = resolve(ROOT, 'extension');
const OUT_DIR = resolve(ROOT, 'dist/extension');
const ZIP_PATH = resolve(ROOT, 'dist/relight-extension.zip');

/** Files the engine loads by name under `assetBaseUrl` (see mediapipe-assets.ts, face-landmarks.ts). */
const REQUIRED_ASSETS = [
  'wasm/vision_wasm_module_internal.js',
  'wasm/vision_wasm_module_internal.wasm',
  'models/selfie_segmenter.tflite',
  'models/selfie_segmenter_landscape.tflite',
  'models/face_landmarker.task',
];

/** Directories every file of which is loaded from page contexts (the worker, wasm, models). */
const PAGE_SIDE_DIRS = ['worker/', 'wasm/', 'models/'];
const ENGINE_ENTRY = 'engine/relight-host.js';

function assetFileName(info: { names?: string[]; name?: string }): string {
  const name = info.names?.[0] ?? info.name ?? '';
  if (/\.(wasm|mjs)$/.test(name) || /^(vision_wasm_|ort-wasm)/.test(name)) return 'wasm/[name][extname]';
  if (/\.(tflite|task|onnx|binarypb)$/.test(name)) return 'models/[name][extname]';
  return 'assets/[name]-[hash][extname]';
}

const sharedOutput = {
  format: 'es' as const,
  chunkFileNames: 'chunks/[name]-[hash].js',
  assetFileNames: assetFileName,
};

export default defineConfig({
  root: SRC_DIR,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  define: { __RELIGHT_DEV_BUILD__: 'false' },
  worker: {
    format: 'es',
    rolldownOptions: {
      output: { entryFileNames: 'worker/[name].js', chunkFileNames: 'worker/[name]-[hash].js', assetFileNames: assetFileName },
    },
  },
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    target: 'es2022',
    // Readable output (the large parts, ORT and tasks-vision, come minified anyway); no source maps shipped.
    minify: false,
    sourcemap: false,
    // No <link rel=modulepreload> injection: engine chunks run inside web pages (isolated world) and workers.
    modulePreload: false,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
    rolldownOptions: {
      // Keep the engine entry's exports (app builds drop entry exports by default).
      preserveEntrySignatures: 'exports-only',
      input: {
        popup: resolve(SRC_DIR, 'popup.html'),
        background: resolve(SRC_DIR, 'background/background.ts'),
        'relight-host': resolve(SRC_DIR, 'engine/relight-host.ts'),
      },
      output: {
        ...sharedOutput,
        entryFileNames: (chunk) => (chunk.name === 'background' ? 'background.js' : chunk.name === 'relight-host' ? ENGINE_ENTRY : 'popup/[name]-[hash].js'),
      },
    },
  },
  plugins: [relightExtension()],
});

function relightExtension(): Plugin {
  let webAccessible: string[] = [];
  return {
    name: 'relight-extension',
    apply: 'build',
    generateBundle(_options, bundle) {
      webAccessible = pageSideFiles(bundle);
    },
    async closeBundle() {
      await buildContentScript('page/gum-patch.ts', 'content/gum-patch.js');
      await buildContentScript('content/bridge.ts', 'content/bridge.js');
      writeIcons();
      writeManifest(webAccessible);
      checkOutput(webAccessible);
      const zipBytes = writeZip(OUT_DIR, ZIP_PATH);
      console.log(`[ExtensionBuild] ${OUT_DIR} (${webAccessible.length} web-accessible files), ${ZIP_PATH} (${(zipBytes / 1e6).toFixed(1)} MB)`);
    },
  };
}

/** The engine entry's chunk closure (static + dynamic imports) and its assets, plus worker/, wasm/, models/. */
function pageSideFiles(bundle: Rollup.OutputBundle): string[] {
  const files = new Set<string>();
  const visit = (fileName: string) => {
    if (files.has(fileName)) return;
    const item = bundle[fileName];
    if (!item) return;
    files.add(fileName);
    if (item.type !== 'chunk') return;
    for (const dep of [...item.imports, ...item.dynamicImports]) visit(dep);
    const meta = (item as Rollup.OutputChunk & { viteMetadata?: { importedAssets: Set<string> } }).viteMetadata;
    for (const asset of meta?.importedAssets ?? []) files.add(asset);
  };
  visit(ENGINE_ENTRY);
  if (!files.has(ENGINE_ENTRY)) throw new Error(`[ExtensionBuild] ${ENGINE_ENTRY} missing from the bundle`);
  for (const fileName of Object.keys(bundle)) if (PAGE_SIDE_DIRS.some((d) => fileName.startsWith(d))) files.add(fileName);
  return [...files].sort();
}

async function buildContentScript(entry: string, fileName: string): Promise<void> {
  await build({
    configFile: false,
    root: SRC_DIR,
    logLevel: 'warn',
    publicDir: false,
    define: { __RELIGHT_DEV_BUILD__: 'false' },
    build: {
      outDir: OUT_DIR,
      emptyOutDir: false,
      target: 'es2022',
      minify: false,
      modulePreload: false,
      reportCompressedSize: false,
      copyPublicDir: false,
      rolldownOptions: {
        input: resolve(SRC_DIR, entry),
        output: { format: 'iife', entryFileNames: fileName, codeSplitting: false },
      },
    },
  });
}

function writeManifest(webAccessible: string[]): void {
  const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
  const icons = Object.fromEntries(ICON_SIZES.map((s) => [String(s), `icons/icon-${s}.png`]));
  const manifest = {
    manifest_version: 3,
    name: 'Relight: studio lighting for video calls',
    short_name: 'Relight',
    version: pkg.version,
    description: 'Relights your face in any web video call, on your computer: no uploads, no network.',
    // MAIN-world content scripts declared in the manifest: Chrome 111. MediaStreamTrackProcessor/Generator: 94.
    minimum_chrome_version: '111',
    permissions: ['storage'],
    background: { service_worker: 'background.js', type: 'module' },
    action: { default_popup: 'popup.html', default_title: 'Relight', default_icon: icons },
    icons,
    content_scripts: [
      { matches: ['<all_urls>'], js: ['content/gum-patch.js'], run_at: 'document_start', all_frames: true, world: 'MAIN' },
      { matches: ['<all_urls>'], js: ['content/bridge.js'], run_at: 'document_start', all_frames: true },
    ],
    content_security_policy: { extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'" },
    web_accessible_resources: [{ resources: webAccessible, matches: ['<all_urls>'] }],
  };
  writeFileSync(resolve(OUT_DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function checkOutput(webAccessible: string[]): void {
  const missing = [
    ...REQUIRED_ASSETS.filter((f) => !webAccessible.includes(f)).map((f) => `${f} (not web-accessible)`),
    ...[...webAccessible, 'content/gum-patch.js', 'content/bridge.js', 'background.js', 'popup.html']
      .filter((f) => !existsSync(resolve(OUT_DIR, f))),
  ];
  if (missing.length) {
    throw new Error(`[ExtensionBuild] missing from dist/extension: ${missing.join(', ')} (did \`npm run build:models\` run?)`);
  }
  for (const f of ['content/gum-patch.js', 'content/bridge.js']) {
    const code = readFileSync(resolve(OUT_DIR, f), 'utf8');
    // Content scripts are classic scripts: a static import would be a syntax error; engine code would be waste.
    if (/^\s*import\s[^(]/m.test(code)) throw new Error(`[ExtensionBuild] ${f} has a static import`);
    if (code.length > 64_000) throw new Error(`[ExtensionBuild] ${f} is ${code.length} bytes: engine code leaked into a content script`);
  }
}

// ---- icons: a lit sphere (key light from the upper left), drawn here so no binary is kept in the repo.

const ICON_SIZES = [16, 32, 48, 128];

function writeIcons(): void {
  mkdirSync(resolve(OUT_DIR, 'icons'), { recursive: true });
  for (const size of ICON_SIZES) {
    const png = new PNG({ width: size, height: size });
    const light = normalize([-0.55, -0.6, 0.58]);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = (y * size + x) * 4;
        const nx = ((x + 0.5) / size) * 2 - 1;
        const ny = ((y + 0.5) / size) * 2 - 1;
        const r2 = nx * nx + ny * ny;
        const edge = Math.min(1, Math.max(0, (1 - Math.sqrt(r2)) * size * 0.5)); // anti-aliased rim
        const nz = Math.sqrt(Math.max(0, 1 - r2));
        const lambert = Math.max(0, nx * light[0] + ny * light[1] + nz * light[2]);
        const shade = 0.18 + 0.82 * lambert;
        png.data[i] = Math.round(255 * Math.min(1, shade * 1.05));
        png.data[i + 1] = Math.round(255 * Math.min(1, shade * 0.72));
        png.data[i + 2] = Math.round(255 * Math.min(1, shade * 0.32));
        png.data[i + 3] = Math.round(255 * edge);
      }
    }
    writeFileSync(resolve(OUT_DIR, `icons/icon-${size}.png`), PNG.sync.write(png));
  }
}

function normalize(v: number[]): [number, number, number] {
  const n = Math.hypot(...v);
  return [v[0]! / n, v[1]! / n, v[2]! / n];
}

// ---- zip: deflated where smaller, fixed timestamps (same input -> same bytes), no external tool (scripts/lib/zip.mjs).

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = resolve(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/** Writes a zip of `dir`'s files (paths relative to it) and returns its size in bytes. */
export function writeZip(dir: string, zipPath: string): number {
  const files = listFiles(dir).map((file) => ({ name: relative(dir, file).split(sep).join('/'), bytes: readFileSync(file) }));
  const bytes = zipBytes(files, { deflate: true, date: [2024, 1, 1], unixMode: 0o100644 });
  mkdirSync(dirname(zipPath), { recursive: true });
  rmSync(zipPath, { force: true });
  writeFileSync(zipPath, bytes);
  return bytes.length;
}
