/**
 * Node-side plumbing shared by scripts/bench.mjs and scripts/eval.mjs: a Vite dev server that also serves a data
 * folder and generated files, Debian Chromium through playwright-core with the flags that work here
 * (../shared/NOTES.md), clip decoding with ffmpeg, process memory of one browser, and Markdown tables.
 *
 * Routes added to the dev server (the repo root is served as usual, pages import src/ directly):
 * - GET /__data/<path>       a file under the data folder (any size, streamed)
 * - GET /__data-list/<path>  JSON array of the entry names of a folder under it ([] when absent)
 * - GET /__gen/<name>        a file registered with `serveFile(name, path)` (decoded clips, generated models)
 */
import { createServer } from 'vite';
import { chromium } from 'playwright-core';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, normalize, sep } from 'node:path';
import { execFileSync } from 'node:child_process';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `--name value` / `--flag` options after `--` (npm run X -- --json f). */
export function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const key = a.slice(2);
    const next = argv[i + 1];
    if (typeof defaults[key] === 'boolean') out[key] = true;
    else if (next !== undefined && !next.startsWith('--')) { out[key] = next; i++; }
    else throw new Error(`[args] --${key} needs a value`);
  }
  return out;
}

function inside(base, rel) {
  const p = normalize(join(base, decodeURIComponent(rel)));
  if (p !== base && !p.startsWith(base + sep)) return null;
  return p;
}

/** Starts the repo's Vite dev server plus the data routes. Returns { url, serveFile, close }. */
export async function startServer({ dataDir } = {}) {
  const generated = new Map();
  const dataRoot = dataDir ? resolve(dataDir) : null;
  const plugin = {
    name: 'relight-measure-routes',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const send = (path, type) => {
          const st = statSync(path);
          res.setHeader('Content-Type', type);
          res.setHeader('Content-Length', String(st.size));
          res.setHeader('Cache-Control', 'no-store');
          createReadStream(path).pipe(res);
        };
        if (url.pathname.startsWith('/__gen/')) {
          const p = generated.get(decodeURIComponent(url.pathname.slice('/__gen/'.length)));
          if (!p || !existsSync(p)) { res.statusCode = 404; res.end('not generated'); return; }
          send(p, 'application/octet-stream');
          return;
        }
        if (dataRoot && url.pathname.startsWith('/__data-list/')) {
          const p = inside(dataRoot, url.pathname.slice('/__data-list/'.length));
          let names = [];
          try {
            if (p && existsSync(p) && statSync(p).isDirectory()) names = readdirSync(p).sort();
          } catch { names = []; }
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify(names));
          return;
        }
        if (dataRoot && url.pathname.startsWith('/__data/')) {
          const p = inside(dataRoot, url.pathname.slice('/__data/'.length));
          if (!p || !existsSync(p) || !statSync(p).isFile()) { res.statusCode = 404; res.end('no such data file'); return; }
          send(p, 'application/octet-stream');
          return;
        }
        next();
      });
    },
  };
  const server = await createServer({
    configFile: resolve(ROOT, 'vite.config.ts'), root: ROOT, logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, hmr: false }, plugins: [plugin],
  });
  await server.listen();
  const url = `http://127.0.0.1:${server.httpServer.address().port}`;
  return {
    url,
    serveFile: (name, path) => { generated.set(name, path); return `/__gen/${name}`; },
    close: () => server.close(),
  };
}

/**
 * Launches Chromium with a fresh profile. `fakeVideo`: a y4m served as the camera. `webgpu`: adds
 * --enable-unsafe-webgpu (SwiftShader here: never use it for timings). Returns { context, userDataDir, newPage, close }.
 */
export async function launchChromium({ fakeVideo, webgpu = false, extraArgs = [] } = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'rl-measure-'));
  const args = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];
  if (fakeVideo) args.push(`--use-file-for-fake-video-capture=${fakeVideo}`);
  if (webgpu) args.push('--enable-unsafe-webgpu');
  args.push(...extraArgs);
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args });
  const errors = [];
  return {
    context,
    userDataDir,
    errors,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        // tasks-vision logs its XNNPACK banner at error level; it is not an error.
        if ((m.type() === 'error' && !/XNNPACK|Failed to load resource/.test(m.text())) || process.env.RL_DEBUG) console.log(`[page:${m.type()}] ${m.text()}`);
      });
      page.on('response', (r) => {
        if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) console.log(`[page] HTTP ${r.status()} ${r.url()}`);
      });
      return page;
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens `path` on the server and waits for document.title === 'ready' (fails fast on a page error). */
export async function openPage(browser, baseUrl, path, timeoutMs = 120_000) {
  const page = await browser.newPage();
  const errs = [];
  page.on('pageerror', (e) => errs.push(e.message));
  await page.goto(`${baseUrl}${path}`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await page.title()) === 'ready') return page;
    if (errs.length) throw new Error(`[openPage] ${path}: ${errs.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`[openPage] ${path} not ready after ${timeoutMs} ms`);
}

/** Resident memory (kB) of one browser's processes (its user-data-dir is on each command line), by process type. */
export function browserRssKbByType(userDataDir) {
  const out = {};
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes(userDataDir)) continue;
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? 'browser';
      if (m) out[type] = (out[type] ?? 0) + Number(m[1]);
    } catch { /* process ended */ }
  }
  return out;
}

export function browserRssKb(userDataDir) {
  return Object.values(browserRssKbByType(userDataDir)).reduce((a, b) => a + b, 0);
}

/**
 * Decodes a clip with ffmpeg to raw frames: `pixFmt` 'rgba' or 'yuv420p' (= I420), scaled to cover WxH and
 * centre-cropped (or native size when widthPx/heightPx are 0). Returns { path, widthPx, heightPx, frames, fps }.
 */
export function decodeClip(src, out, { widthPx = 0, heightPx = 0, frames = 0, fps = 0, pixFmt = 'rgba', loop = false } = {}) {
  const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
    'stream=width,height,r_frame_rate', '-of', 'json', src]).toString()).streams[0];
  const [num, den] = String(probe.r_frame_rate).split('/').map(Number);
  const srcFps = den ? num / den : num;
  const w = widthPx || probe.width, h = heightPx || probe.height;
  const filters = [];
  if (widthPx && heightPx) filters.push(`scale=${w}:${h}:force_original_aspect_ratio=increase`, `crop=${w}:${h}`);
  if (fps) filters.push(`fps=${fps}`);
  const args = ['-loglevel', 'error', '-y'];
  if (loop) args.push('-stream_loop', '-1');
  args.push('-i', src);
  if (filters.length) args.push('-vf', filters.join(','));
  if (frames) args.push('-frames:v', String(frames));
  args.push('-f', 'rawvideo', '-pix_fmt', pixFmt, out);
  execFileSync('ffmpeg', args);
  const bytesPerFrame = pixFmt === 'rgba' ? w * h * 4 : (w * h * 3) / 2;
  const n = Math.floor(statSync(out).size / bytesPerFrame);
  return { path: out, widthPx: w, heightPx: h, frames: n, fps: fps || srcFps };
}

/** Markdown table. */
export function table(head, rows) {
  const fmt = (v) => (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v)) ? '-' : String(v));
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(fmt).join(' | ')} |`)].join('\n');
}

export const round = (v, d = 1) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : v);

/** Writes a `data:image/png;base64,...` URL (from a page's canvas) to `path`. */
export function writePngDataUrl(dataUrl, path) {
  const b64 = String(dataUrl).replace(/^data:image\/png;base64,/, '');
  writeFileSync(path, Buffer.from(b64, 'base64'));
  return path;
}
