#!/usr/bin/env node
/**
 * (Re)computes prior (d), the shape-from-shading refinement (src/geometry/sfs-refine.ts), over an existing
 * dump-priors folder without re-running the landmark model: reads <id>_{rgb,normal,conf_face,conf_sil}.png, writes
 * <id>_normal_sfs.png and <id>_conf_sfs.png (encoded like the dump's normal.png and conf_*.png) and an `sfs` entry
 * per item in manifest.json. Runs the TypeScript in Node through Vite's module runner.
 *
 * Usage: node scripts/sfs-priors.mjs [--dir models/training/cache/priors] [--sfs '{"priorWeight":0.1}'] [--limit N]
 *        [--workers 2]
 * Pure CPU; ~0.2-1 s per 256x256 item.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PNG } from 'pngjs';
import { encodePng, writeAtomic } from './dump-priors.mjs';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { dir: resolve(REPO_ROOT, 'models/training/cache/priors'), sfs: {}, limit: Infinity, workers: Math.min(2, availableParallelism()) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`[SfsPriors] ${a} needs a value`);
      return argv[++i];
    };
    if (a === '--dir') opts.dir = resolve(next());
    else if (a === '--sfs') opts.sfs = JSON.parse(next());
    else if (a === '--limit') opts.limit = Number(next());
    else if (a === '--workers') opts.workers = Math.max(1, Number(next()));
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`[SfsPriors] unknown argument ${a}`);
  }
  return opts;
}

const readPng = (path) => PNG.sync.read(readFileSync(path));

const q = (v) => Math.min(255, Math.max(0, Math.round(v * 255)));

/** One item: decodes the dump's layers as scripts/dump-priors.mjs wrote them (prior confidence = the blend of face and silhouette). */
function processItem(mod, dir, id, sfsOptions) {
  const p = (k) => resolve(dir, `${id}_${k}.png`);
  const rgb = readPng(p('rgb')), nrm = readPng(p('normal')), cf = readPng(p('conf_face')), cs = readPng(p('conf_sil'));
  const w = rgb.width, h = rgb.height, n = w * h;
  const rgbLinear = new Float32Array(3 * n), normals = new Float32Array(3 * n);
  const confidence = new Float32Array(n), faceConfidence = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) rgbLinear[3 * i + c] = mod.SRGB8_TO_LINEAR[rgb.data[4 * i + c]];
    const known = nrm.data[4 * i + 2] >= 128;
    if (known) {
      let x = nrm.data[4 * i] / 255 * 2 - 1, y = nrm.data[4 * i + 1] / 255 * 2 - 1, z = nrm.data[4 * i + 2] / 255 * 2 - 1;
      const len = Math.hypot(x, y, z) || 1;
      normals[3 * i] = x / len; normals[3 * i + 1] = y / len; normals[3 * i + 2] = z / len;
    }
    const f = cf.data[4 * i] / 255, s = cs.data[4 * i] / 255;
    faceConfidence[i] = f;
    confidence[i] = known ? f + (1 - f) * s : 0;
  }
  const r = mod.refineShapeFromShading({ widthPx: w, heightPx: h, rgbLinear, normals, confidence, faceConfidence }, sfsOptions);
  const normalSfs = new Uint8Array(3 * n), confSfs = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (confidence[i] > 0) for (let c = 0; c < 3; c++) normalSfs[3 * i + c] = q(r.normals[3 * i + c] * 0.5 + 0.5);
    confSfs[i] = q(r.confidence[i]);
  }
  writeAtomic(p('normal_sfs'), encodePng(w, h, 3, normalSfs));
  writeAtomic(p('conf_sfs'), encodePng(w, h, 1, confSfs));
  const { ms, ...stats } = r.stats;
  return { sfs: Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, +v.toFixed(4)])), ms };
}

async function loadModule() {
  // Vite's SSR loader runs the TypeScript sources as they are (no build step, no second implementation).
  const { createServer } = await import('vite');
  const server = await createServer({
    configFile: false, root: REPO_ROOT, logLevel: 'error', server: { middlewareMode: true, hmr: false, ws: false },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  const sfs = await server.ssrLoadModule('/src/geometry/sfs-refine.ts');
  const math = await server.ssrLoadModule('/src/gpu/relight-math.ts');
  return { server, mod: { refineShapeFromShading: sfs.refineShapeFromShading, SRGB8_TO_LINEAR: math.SRGB8_TO_LINEAR } };
}

async function workerMain() {
  const { server, mod } = await loadModule();
  try {
    for (const id of workerData.ids) {
      try {
        parentPort.postMessage({ id, ...processItem(mod, workerData.dir, id, workerData.sfs) });
      } catch (e) {
        parentPort.postMessage({ id, error: String(e?.message ?? e) });
      }
    }
  } finally {
    await server.close();
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const manifestPath = resolve(opts.dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const items = manifest.items.slice(0, opts.limit);
  const byId = new Map(items.map((it) => [it.id, it]));
  const chunks = Array.from({ length: opts.workers }, () => []);
  items.forEach((it, k) => chunks[k % opts.workers].push(it.id));
  const ms = [];
  let failed = 0, done = 0;
  await Promise.all(chunks.filter((c) => c.length).map((ids) => new Promise((resolveP, rejectP) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { ids, dir: opts.dir, sfs: opts.sfs } });
    w.on('message', (m) => {
      const it = byId.get(m.id);
      if (m.error) {
        failed++;
        console.warn(`[SfsPriors] ${m.id} failed: ${m.error}`);
        return;
      }
      it.sfs = m.sfs;
      it.ms = { ...(it.ms ?? {}), sfs: +m.ms.toFixed(1) };
      ms.push(m.ms);
      if (++done % 50 === 0) console.log(`[SfsPriors] ${done}/${items.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    });
    w.on('error', rejectP);
    w.on('exit', (code) => (code === 0 ? resolveP() : rejectP(new Error(`[SfsPriors] worker exited with ${code}`))));
  })));
  manifest.settings = { ...manifest.settings, sfs: { generator: 'src/geometry/sfs-refine.ts', options: opts.sfs } };
  writeAtomic(manifestPath, JSON.stringify(manifest, null, 1));
  ms.sort((a, b) => a - b);
  console.log(`[SfsPriors] ${done} items in ${((performance.now() - t0) / 1000).toFixed(1)} s (${failed} failed), ` +
    `median ${ms.length ? ms[ms.length >> 1].toFixed(0) : 0} ms per item -> ${opts.dir}`);
  if (failed) process.exitCode = 1;
}

if (isMainThread) await main();
else await workerMain();
