#!/usr/bin/env node
/**
 * `npm run bench [-- --json FILE] [-- --quick]`: performance in headless Debian Chromium on this machine.
 * Every figure is reported with a baseline measured in the same run (machine noise is 20-50% between runs here).
 *
 * Pipelines at 640x480 (and 1280x720 unless --quick): passthrough (the floor), segmentation-only (what
 * background-blur plugins pay), exposure stage, relight stage; per-stage ms; output fps; added latency.
 */
import { createServer } from 'vite';
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const jsonPath = args.includes('--json') ? args[args.indexOf('--json') + 1] : resolve(ROOT, 'bench-results/bench.json');
const quick = args.includes('--quick');
const DATA = resolve(ROOT, process.env.RELIGHT_DATA ?? '../shared/data');
const ART = resolve(ROOT, 'tests/.artifacts');
mkdirSync(ART, { recursive: true });

/** A fake-camera clip at the given size: a real GRID talking head when the shared data is there, else synthetic. */
function clip(widthPx, heightPx) {
  const out = join(ART, `bench-${widthPx}x${heightPx}.y4m`);
  if (existsSync(out)) return out;
  const grid = join(DATA, 'videos/grid');
  let src = null;
  if (existsSync(grid)) {
    const { readdirSync } = awaitFs();
    src = readdirSync(grid).filter((f) => /\.(mpg|mp4)$/.test(f)).sort()[0];
  }
  if (src) {
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-stream_loop', '3', '-i', join(grid, src), '-t', '10',
      '-vf', `scale=${widthPx}:${heightPx}:force_original_aspect_ratio=increase,crop=${widthPx}:${heightPx},fps=30`, '-pix_fmt', 'yuv420p', out]);
  } else {
    console.warn(`[bench] shared data not found at ${grid}: using a synthetic clip`);
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${widthPx}x${heightPx}:rate=30`, '-t', '5', '-pix_fmt', 'yuv420p', out]);
  }
  return out;
}
function awaitFs() {
  return { readdirSync: (p) => execFileSync('ls', [p]).toString().trim().split('\n') };
}

async function withBrowser(fakeVideo, fn) {
  const dir = mkdtempSync(join(tmpdir(), 'rl-bench-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${fakeVideo}`, '--enable-unsafe-webgpu', '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const server = await createServer({ configFile: resolve(ROOT, 'vite.config.ts'), root: ROOT, logLevel: 'error',
  server: { host: '127.0.0.1', port: 0, hmr: false } });
await server.listen();
const base = `http://127.0.0.1:${server.httpServer.address().port}`;

const PIPELINES = [
  ['passthrough', { settings: { enabled: false } }],
  ['segmentation-only', { stage: 'null', segmenter: 'mediapipe' }],
  ['exposure', { stage: 'exposure', segmenter: 'mediapipe' }],
  ['relight', { stage: 'relight', segmenter: 'mediapipe', geometry: 'student' }],
];

const results = { machine: { cores: (await import('node:os')).cpus().length, chromium: '' }, pipelines: {} };
const sizes = quick ? [[640, 480]] : [[640, 480], [1280, 720]];
try {
  for (const [w, h] of sizes) {
    await withBrowser(clip(w, h), async (ctx) => {
      results.machine.chromium = ctx.browser()?.version() ?? '';
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.error('[bench page]', e.message));
      await page.goto(`${base}/tests/bench/bench.html`);
      await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 60_000 });
      for (const [name, options] of PIPELINES) {
        const r = await page.evaluate(([n, o]) => globalThis.bench.runPipeline(n, o, 2000, quick ? 3000 : 5000), [name, options])
          .catch((e) => ({ name, error: String(e.message ?? e) }));
        results.pipelines[`${name}@${w}x${h}`] = r;
        console.log(`[bench] ${name}@${w}x${h}: ${r.fps?.toFixed?.(1) ?? '-'} fps (camera ${r.cameraFps?.toFixed?.(1) ?? '-'}), ` +
          `latency ${r.latencyMs?.toFixed?.(1) ?? '-'} ms, ${JSON.stringify(r.stageMs ?? {})}${r.error ? ` error: ${r.error}` : ''}`);
      }
    });
  }
} finally {
  await server.close();
}

// Headline keys (see issue "Measure it").
const p = (n) => results.pipelines[`${n}@640x480`] ?? {};
const frameMs = 1000 / 30;
const relight = p('relight').fps ? p('relight') : p('exposure');
results.fps_640x480 = relight.fps;
results.fps_ratio_vs_passthrough = relight.fps / p('passthrough').fps;
results.fps_ratio_vs_segmentation_only = relight.fps / p('segmentation-only').fps;
results.added_latency_frames = (relight.latencyMs - p('passthrough').latencyMs) / frameMs;
results.cold_start_ms = relight.coldStartMs;

mkdirSync(resolve(jsonPath, '..'), { recursive: true });
writeFileSync(jsonPath, JSON.stringify(results, null, 2));

const rows = Object.entries(results.pipelines).map(([k, r]) => [k, r.fps?.toFixed(1), r.cameraFps?.toFixed(1), r.latencyMs?.toFixed(1),
  ...['segmentMs', 'stageMs', 'roundTripMs'].map((s) => r.stageMs?.[s]?.toFixed(1) ?? '-'), r.host ?? '-', r.backend ?? '-']);
const head = ['pipeline', 'fps', 'camera fps', 'latency ms', 'segment ms', 'stage ms', 'round trip ms', 'host', 'backend'];
console.log(`\n| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`\nfps_640x480 ${results.fps_640x480?.toFixed(1)}, vs passthrough x${results.fps_ratio_vs_passthrough?.toFixed(2)}, ` +
  `vs segmentation-only x${results.fps_ratio_vs_segmentation_only?.toFixed(2)}, added latency ${results.added_latency_frames?.toFixed(2)} frames, ` +
  `cold start ${results.cold_start_ms?.toFixed(0)} ms\nwrote ${jsonPath}`);
