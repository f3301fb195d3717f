/** Dev utility: screenshot a page of the dev server. `node scripts/screenshot.mjs /demo/?source=sample out.png [waitMs]` (FAKE=clip.y4m for a fake camera). */
import { createServer } from 'vite';
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
const [,, path, out, wait] = process.argv;
const server = await createServer({ configFile: '/work/main/vite.config.ts', root: '/work/main', logLevel: 'error', server: { host: '127.0.0.1', port: 0, hmr: false } });
await server.listen();
const base = `http://127.0.0.1:${server.httpServer.address().port}`;
const ctx = await chromium.launchPersistentContext(mkdtempSync('/tmp/rlshot-'), { executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 800 },
  args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu',
    ...(process.env.FAKE ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${process.env.FAKE}`] : [])] });
const page = await ctx.newPage();
page.on('console', (m) => console.log(`[${m.type()}] ${m.text()}`));
page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
await page.goto(base + path);
await page.waitForTimeout(Number(wait ?? 8000));
await page.screenshot({ path: out });
console.log(await page.evaluate(() => JSON.stringify(globalThis.demo?.relighter?.()?.stats?.() ?? null)));
await ctx.close(); await server.close();
