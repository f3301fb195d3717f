/**
 * The BUILT library in a plain HTML page: `npm run build:lib` once, then examples/embed/index.html (which imports
 * ../../dist/lib/element.js, no bundler) with `<rl-relight-video camera controls status>` on the fake camera.
 *
 * The page is served by a plain static file server (below), not by the Vite dev server: Vite would rewrite the
 * worker URL and transform the modules, and this test must prove that the built files work in a browser as they
 * are. It asserts what an app would notice: a relit frame arrives (the person differs from the camera, the corners
 * do not), `rl-ready` fires with a live stream, changing `settings` changes the output, the engine runs in the
 * worker with the wasm and models of dist/lib (and nothing outside dist/lib and the page is fetched), removing the
 * element disposes the relighter and stops the camera it opened, and the leak counters end at zero. Under a
 * `worker-src 'none'` CSP the same page relights on the main thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import type { Page } from 'playwright-core';
import { launch, type Launched } from '../support/browser.js';
import { sharedClipY4m, syntheticPortraitY4m } from '../support/y4m.js';
import { ARTIFACTS_DIR, DATA_DIR, REPO_ROOT, hasData } from '../support/env.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
};

/**
 * Serves files under `root`, only inside `allowed` (subfolders of root), as a plain static server; `?csp=` on a
 * page adds that CSP header. Every requested path is recorded.
 */
function startStaticServer(root: string, allowed: string[], requests: string[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.pathname);
    if (process.env.RL_DEBUG) console.log(`[static] ${url.pathname}`);
    const file = resolve(root, `.${decodeURIComponent(url.pathname)}`);
    const ok = allowed.some((d) => file.startsWith(resolve(root, d) + sep));
    let path = file;
    if (ok && existsSync(path) && statSync(path).isDirectory()) path = resolve(path, 'index.html');
    if (!ok || !existsSync(path)) {
      console.log(`[embed] static server: 404 ${url.pathname}`);
      res.writeHead(404).end('not found');
      return;
    }
    const headers: Record<string, string> = { 'Content-Type': MIME[extname(path)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' };
    const csp = url.searchParams.get('csp');
    if (csp && path.endsWith('.html')) headers['Content-Security-Policy'] = csp;
    res.writeHead(200, headers);
    createReadStream(path).pipe(res);
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    done({ url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, server });
  }));
}

/**
 * A minimal host app that installs dist/lib as the package `relight` (node_modules/relight -> dist/lib, so the
 * imports resolve through dist/lib/package.json "exports" as they would after `npm install`) and is built by
 * Vite: the bundler has to find the worker, the wasm and the models through our `new URL(..., import.meta.url)`.
 */
async function buildHostApp(dir: string): Promise<string> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(resolve(dir, 'src'), { recursive: true });
  mkdirSync(resolve(dir, 'node_modules'), { recursive: true });
  symlinkSync(resolve(REPO_ROOT, 'dist/lib'), resolve(dir, 'node_modules/relight'), 'dir');
  writeFileSync(resolve(dir, 'index.html'), `<!doctype html>
<html><head><meta charset="utf-8"><title>host app</title><link rel="icon" href="data:,"></head>
<body><rl-relight-video id="relight" camera status></rl-relight-video><script type="module" src="./src/main.js"></script></body></html>
`);
  writeFileSync(resolve(dir, 'src/main.js'), `import 'relight/element';
import { DEFAULT_SETTINGS } from 'relight';
window.relightLog = [];
window.relightElement = () => document.getElementById('relight');
document.addEventListener('rl-ready', (e) => window.relightLog.push({ type: 'rl-ready', detail: { video: e.detail.stream.getVideoTracks()[0].readyState } }));
document.getElementById('relight').settings = { ...DEFAULT_SETTINGS, preset: 'warm-sunset', strength: 1 };
`);
  const { build } = await import('vite');
  await build({ root: dir, configFile: false, logLevel: 'warn', base: './', build: { outDir: resolve(dir, 'dist'), emptyOutDir: true, reportCompressedSize: false } });
  return resolve(dir, 'dist');
}

interface Measure {
  matched: number;
  /** Mean |out - in| (RGB, 0..255) inside the face box / in the top corners. */
  diffInside: number;
  diffOutside: number;
  /** Mean output R - B inside the face box (warm vs cool light). */
  warmthInside: number;
}

/**
 * Runs in the page: reads the element's input and relit tracks for `ms`, pairs frames by timestamp and compares
 * a face box (GRID clips and the synthetic portrait are framed in the centre) and the two top corners.
 */
async function measureInPage([ms, minMatched]: [number, number]): Promise<Measure> {
  type Mstp = new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> };
  const Processor = (globalThis as unknown as { MediaStreamTrackProcessor: Mstp }).MediaStreamTrackProcessor;
  const el = (globalThis as unknown as { relightElement(): { inputStream: MediaStream; relitStream: MediaStream } }).relightElement();
  // Face box (in) and the two top corners (out), as fractions of the frame. Only these pixels are read back: a
  // full-frame readback per frame is too slow on a loaded 2-core machine to keep both streams paired.
  const boxes = [
    { u0: 0.42, u1: 0.58, v0: 0.3, v1: 0.6, inside: true },
    { u0: 0, u1: 0.12, v0: 0, v1: 0.25, inside: false },
    { u0: 0.88, u1: 1, v0: 0, v1: 0.25, inside: false },
  ];
  let canvas: OffscreenCanvas | null = null;
  const read = (f: VideoFrame) => {
    const w = f.displayWidth, h = f.displayHeight;
    if (!canvas || canvas.width !== w || canvas.height !== h) canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    // Drawn at its own size: scaling in drawImage is not neutral between I420 (camera) and RGBA (relit) frames.
    ctx.drawImage(f, 0, 0);
    return boxes.map((b) => {
      const x = Math.floor(b.u0 * w), y = Math.floor(b.v0 * h);
      return ctx.getImageData(x, y, Math.max(1, Math.floor(b.u1 * w) - x), Math.max(1, Math.floor(b.v1 * h) - y)).data;
    });
  };
  const inTrack = el.inputStream.getVideoTracks()[0]!.clone();
  const outTrack = el.relitStream.getVideoTracks()[0]!.clone();
  const inputs = new Map<number, Uint8ClampedArray[]>();
  const inReader = new Processor({ track: inTrack }).readable.getReader();
  const outReader = new Processor({ track: outTrack }).readable.getReader();
  let stop = false;
  const inLoop = (async () => {
    while (!stop) {
      const { value } = await inReader.read();
      if (!value) break;
      try {
        inputs.set(value.timestamp, read(value));
      } finally {
        value.close();
      }
      if (inputs.size > 90) inputs.delete(inputs.keys().next().value!);
    }
  })();
  let sumIn = 0, nIn = 0, sumOut = 0, nOut = 0, warm = 0, matched = 0;
  // At least `ms`; longer (up to 4x) while fewer than `minMatched` frames have paired up.
  const t0 = performance.now();
  while (performance.now() < t0 + ms || (matched < minMatched && performance.now() < t0 + 4 * ms)) {
    const { value } = await outReader.read();
    if (!value) break;
    const ts = value.timestamp;
    let out: Uint8ClampedArray[];
    try {
      out = read(value);
    } finally {
      value.close();
    }
    let inp = inputs.get(ts);
    for (let i = 0; i < 10 && !inp; i++) {
      await new Promise((r) => setTimeout(r, 20));
      inp = inputs.get(ts);
    }
    if (!inp) continue;
    matched++;
    boxes.forEach((b, k) => {
      const o = out[k]!, p = inp[k]!;
      for (let i = 0; i < o.length; i += 4) {
        const d = (Math.abs(o[i]! - p[i]!) + Math.abs(o[i + 1]! - p[i + 1]!) + Math.abs(o[i + 2]! - p[i + 2]!)) / 3;
        if (b.inside) {
          sumIn += d; nIn++; warm += o[i]! - o[i + 2]!;
        } else {
          sumOut += d; nOut++;
        }
      }
    });
  }
  stop = true;
  await outReader.cancel();
  await inReader.cancel();
  await inLoop.catch(() => {});
  inTrack.stop();
  outTrack.stop();
  return { matched, diffInside: sumIn / (nIn || 1), diffOutside: sumOut / (nOut || 1), warmthInside: warm / (nIn || 1) };
}

type LogEntry = { type: string; detail: Record<string, unknown> };

async function openExample(b: Launched, pageUrl: string, consoleSink?: string[]): Promise<Page> {
  const page = await b.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  if (consoleSink) page.on('console', (m) => consoleSink.push(m.text()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pageUrl);
  await page.waitForFunction(() => ((globalThis as unknown as { relightLog?: LogEntry[] }).relightLog ?? []).some((e) => e.type === 'rl-ready'),
    undefined, { timeout: 60_000 }).catch((e: Error) => {
    throw new Error(`[embed] no rl-ready: ${e.message}; page errors: ${errors.join(' | ')}`);
  });
  // Processing (models loaded) is what we measure; frames flow (passthrough) before that.
  await page.evaluate(() => (globalThis as unknown as { relightElement(): { relighter: { whenProcessing(ms: number): Promise<void> } } })
    .relightElement().relighter.whenProcessing(90_000));
  expect(errors).toEqual([]);
  return page;
}

function setSettings(page: Page, patch: Record<string, unknown>): Promise<void> {
  return page.evaluate((p) => {
    const el = (globalThis as unknown as { relightElement(): { settings: Record<string, unknown> } }).relightElement();
    el.settings = { ...el.settings, ...p };
  }, patch);
}

function stats(page: Page): Promise<{ mode: string; host: string; backend: string; segmenter: string; fallbackReason?: string }> {
  return page.evaluate(() => (globalThis as unknown as { relightElement(): { relighter: { stats(): never } } }).relightElement().relighter.stats());
}

/** Removes the element; returns what became of the relighter, the camera and the leak counters. */
function removeElement(page: Page) {
  return page.evaluate(async () => {
    type El = HTMLElement & { relighter: { stats(): { mode: string; leaks: { main: Record<string, number>; worker: Record<string, number> } } } | null; inputStream: MediaStream | null; relitStream: MediaStream | null };
    const el = (globalThis as unknown as { relightElement(): El }).relightElement();
    const relighter = el.relighter!;
    const camera = el.inputStream!.getVideoTracks()[0]!;
    const relit = el.relitStream!.getVideoTracks()[0]!;
    el.remove();
    const deadline = performance.now() + 5000;
    // The camera stops right after the relighter's dispose() resolves: wait for both (or fail on the values below).
    while ((relighter.stats().mode !== 'stopped' || camera.readyState !== 'ended') && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const s = relighter.stats();
    return {
      mode: s.mode, camera: camera.readyState, relit: relit.readyState, leaks: s.leaks,
      relighterAfter: el.relighter === null, relitStreamAfter: el.relitStream === null,
      videoSrc: el.shadowRoot!.querySelector('video')!.srcObject === null,
    };
  });
}

function firstGridClip(): string {
  const dir = resolve(DATA_DIR, 'videos/grid');
  return `videos/grid/${readdirSync(dir).filter((n) => /\.(mpg|mp4)$/.test(n)).sort()[0]!}`;
}

describe('the built library in a plain HTML page (examples/embed)', () => {
  let b: Launched;
  let base: string;
  let server: Server;
  const requests: string[] = [];

  beforeAll(async () => {
    // What CI does on a fresh clone (after `npm run build:models`): the real build, not a stand-in.
    const t0 = performance.now();
    // As CI runs it: without vitest's NODE_ENV=test.
    const env = { ...process.env };
    delete env.NODE_ENV;
    execFileSync('npm', ['run', '--silent', 'build:lib'], { cwd: REPO_ROOT, env, stdio: 'pipe', timeout: 240_000 });
    console.log(`[embed] npm run build:lib: ${Math.round(performance.now() - t0)} ms`);
    ({ url: base, server } = await startStaticServer(REPO_ROOT, ['examples', 'dist/lib'], requests));
    const clip = hasData('videos/grid', 'embed test (real clip)') ? sharedClipY4m(firstGridClip()) : syntheticPortraitY4m();
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    b = await launch({ fakeVideo: clip, webgpu: true });
  }, 300_000);
  afterAll(async () => {
    await b?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  it('relights the camera in a worker with the wasm and models of dist/lib; settings change the output; removal cleans up', async () => {
    requests.length = 0;
    const page = await openExample(b, `${base}/examples/embed/index.html?dev`);
    const log = await page.evaluate(() => (globalThis as unknown as { relightLog: LogEntry[] }).relightLog);
    const ready = log.find((e) => e.type === 'rl-ready')!;
    expect(ready.detail.video).toBe('live');
    expect(ready.detail.width).toBeGreaterThan(0);
    const s = await stats(page);
    expect(s.mode).toBe('processing');
    expect(s.host).toBe('worker');
    expect(s.segmenter).toMatch(/mediapipe/);

    await setSettings(page, { preset: 'warm-sunset', strength: 1 });
    await page.waitForTimeout(1500);
    const warm = await page.evaluate(measureInPage, [2500, 6] as [number, number]);
    await page.screenshot({ path: resolve(ARTIFACTS_DIR, 'embed-example.png'), fullPage: true });
    await setSettings(page, { preset: 'blue-hour', strength: 1 });
    await page.waitForTimeout(1500);
    const cool = await page.evaluate(measureInPage, [2500, 6] as [number, number]);
    await setSettings(page, { enabled: false });
    await page.waitForTimeout(500);
    const off = await page.evaluate(measureInPage, [1500, 3] as [number, number]);
    console.log(`[embed] warm-sunset |d| in ${warm.diffInside.toFixed(1)} corners ${warm.diffOutside.toFixed(1)} R-B ${warm.warmthInside.toFixed(1)} (${warm.matched} frames); ` +
      `blue-hour |d| in ${cool.diffInside.toFixed(1)} R-B ${cool.warmthInside.toFixed(1)}; disabled |d| in ${off.diffInside.toFixed(2)}`);
    expect(warm.matched).toBeGreaterThan(5);
    // A relit frame: the person changed...
    expect(warm.diffInside).toBeGreaterThan(4);
    // ...and changing the settings changed the output: a warm preset is redder than a cool one, off is the camera.
    expect(warm.warmthInside - cool.warmthInside).toBeGreaterThan(5);
    expect(off.diffInside).toBeLessThan(1.5);

    // The engine came from dist/lib: the worker bundle, tasks-vision's and ORT's wasm, the models. Nothing else
    // was fetched (no src/, no node_modules/, no CDN: the static server would have logged it).
    const paths = new Set(requests);
    for (const f of ['workers/engine.worker.js', 'wasm/vision_wasm_module_internal.wasm', 'wasm/vision_wasm_module_internal.js',
      'models/selfie_segmenter.tflite', 'models/student.onnx', 'wasm/ort-wasm-simd-threaded.wasm', 'wasm/ort-wasm-simd-threaded.mjs']) {
      expect(paths, f).toContain(`/dist/lib/${f}`);
    }
    expect([...paths].filter((p) => !p.startsWith('/dist/lib/') && !p.startsWith('/examples/embed/') && p !== '/favicon.ico')).toEqual([]);

    const removed = await removeElement(page);
    console.log(`[embed] after removal: ${JSON.stringify(removed)}`);
    expect(removed.mode).toBe('stopped');
    expect(removed.camera).toBe('ended');
    expect(removed.relit).toBe('ended');
    expect(removed.relighterAfter && removed.relitStreamAfter && removed.videoSrc).toBe(true);
    for (const [k, v] of Object.entries({ ...removed.leaks.main, ...removed.leaks.worker })) expect(v, k).toBe(0);
    // The main-thread counters are the page's: they only count if the dev flag reached the built library.
    expect(Object.keys(removed.leaks.main).length + Object.keys(removed.leaks.worker).length).toBeGreaterThan(0);
    await page.close();
  });

  /** The strict policy docs/EMBED.md recommends ('unsafe-inline' only for the example's own inline script/style). */
  const STRICT_CSP = "default-src 'none'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; worker-src 'self'; " +
    "connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'";
  it.each([
    { name: 'the strict CSP of docs/EMBED.md', csp: STRICT_CSP, host: 'worker' },
    { name: "a CSP that forbids workers (worker-src 'none')", csp: `${STRICT_CSP.replace("worker-src 'self'", "worker-src 'none'")}`, host: 'main' },
  ])('relights under $name (engine host: $host)', async ({ csp, host }) => {
    const messages: string[] = [];
    const p = await openExample(b, `${base}/examples/embed/index.html?dev&csp=${encodeURIComponent(csp)}`, messages);
    const s = await stats(p);
    console.log(`[embed] CSP -> host ${s.host}, backend ${s.backend}; reason: ${s.fallbackReason ?? 'none'}`);
    expect(s.mode).toBe('processing');
    expect(s.host).toBe(host);
    // Only the blocked worker itself may be reported (worker-src 'none'); nothing else the library does.
    const violations = messages.filter((v) => /Content Security Policy/.test(v));
    expect(violations.filter((v) => !/Creating a worker from .*engine\.worker\.js/.test(v))).toEqual([]);
    if (host === 'main') expect(s.fallbackReason).toMatch(/Content-Security-Policy \(worker-src\)/);
    await setSettings(p, { preset: 'warm-sunset', strength: 1 });
    await p.waitForTimeout(1500);
    // On the main thread everything shares the page's thread (2 busy cores, no GPU here): few frames pair up.
    const m = await p.evaluate(measureInPage, [4000, 1] as [number, number]);
    console.log(`[embed] CSP (${host}): |d| in ${m.diffInside.toFixed(1)} (${m.matched} frames), ${(await stats(p) as { fps?: number }).fps} fps`);
    expect(m.matched).toBeGreaterThan(0);
    expect(m.diffInside).toBeGreaterThan(4);
    const removed = await removeElement(p);
    expect(removed.camera).toBe('ended');
    for (const [k, v] of Object.entries({ ...removed.leaks.main, ...removed.leaks.worker })) expect(v, k).toBe(0);
    await p.close();
  });

  it('works when a host app installs dist/lib as a package and bundles it with Vite', async () => {
    const t0 = performance.now();
    const out = await buildHostApp(resolve(ARTIFACTS_DIR, 'embed-host'));
    console.log(`[embed] host app built by Vite in ${Math.round(performance.now() - t0)} ms`);
    const hostRequests: string[] = [];
    const host = await startStaticServer(out, ['.'], hostRequests);
    try {
      const t1 = performance.now();
      const page = await openExample(b, `${host.url}/index.html`);
      const s = await stats(page);
      console.log(`[embed] host app processing after ${Math.round(performance.now() - t1)} ms`);
      expect(s).toMatchObject({ mode: 'processing', host: 'worker' });
      const m = await page.evaluate(measureInPage, [2000, 1] as [number, number]);
      console.log(`[embed] host app: ${s.host}/${s.backend}, |d| in ${m.diffInside.toFixed(1)} (${m.matched} frames)`);
      expect(m.matched).toBeGreaterThan(0);
      expect(m.diffInside).toBeGreaterThan(4);
      // The host's bundler re-emitted the worker and the assets under its own (hashed) names, and they loaded.
      for (const re of [/^\/assets\/engine\.worker-[\w-]+\.js$/, /^\/assets\/vision_wasm_module_internal-[\w-]+\.wasm$/,
        /^\/assets\/selfie_segmenter-[\w-]+\.tflite$/, /^\/assets\/student-[\w-]+\.onnx$/, /^\/assets\/ort-wasm-simd-threaded-[\w-]+\.wasm$/]) {
        expect(hostRequests.some((p) => re.test(p)), String(re)).toBe(true);
      }
      const removed = await removeElement(page);
      expect(removed).toMatchObject({ mode: 'stopped', camera: 'ended' });
      await page.close();
    } finally {
      // Chromium keeps connections alive: close() alone would wait for them to time out.
      host.server.closeAllConnections();
      await new Promise((r) => host.server.close(r));
    }
  });
});
