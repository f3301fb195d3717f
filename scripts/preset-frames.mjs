#!/usr/bin/env node
/**
 * Saves the demo's default video (the bundled sample) relit by every preset as one grid PNG, to look at:
 * `node scripts/preset-frames.mjs [out.png]` (default tests/.artifacts/demo-presets.png). Uses the dev server and
 * headless Debian Chromium like the bench.
 */
import { createServer } from 'vite';
import { chromium } from 'playwright-core';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const out = resolve(process.argv[2] ?? join(ROOT, 'tests/.artifacts/demo-presets.png'));
const server = await createServer({ configFile: join(ROOT, 'vite.config.ts'), root: ROOT, logLevel: 'error', server: { host: '127.0.0.1', port: 0, hmr: false } });
await server.listen();
const dir = mkdtempSync(join(tmpdir(), 'rl-presets-'));
const ctx = await chromium.launchPersistentContext(dir, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await ctx.newPage();
  await page.goto(`http://127.0.0.1:${server.httpServer.address().port}/demo/?source=sample`);
  await page.waitForFunction(() => globalThis.demo?.relighter()?.stats().mode === 'processing', undefined, { timeout: 120_000 });
  const png = await page.evaluate(async () => {
    const { PRESETS } = await import('/src/lighting/presets.ts');
    const r = globalThis.demo.relighter();
    const after = document.getElementById('after');
    const before = document.getElementById('before');
    const W = 320, H = 240, cols = 4;
    const cells = [['input', before], ...PRESETS.map((p) => [p.id, null])];
    const rows = Math.ceil(cells.length / cols);
    const c = new OffscreenCanvas(W * cols, (H + 18) * rows);
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#111'; ctx.fillRect(0, 0, c.width, c.height);
    ctx.font = '13px sans-serif'; ctx.fillStyle = '#fff';
    for (let i = 0; i < cells.length; i++) {
      const [id, el] = cells[i];
      if (!el) {
        r.update({ preset: id, strength: 1 });
        await new Promise((res) => setTimeout(res, 2500));
      }
      const x = (i % cols) * W, y = Math.floor(i / cols) * (H + 18);
      ctx.drawImage(el ?? after, x, y + 18, W, H);
      ctx.fillText(id, x + 4, y + 13);
    }
    const blob = await c.convertToBlob({ type: 'image/png' });
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, Buffer.from(png));
  console.log(`[preset-frames] wrote ${out}`);
} finally {
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
  await server.close();
}
