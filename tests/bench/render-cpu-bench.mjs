#!/usr/bin/env node
/**
 * CPU renderer before/after benchmark (tests/bench/render-cpu.ts), in Node and optionally in headless Chromium.
 *
 *   node tests/bench/render-cpu-bench.mjs [--frames 30] [--browser] [--json FILE]
 *
 * The TypeScript is transpiled (types stripped, with Vite's oxc) into a temporary folder and imported as plain
 * ES modules. Not through Vite's module runner (vite-node, vitest): that turns every imported binding into a
 * getter call, which made the hot loops 2-5x slower than in a browser and the old/new ratio meaningless.
 * Node timings are CPU time of this process (less disturbed by other work on the shared 2 cores); Chromium
 * timings are wall time. Compare the ratios: old and new run interleaved, frame by frame.
 */
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transformWithOxc } from 'vite';
import { CHROMIUM, parseArgs, ROOT, table } from './node-harness.mjs';

const opts = parseArgs(process.argv.slice(2), { frames: '30', browser: false, json: '' });
const ENTRY = resolve(ROOT, 'tests/bench/render-cpu.ts');

/** Transpiles `entry` and its relative imports into `outDir`, same layout, .ts -> .js. */
async function transpile(entry, outDir) {
  const done = new Set();
  const visit = async (file) => {
    if (done.has(file)) return;
    done.add(file);
    const js = (await transformWithOxc(readFileSync(file, 'utf8'), file, { lang: 'ts' })).code;
    const out = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
    for (const m of js.matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const dep = resolve(dirname(file), m[1].replace(/\.js$/, '.ts'));
      if (existsSync(dep)) await visit(dep);
    }
  };
  await visit(entry);
  return join(outDir, relative(ROOT, entry)).replace(/\.ts$/, '.js');
}

function report(label, clock, rows) {
  const f = (t) => `${t.oldMs.median.toFixed(1)} -> ${t.newMs.median.toFixed(1)} (min ${t.oldMs.min.toFixed(1)} -> ${t.newMs.min.toFixed(1)})`;
  console.log(`\n## ${label} (${clock} time, ms, median of ${opts.frames} frames)\n`);
  console.log(table(
    ['size', 'mask', 'fg', 'process old -> new', 'x', 'composite old -> new', 'x', 'guide old -> new', 'x', 'max |diff|'],
    rows.map((r) => [r.size, r.mask, `${(r.foreground * 100).toFixed(0)}%`, f(r.process), r.process.speedup.toFixed(2), f(r.composite), r.composite.speedup.toFixed(2), f(r.guide), r.guide.speedup.toFixed(2), r.maxDiff]),
  ));
}

const work = mkdtempSync(join(tmpdir(), 'render-cpu-bench-'));
try {
  const entryJs = await transpile(ENTRY, work);
  const mod = await import(pathToFileURL(entryJs).href);
  const results = { node: { clock: mod.clockKind(), rows: mod.runRenderCpuBench({ frames: Number(opts.frames) }) } };
  report(`Node ${process.version}`, results.node.clock, results.node.rows);

  if (opts.browser) {
    const { chromium } = await import('playwright-core');
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/') { res.setHeader('Content-Type', 'text/html'); res.end('<!doctype html><title>render-cpu-bench</title>'); return; }
      const file = join(work, decodeURIComponent(path));
      if (!file.startsWith(work) || !existsSync(file)) { res.statusCode = 404; res.end(); return; }
      res.setHeader('Content-Type', 'text/javascript');
      res.end(readFileSync(file));
    }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${server.address().port}`;
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/`);
      const version = await page.evaluate(() => navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium');
      const rows = await page.evaluate(async ([url, frames]) => {
        const m = await import(url);
        return m.runRenderCpuBench({ frames });
      }, [`${base}/${relative(work, entryJs)}`, Number(opts.frames)]);
      results.chromium = { clock: 'wall', version, rows };
      report(`${version} (headless, main thread)`, 'wall', rows);
    } finally {
      await browser.close();
      server.close();
    }
  }
  if (opts.json) {
    mkdirSync(dirname(resolve(opts.json)), { recursive: true });
    writeFileSync(resolve(opts.json), JSON.stringify(results, null, 2));
    console.log(`\n[render-cpu-bench] wrote ${resolve(opts.json)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
