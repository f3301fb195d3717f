#!/usr/bin/env node
/**
 * Dumps the analytic geometry prior (pseudo ground truth for the student model) over the shared data:
 * every portraits/**\/*.jpg and ~20 frames per videos/grid/*.mpg clip (10 pairs of consecutive frames, spread over
 * the clip), run in headless Chromium through tests/browser/pages/geometry-dump.html (real tasks-vision
 * FaceLandmarker + MediaPipeSegmenter, CPU).
 *
 * Output, in models/training/cache/priors/ (git-ignored), per image id:
 *   <id>_rgb.png        RGB8 256x256, the input centre-cropped to a square (what the prior was computed on)
 *   <id>_normal.png     RGB8, camera-space normal * 0.5 + 0.5 (+x image right, +y up, +z toward the camera);
 *                       (0, 0, 0) where unknown (a real normal always has blue >= 128)
 *   <id>_conf_face.png  gray8, face confidence * 255 (1 inside the face, feathered to 0 at its border)
 *   <id>_conf_sil.png   gray8, silhouette confidence * 255 (0.5 x mask, so at most 128)
 *   <id>_mask.png       gray8, person mask * 255 (MediaPipe selfie segmenter, resampled to 256x256)
 * and manifest.json: { version, settings, items: [{ id, kind, source, sha256, clip, frame, faceFound, ... }],
 * failures }. `source` is relative to the data folder; `sha256` is of the source FILE (the .mpg for video frames).
 *
 * Usage:
 *   node scripts/dump-priors.mjs [--data DIR] [--out DIR] [--frames-per-clip 20] [--only portraits|videos]
 *                                [--limit N] [--force]
 * Data folder: --data, else $RELIGHT_DATA, else ../shared/data. Resumable: items whose files exist and whose source
 * sha256 is unchanged are kept (use --force to redo). Needs models/generated (runs `npm run build:models` when the
 * models are missing), /usr/bin/chromium (or $CHROMIUM_PATH) and ffmpeg for the videos.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { createServer } from 'vite';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SIZE_PX = 256;
const INFERENCE_SIZE_PX = 512;
const ITEM_TIMEOUT_MS = 60_000;

function parseArgs(argv) {
  const opts = { data: null, out: resolve(REPO_ROOT, 'models/training/cache/priors'), framesPerClip: 20, only: null, limit: Infinity, force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`[DumpPriors] ${a} needs a value`);
      return argv[++i];
    };
    if (a === '--data') opts.data = resolve(next());
    else if (a === '--out') opts.out = resolve(next());
    else if (a === '--frames-per-clip') opts.framesPerClip = Math.max(2, Number(next()));
    else if (a === '--only') opts.only = next();
    else if (a === '--limit') opts.limit = Number(next());
    else if (a === '--force') opts.force = true;
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`[DumpPriors] unknown argument ${a}`);
  }
  opts.data ??= resolve(REPO_ROOT, process.env.RELIGHT_DATA ?? '../shared/data');
  return opts;
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const posix = (p) => p.split(sep).join('/');

function walk(dir, pred) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, pred));
    else if (pred(name)) out.push(p);
  }
  return out;
}

/** Frame indices: `count / 2` pairs (i, i + 1) spread evenly over a clip of `total` frames. */
export function pairedFrameIndices(total, count) {
  const pairs = Math.max(1, Math.floor(count / 2));
  const set = new Set();
  for (let k = 0; k < pairs; k++) {
    const start = pairs === 1 ? 0 : Math.round((k * (total - 2)) / (pairs - 1));
    if (start + 1 < total) {
      set.add(start);
      set.add(start + 1);
    }
  }
  return [...set].sort((a, b) => a - b);
}

function idFor(rel) {
  return rel.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/** [{ id, kind, source, sourcePath, sha256, clip?, frame?, bytes() }] */
function collectItems(opts, tmp) {
  const items = [];
  if (opts.only !== 'videos') {
    for (const p of walk(resolve(opts.data, 'portraits'), (n) => /\.jpe?g$/i.test(n))) {
      const rel = posix(relative(opts.data, p));
      items.push({ id: `p_${idFor(rel.replace(/^portraits\//, ''))}`, kind: 'portrait', source: rel, sourcePath: p, bytes: () => readFileSync(p) });
    }
  }
  if (opts.only !== 'portraits') {
    for (const clip of walk(resolve(opts.data, 'videos/grid'), (n) => /\.mpg$/i.test(n))) {
      const rel = posix(relative(opts.data, clip));
      const clipId = idFor(rel.split('/').pop());
      const dir = join(tmp, clipId);
      mkdirSync(dir, { recursive: true });
      // Every frame as PNG (the clips are 3 s at 25 fps, 360x288); -vsync passthrough keeps decoder frame indices.
      execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', clip, '-vsync', 'passthrough', join(dir, '%05d.png')]);
      const total = readdirSync(dir).filter((n) => n.endsWith('.png')).length;
      for (const frame of pairedFrameIndices(total, opts.framesPerClip)) {
        const png = join(dir, `${String(frame + 1).padStart(5, '0')}.png`);
        items.push({
          id: `v_${clipId}_f${String(frame).padStart(3, '0')}`, kind: 'video', source: rel, sourcePath: clip, clip: clipId, frame,
          clipFrames: total, bytes: () => readFileSync(png),
        });
      }
    }
  }
  return items.slice(0, opts.limit);
}

export function writeAtomic(path, bytes) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** PNG bytes of a w x h image given as raw RGB8 (channels 3) or gray8 (channels 1). */
export function encodePng(w, h, channels, raw) {
  if (raw.length !== w * h * channels) throw new Error(`[DumpPriors] expected ${w * h * channels} bytes, got ${raw.length}`);
  const img = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) {
    img.data[4 * i] = raw[channels * i];
    img.data[4 * i + 1] = raw[channels * i + (channels === 3 ? 1 : 0)];
    img.data[4 * i + 2] = raw[channels * i + (channels === 3 ? 2 : 0)];
    img.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(img, { colorType: channels === 3 ? 2 : 0, inputHasAlpha: true });
}

const png = (size, channels, base64) => encodePng(size, size, channels, Buffer.from(base64, 'base64'));

const KINDS = ['rgb', 'normal', 'conf_face', 'conf_sil', 'mask'];

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  if (!existsSync(resolve(opts.data, 'portraits')) && !existsSync(resolve(opts.data, 'videos/grid'))) {
    console.error(`[DumpPriors] no shared data at ${opts.data} (pass --data or set RELIGHT_DATA)`);
    process.exit(2);
  }
  for (const f of ['face_landmarker.task', 'selfie_segmenter.tflite']) {
    if (!existsSync(resolve(REPO_ROOT, 'models/generated', f))) {
      console.log(`[DumpPriors] models/generated/${f} missing: running npm run build:models`);
      execFileSync(process.execPath, [resolve(REPO_ROOT, 'scripts/build-models.mjs')], { stdio: 'inherit', cwd: REPO_ROOT });
      break;
    }
  }
  mkdirSync(opts.out, { recursive: true });
  const manifestPath = resolve(opts.out, 'manifest.json');
  const previous = new Map();
  if (existsSync(manifestPath) && !opts.force) {
    try {
      for (const e of JSON.parse(readFileSync(manifestPath, 'utf8')).items ?? []) previous.set(e.id, e);
    } catch (e) {
      console.warn(`[DumpPriors] ignoring unreadable manifest: ${e.message}`);
    }
  }

  const tmp = mkdtempSync(join(tmpdir(), 'dump-priors-'));
  let browser = null; // a persistent BrowserContext
  const shaCache = new Map();
  const shaOf = (p) => {
    if (!shaCache.has(p)) shaCache.set(p, sha256(readFileSync(p)));
    return shaCache.get(p);
  };
  let server = null;
  const items = [];
  const failures = [];
  let computed = 0, reused = 0, faces = 0;
  const perItemMs = [];
  const settings = {
    sizePx: SIZE_PX, inferenceSizePx: INFERENCE_SIZE_PX, crop: 'centre square', framesPerClip: opts.framesPerClip,
    landmarks: 'tasks-vision 1.1.0 FaceLandmarker, IMAGE mode, models/generated/face_landmarker.task',
    segmenter: 'MediaPipeSegmenter (selfie, general 256x256)', temporal: 'none (each image independent)',
    normal: 'RGB8 = n * 0.5 + 0.5, camera space (+x image right, +y up, +z toward camera), 0 where unknown',
    confFace: 'gray8 = face confidence * 255', confSil: 'gray8 = silhouette confidence * 255 (0.5 x mask)', mask: 'gray8 = mask * 255',
  };
  const writeManifest = () => writeAtomic(manifestPath, JSON.stringify({
    version: 1, generator: 'scripts/dump-priors.mjs', settings, count: items.length, items, failures,
  }, null, 1));

  try {
    const all = collectItems(opts, tmp);
    console.log(`[DumpPriors] ${all.length} images (${all.filter((i) => i.kind === 'portrait').length} portraits, ` +
      `${all.filter((i) => i.kind === 'video').length} video frames) -> ${opts.out}`);

    server = await createServer({
      configFile: resolve(REPO_ROOT, 'vite.config.ts'), root: REPO_ROOT, logLevel: 'error',
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    });
    await server.listen();
    const addr = server.httpServer.address();
    const baseUrl = `http://127.0.0.1:${addr.port}`;
    // A fresh profile in the temp dir (removed with it).
    browser = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
        '--disable-sync'],
    });
    let page = null;
    const openPage = async () => {
      await page?.close().catch(() => {});
      page = await browser.newPage();
      page.on('pageerror', (e) => console.log(`[DumpPriors] page error: ${e.message}`));
      page.on('console', (m) => { if (m.type() === 'error') console.log(`[DumpPriors] page: ${m.text()}`); });
      await page.goto(`${baseUrl}/tests/browser/pages/geometry-dump.html`);
      await page.waitForFunction(() => 'geometryDump' in window, null, { timeout: 60_000 });
    };
    await openPage();

    for (const [k, item] of all.entries()) {
      const sourceSha = shaOf(item.sourcePath);
      const files = Object.fromEntries(KINDS.map((kind) => [kind, resolve(opts.out, `${item.id}_${kind}.png`)]));
      const prev = previous.get(item.id);
      const entry = {
        id: item.id, kind: item.kind, source: item.source, sha256: sourceSha,
        clip: item.clip ?? null, frame: item.frame ?? null,
      };
      if (item.kind === 'video') entry.clipFrames = item.clipFrames;
      if (prev && prev.sha256 === sourceSha && Object.values(files).every((f) => existsSync(f))) {
        items.push({ ...prev, ...entry, faceFound: prev.faceFound });
        reused++;
        if (prev.faceFound) faces++;
        continue;
      }
      const s0 = performance.now();
      try {
        const imageBase64 = item.bytes().toString('base64');
        const run = page.evaluate((req) => window.geometryDump.dump(req), { imageBase64, sizePx: SIZE_PX, inferenceSizePx: INFERENCE_SIZE_PX });
        let timer;
        const r = await Promise.race([run, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error('timeout')), ITEM_TIMEOUT_MS); })])
          .finally(() => clearTimeout(timer));
        if (r.openHandles !== 0) throw new Error(`leak tracker reports ${r.openHandles} open handles`);
        writeAtomic(files.rgb, png(SIZE_PX, 3, r.rgb));
        writeAtomic(files.normal, png(SIZE_PX, 3, r.normal));
        writeAtomic(files.conf_face, png(SIZE_PX, 1, r.confFace));
        writeAtomic(files.conf_sil, png(SIZE_PX, 1, r.confSil));
        writeAtomic(files.mask, png(SIZE_PX, 1, r.mask));
        items.push({ ...entry, faceFound: r.faceFound, sourceSizePx: [r.sourceWidthPx, r.sourceHeightPx], cropPx: r.crop,
          ms: { segment: +r.ms.segment.toFixed(1), prior: +r.ms.prior.toFixed(1) } });
        computed++;
        if (r.faceFound) faces++;
        perItemMs.push(performance.now() - s0);
      } catch (e) {
        console.warn(`[DumpPriors] ${item.id} (${item.source}${item.frame != null ? ` frame ${item.frame}` : ''}) failed: ${e.message}`);
        failures.push({ ...entry, error: String(e.message ?? e) });
        // A crashed or stuck page must not take the rest of the run with it.
        await openPage().catch((err) => { throw new Error(`[DumpPriors] cannot reopen the page: ${err.message}`); });
      }
      if ((k + 1) % 25 === 0) {
        writeManifest();
        console.log(`[DumpPriors] ${k + 1}/${all.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }
    }
    writeManifest();
  } finally {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
  const med = perItemMs.length ? [...perItemMs].sort((a, b) => a - b)[Math.floor(perItemMs.length / 2)] : 0;
  console.log(`[DumpPriors] done in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${items.length} images ` +
    `(${computed} computed, ${reused} reused, ${failures.length} failed), face found in ${faces}; ` +
    `median ${med.toFixed(0)} ms per computed image -> ${opts.out}`);
  if (failures.length) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
