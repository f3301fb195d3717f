/**
 * The library build (`npm run build:lib`): src/ -> dist/lib, an ES-module package a web app can import without a
 * bundler (examples/embed/) or through its own bundler (Vite, webpack). See docs/EMBED.md for the consumer side.
 *
 * Layout of dist/lib (and why):
 * - `relight.js` (src/lib.ts: createRelighter, settings, asset layout), `element.js` (registers <rl-relight-video>),
 *   `ui.js` (every rl-* control): the public entries, with `.d.ts` facades beside them. Every other module keeps its
 *   source path (`preserveModules`), so a host bundler tree-shakes per module and `sideEffects` can name exactly
 *   the files that register custom elements. Dependencies (lit, onnxruntime-web, tasks-vision, three) are bundled
 *   under vendor/: the wasm we ship must match the JS that loads it, so the host must not bring its own versions.
 * - `wasm/`, `models/`: the assets, under stable names, in exactly the layout `assetBaseUrl` expects, so dist/lib is
 *   itself a valid asset base and a host that serves the files itself copies the two folders unchanged.
 * - `workers/engine.worker.js`, `workers/hdr-decode.worker.js`: each worker as ONE minified file (no chunks), so it
 *   still works when a host bundler treats it as a plain asset.
 *
 * Vite writes asset and worker URLs in a form only Vite itself reads back
 * (`new URL(new URL("x", import.meta.url).href, "" + import.meta.url)`); `canonicalUrls` rewrites them to the form
 * browsers, Vite and webpack all understand: `new URL("x", import.meta.url)` and
 * `new Worker(new URL("x", import.meta.url), {type: "module"})`. `checkLibrary` then fails the build if any such
 * literal URL points at a file that is not in dist/lib (a host bundler would fail on it), or if an asset is missing.
 * Types: `tsc -p tsconfig.lib.json` runs after this build (emitDeclarationOnly, same paths as the JS).
 */
import { defineConfig, type Plugin, type Rollup } from 'vite';
import { resolve, dirname, relative, posix } from 'node:path';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';

const ROOT = import.meta.dirname;
const SRC = resolve(ROOT, 'src');
const OUT_DIR = resolve(ROOT, 'dist/lib');

/** Public entries: output name -> source. The `.d.ts` facade of each re-exports the source's declarations. */
const ENTRIES: Record<string, string> = {
  relight: 'src/lib.ts',
  element: 'src/ui/relight-video-element.ts',
  ui: 'src/ui/index.ts',
};

/** Files the engine loads by name under `assetBaseUrl` (src/lib.ts RELIGHT_ASSET_FILES; checked to exist here). */
export const LIB_ASSET_FILES = [
  'wasm/vision_wasm_module_internal.js',
  'wasm/vision_wasm_module_internal.wasm',
  'models/selfie_segmenter.tflite',
  'models/selfie_segmenter_landscape.tflite',
  'models/face_landmarker.task',
  'models/student.onnx',
  'wasm/ort-wasm-simd-threaded.wasm',
  'wasm/ort-wasm-simd-threaded.mjs',
  'wasm/ort-wasm-simd-threaded.asyncify.wasm',
  'wasm/ort-wasm-simd-threaded.asyncify.mjs',
];

const WORKER_FILES = ['workers/engine.worker.js', 'workers/hdr-decode.worker.js'];

function assetFileName(info: { names?: string[]; name?: string }): string {
  const name = info.names?.[0] ?? info.name ?? '';
  if (/\.(wasm|mjs)$/.test(name) || /^(vision_wasm_|ort-wasm)/.test(name)) return 'wasm/[name][extname]';
  if (/\.(tflite|task|onnx|binarypb)$/.test(name)) return 'models/[name][extname]';
  return 'assets/[name]-[hash][extname]';
}

/** preserveModules names: our modules keep their src/ path; node_modules and helpers go under vendor/. */
function moduleFileName(chunk: Rollup.PreRenderedChunk): string {
  if (chunk.isEntry && chunk.name in ENTRIES) return '[name].js';
  const id = chunk.facadeModuleId ?? '';
  // `?url` imports become tiny modules that export a URL; name them for what they are.
  if (id.endsWith('?url')) return `vendor/urls/${posix.basename(id.slice(0, -4))}.url.js`;
  const name = chunk.name.replace(/^node_modules\//, 'vendor/').replace(/^_virtual\//, 'vendor/_virtual/').replace(/@/g, '');
  return `${name}.js`;
}

export default defineConfig({
  root: ROOT,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  define: { __RELIGHT_DEV_BUILD__: 'false' },
  // Production builds of the dependencies (Lit's dev build warns in every host) whatever NODE_ENV says: a build
  // started from a test runner inherits NODE_ENV=test, which would make Vite pick the `development` condition.
  resolve: { conditions: ['module', 'browser', 'production'] },
  worker: {
    format: 'es',
    rolldownOptions: {
      checks: { bundlerTimings: false },
      output: { entryFileNames: 'workers/[name].js', assetFileNames: assetFileName, codeSplitting: false, minify: true },
    },
  },
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    target: 'es2022',
    // Readable modules: the host's bundler minifies (ORT and tasks-vision come minified anyway).
    minify: false,
    sourcemap: false,
    modulePreload: false,
    assetsInlineLimit: 0,
    copyPublicDir: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      preserveEntrySignatures: 'strict',
      // The timing report blames Vite's own asset plugins (copying 60 MB of wasm): noise for this build.
      checks: { bundlerTimings: false },
      input: Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, resolve(ROOT, v)])),
      output: {
        format: 'es',
        preserveModules: true,
        preserveModulesRoot: SRC,
        entryFileNames: moduleFileName,
        assetFileNames: assetFileName,
      },
    },
  },
  plugins: [relightLibrary()],
});

function relightLibrary(): Plugin {
  return {
    name: 'relight-library',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const item of Object.values(bundle)) {
        if (item.type !== 'chunk') continue;
        item.code = withoutPreloadHelper(canonicalUrls(item.code, item.fileName));
      }
      for (const fileName of Object.keys(bundle)) if (/preload-helper\.js$/.test(fileName)) delete bundle[fileName];
    },
    closeBundle() {
      for (const [name, src] of Object.entries(ENTRIES)) {
        const target = `./${relative(SRC, resolve(ROOT, src)).replace(/\.ts$/, '.js')}`;
        writeFileSync(resolve(OUT_DIR, `${name}.d.ts`), `export * from '${target}';\n`);
      }
      writePackageJson();
      // Worker bundles are separate builds: canonicalise their URLs too (ORT's self-reference lives there).
      for (const f of WORKER_FILES) {
        const p = resolve(OUT_DIR, f);
        if (existsSync(p)) writeFileSync(p, canonicalUrls(readFileSync(p, 'utf8'), f));
      }
      checkLibrary();
      console.log(`[LibraryBuild] ${OUT_DIR}: ${Object.keys(ENTRIES).map((e) => `${e}.js`).join(', ')}, ${WORKER_FILES.length} workers, ${LIB_ASSET_FILES.length} assets`);
    },
  };
}

/**
 * Rewrites the URL forms Vite emits into `new URL("literal", import.meta.url)`, and neutralises
 * onnxruntime-web's reference to its own original file name (`ort.wasm.bundle.min.mjs`): that branch only runs
 * under Node (`file:` URLs), but a bundler would try to resolve the literal and fail. Its browser branch is
 * `new URL(import.meta.url)`, which is what we substitute.
 */
export function canonicalUrls(code: string, fileName: string): string {
  const nested = /new URL\(\s*(?:\/\* @vite-ignore \*\/\s*)?new URL\(("[^"\n]+"), import\.meta\.url\)\.href,\s*(?:"" \+ import\.meta\.url|import\.meta\.url)\s*\)/g;
  let out = code.replace(nested, 'new URL($1, import.meta.url)');
  out = out.replace(/new URL\("ort\.(?:wasm|webgpu)\.bundle\.min\.mjs", import\.meta\.url\)/g, 'new URL(import.meta.url)');
  if (/"" \+ import\.meta\.url/.test(out)) {
    throw new Error(`[LibraryBuild] ${fileName}: a Vite-only URL form is left (the rewrite in canonicalUrls needs updating)`);
  }
  return out;
}

/**
 * Vite wraps every dynamic import of an app build in `__vitePreload(() => import(...), deps, import.meta.url)`
 * (only `build.lib` mode skips it, and that mode inlines every asset as base64). In a library the wrapper is dead
 * weight (no deps to preload here) and it breaks the host: the host's Vite injects its own `__vitePreload` import
 * into our modules, which then declare it twice. Our modules get a one-line local loader under another name.
 */
export function withoutPreloadHelper(code: string): string {
  const imported = /^import \{ __vitePreload \} from "[^"]*preload-helper\.js";$/m;
  if (!imported.test(code)) return code;
  return code
    .replace(imported, 'const __relightLoad = (load) => load();')
    .replace(/\b__vitePreload\b/g, '__relightLoad');
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = resolve(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/** The checks a host bundler would make, done here so that a broken library never leaves this build. */
function checkLibrary(): void {
  const problems: string[] = [];
  for (const f of [...LIB_ASSET_FILES, ...WORKER_FILES, ...Object.keys(ENTRIES).flatMap((e) => [`${e}.js`, `${e}.d.ts`])]) {
    if (!existsSync(resolve(OUT_DIR, f))) problems.push(`${f} is missing`);
  }
  const literal = /new URL\("([^"\n]+)", import\.meta\.url\)/g;
  // wasm/ holds assets (loaded by URL, never bundled): their own internals are not the host's business.
  for (const file of listFiles(OUT_DIR).filter((f) => f.endsWith('.js') && !f.startsWith(`${OUT_DIR}/wasm/`))) {
    const code = readFileSync(file, 'utf8');
    const rel = relative(OUT_DIR, file);
    for (const m of code.matchAll(literal)) {
      const target = resolve(dirname(file), m[1]!);
      if (!existsSync(target)) problems.push(`${rel}: new URL("${m[1]}") points at a missing file`);
      else if (!target.startsWith(`${OUT_DIR}/`)) problems.push(`${rel}: new URL("${m[1]}") points outside dist/lib`);
    }
    // Statement-level imports only (minified code has strings like `"copy-from"`).
    if (/__vitePreload|preload-helper/.test(code)) problems.push(`${rel}: Vite's preload helper is left (see withoutPreloadHelper)`);
    if (/^\s*(?:import|export)\b[^;\n]*?\bfrom\s*["'](?![./])|^\s*import\s*["'](?![./])|\bimport\(\s*["'](?![./])/m.test(code)) {
      problems.push(`${rel}: a bare import is left (dependencies must be bundled)`);
    }
  }
  if (listFiles(OUT_DIR).some((f) => f.includes('/development/'))) problems.push('a development build of a dependency was bundled (resolve.conditions)');
  const worker = readFileSync(resolve(OUT_DIR, 'worker/worker-processor.js'), 'utf8');
  if (!/new Worker\(new URL\("\.\.\/workers\/engine\.worker\.js", import\.meta\.url\)/.test(worker)) {
    problems.push('worker/worker-processor.js does not create the engine worker as new Worker(new URL("../workers/engine.worker.js", import.meta.url))');
  }
  if (problems.length) {
    throw new Error(`[LibraryBuild] dist/lib is not usable (did \`npm run build:models\` run?):\n  ${problems.join('\n  ')}`);
  }
}

/** dist/lib/package.json: makes dist/lib an installable package (`npm install path/to/dist/lib`). */
function writePackageJson(): void {
  const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string; description: string };
  const entry = (name: string) => ({ types: `./${name}.d.ts`, default: `./${name}.js` });
  const lib = {
    name: 'relight',
    version: pkg.version,
    private: true,
    description: pkg.description,
    type: 'module',
    main: './relight.js',
    module: './relight.js',
    types: './relight.d.ts',
    exports: {
      '.': entry('relight'),
      './element': entry('element'),
      './ui': entry('ui'),
      './wasm/*': './wasm/*',
      './models/*': './models/*',
      './package.json': './package.json',
    },
    // Only the modules that register custom elements (and the entries that import them for that purpose).
    sideEffects: ['./element.js', './ui.js', './ui/*-element.js'],
  };
  writeFileSync(resolve(OUT_DIR, 'package.json'), `${JSON.stringify(lib, null, 2)}\n`);
}
