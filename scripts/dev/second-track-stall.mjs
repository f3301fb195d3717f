/**
 * Dev repro (no project code involved): Chromium starves a SECOND camera track of the same fake device while a
 * worker does RGBA work on the first one's frames. Context: extension/README.md, "Known issues".
 *
 *   node scripts/dev/second-track-stall.mjs [runs=5] [busyMs=25] [clip.y4m]
 *
 * Page (served on 127.0.0.1): track A = getUserMedia 640x480 -> MediaStreamTrackProcessor -> each frame (clone)
 * transferred to a worker (2 in flight) -> copyTo(RGBA) + busyMs of compute -> an RGBA VideoFrame -> a
 * MediaStreamTrackGenerator. Then track B = getUserMedia 320x240 (same device); frames counted on B and on the
 * generator for 3 s. Variants per run: the worker builds the output VideoFrame ('rgba') or sends the pixels back
 * and the page builds it ('rgbabuf'); 'clone' skips the pixel work (busy only).
 * Measured 2026-11-23 (Chromium 156 headless, 2 cores, fake camera from a 640x480 y4m): 'rgba' B got 0 frames in
 * 4 of 5 runs, 'rgbabuf' in 1 of 5, 'clone' in 0 of 2; A always ~30 fps.
 */
import { createServer } from 'node:http';
import { mkdtempSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const runs = Number(process.argv[2] ?? 5);
const busyMs = Number(process.argv[3] ?? 25);
const clip = resolve(process.argv[4] ?? 'tests/.artifacts/synthetic-640x480-90.y4m');
if (!existsSync(clip)) throw new Error(`[StallRepro] no y4m at ${clip} (the browser tests write tests/.artifacts/synthetic-640x480-90.y4m)`);

const WORKER = `
self.onmessage = async (e) => {
  const { frame, mode, id, busy } = e.data;
  const spin = () => { const t = performance.now(); let x = 0; while (performance.now() - t < busy) x += Math.sqrt(x + 1); };
  if (mode === 'clone') { spin(); const out = frame.clone(); frame.close(); self.postMessage({ id, frame: out }, [out]); return; }
  const w = frame.displayWidth, h = frame.displayHeight, buf = new Uint8ClampedArray(w * h * 4);
  await frame.copyTo(buf, { format: 'RGBA', colorSpace: 'srgb' });
  spin();
  const meta = { w, h, ts: frame.timestamp };
  frame.close();
  if (mode === 'rgbabuf') { self.postMessage({ id, buf, meta }, [buf.buffer]); return; }
  const out = new VideoFrame(buf, { format: 'RGBA', codedWidth: w, codedHeight: h, timestamp: meta.ts });
  self.postMessage({ id, frame: out }, [out]);
};`;

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
globalThis.run = async (mode, busy) => {
  async function count(track, ms) {
    const reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
    let n = 0; const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      const r = await Promise.race([reader.read(), new Promise((res) => setTimeout(() => res({ timeout: true }), 300))]);
      if (r.timeout) continue; if (r.done) break; r.value.close(); n++;
    }
    return n;
  }
  const a = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  const gen = new MediaStreamTrackGenerator({ kind: 'video' });
  const writer = gen.writable.getWriter();
  const worker = new Worker(URL.createObjectURL(new Blob([${JSON.stringify(WORKER)}], { type: 'text/javascript' })));
  const waiters = new Map();
  worker.onmessage = (e) => {
    const done = waiters.get(e.data.id); waiters.delete(e.data.id);
    const m = e.data.meta;
    done(e.data.buf ? new VideoFrame(e.data.buf, { format: 'RGBA', codedWidth: m.w, codedHeight: m.h, timestamp: m.ts }) : e.data.frame);
  };
  const reader = new MediaStreamTrackProcessor({ track: a.getVideoTracks()[0] }).readable.getReader();
  let stop = false, inFlight = 0, nextId = 1, chain = Promise.resolve();
  (async () => {
    while (!stop) {
      const { value: f, done } = await reader.read(); if (done) break;
      while (inFlight >= 2) await new Promise((r) => setTimeout(r, 2));
      inFlight++;
      const id = nextId++, clone = f.clone();
      const result = new Promise((res) => waiters.set(id, res));
      worker.postMessage({ frame: clone, mode, id, busy }, [clone]);
      chain = chain.then(async () => { const out = await result; inFlight--; f.close(); await writer.write(out); });
    }
  })();
  const before = await count(gen.clone(), 2000);
  const b = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
  const [second, processed] = await Promise.all([count(b.getVideoTracks()[0], 3000), count(gen.clone(), 3000)]);
  stop = true; a.getTracks().forEach((t) => t.stop()); b.getTracks().forEach((t) => t.stop()); worker.terminate();
  return { mode, busyMs: busy, processedBefore2s: before, secondTrack3s: second, processed3s: processed };
};
</script>`;

const server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(PAGE); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const ctx = await chromium.launchPersistentContext(mkdtempSync('/tmp/rl-stall-'), {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${clip}`],
});
try {
  const page = await ctx.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  for (const mode of ['rgba', 'rgbabuf', 'clone']) {
    for (let i = 0; i < runs; i++) console.log(JSON.stringify(await page.evaluate(([m, b]) => globalThis.run(m, b), [mode, busyMs])));
  }
} finally {
  await ctx.close();
  server.close();
}
