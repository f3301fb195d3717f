/**
 * The WebGPU renderer (SwiftShader here) against the CPU reference in real Chromium, on synthetic sphere scenes:
 * same pixels within a code value or two, in the page and in a module worker; device loss reported as
 * 'gpu-lost'; nothing left open after dispose; relit PNGs saved to tests/.artifacts; CPU timings printed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, type Launched } from '../support/browser.js';
import { ARTIFACTS_DIR } from '../support/env.js';
import { openTestPage, pageApi, type PageApi } from '../support/pages.js';
import type { RenderApi } from './pages/render-page.js';
import type { CompareResult, SceneSpec } from './pages/render-harness.js';

/** The page's `window.rr` (tests/browser/pages/render-page.ts), typed by the page module. */
const rr = (page: Page): PageApi<RenderApi> => pageApi<RenderApi>(page, 'rr');

function spec(widthPx: number, heightPx: number, patch: Partial<SceneSpec> = {}): SceneSpec {
  return {
    widthPx, heightPx, geometryPx: [Math.max(16, widthPx >> 2), Math.max(12, heightPx >> 2)], maskPx: [Math.max(16, widthPx >> 1), Math.max(12, heightPx >> 1)],
    background: 'keep', strength: 0.9, frames: 3, smoothing: 0.6, ...patch,
  };
}

/** Writes input | CPU | GPU | |CPU - GPU| x 32 side by side. */
function savePng(name: string, img: NonNullable<CompareResult['images']>): string {
  const { widthPx: w, heightPx: h } = img;
  const [inp, cpu, gpu] = [img.input, img.cpu, img.gpu].map((s) => Buffer.from(s, 'base64'));
  const png = new PNG({ width: w * 4 + 12, height: h });
  png.data.fill(255);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * 4;
    const put = (tile: number, r: number, g: number, b: number) => {
      const o = (y * png.width + tile * (w + 4) + x) * 4;
      png.data[o] = r; png.data[o + 1] = g; png.data[o + 2] = b; png.data[o + 3] = 255;
    };
    put(0, inp![i]!, inp![i + 1]!, inp![i + 2]!);
    put(1, cpu![i]!, cpu![i + 1]!, cpu![i + 2]!);
    put(2, gpu![i]!, gpu![i + 1]!, gpu![i + 2]!);
    const d = (c: number) => Math.min(255, Math.abs(cpu![i + c]! - gpu![i + c]!) * 32);
    put(3, d(0), d(1), d(2));
  }
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const out = resolve(ARTIFACTS_DIR, name);
  writeFileSync(out, PNG.sync.write(png));
  return out;
}

function report(label: string, r: CompareResult): void {
  const worst = r.diffs.reduce((a, d) => ({ meanAbs: Math.max(a.meanAbs, d.meanAbs), max: Math.max(a.max, d.max), over2: Math.max(a.over2, d.over2) }), { meanAbs: 0, max: 0, over2: 0 });
  console.log(`[render-webgpu] ${label}: |cpu-gpu| mean ${worst.meanAbs.toFixed(4)} max ${worst.max} >2: ${(worst.over2 * 100).toFixed(3)}% | relit change ${r.cpuChange.toFixed(1)} codes | cpu ${r.cpuMs.map((v) => v.toFixed(0)).join('/')} ms, gpu ${r.gpuMs.map((v) => v.toFixed(0)).join('/')} ms | ${r.adapter.description} (fallback ${r.adapter.fallback}), upload ${r.uploadPath}`);
}

function expectMatch(r: CompareResult): void {
  expect(r.diffs.length).toBeGreaterThan(0);
  for (const d of r.diffs) {
    expect(d.meanAbs).toBeLessThan(0.25); // codes: well under 1/255
    expect(d.max).toBeLessThanOrEqual(3);
    expect(d.over2).toBeLessThan(1e-3);
  }
  expect(r.cpuChange).toBeGreaterThan(1); // the light did change the frame (mean over the whole frame): equality is not vacuous
  expect(r.totalOpenAfterDispose).toBe(0);
}

describe('WebGpuRenderer vs CpuRenderer (Chromium, WebGPU on SwiftShader)', () => {
  let b: Launched;
  let page: Page;
  beforeAll(async () => {
    b = await launch({ webgpu: true });
    page = await openTestPage(b, 'render.html');
  });
  afterAll(async () => b?.close());

  it('64x48: same pixels as the CPU reference over 3 frames (temporal history included), no leaks', async () => {
    const r = await rr(page).compare(spec(64, 48));
    report('64x48', r);
    expect(r.adapter.fallback).toBe(true);
    expect(r.uploadPath).toBe('copy-to');
    expectMatch(r);
  });

  it('640x480: same pixels; PNGs saved (keep, dim and relight backgrounds)', async () => {
    for (const background of ['keep', 'dim', 'relight'] as const) {
      const r = await rr(page).compare(spec(640, 480, { background, frames: 2, geometryPx: [128, 128], maskPx: [256, 256] }), {}, true);
      report(`640x480 ${background}`, r);
      expectMatch(r);
      console.log(`[render-webgpu] wrote ${savePng(`render-640x480-${background}.png`, r.images!)}`);
    }
  });

  it('the zero-copy upload probe (copyExternalImageToTexture) either works or falls back cleanly, same pixels', async () => {
    const r = await rr(page).compare(spec(160, 120), { upload: 'external' });
    report('160x120 upload probe', r);
    expect(['external', 'copy-to']).toContain(r.uploadPath);
    expectMatch(r);
  });

  it('runs in a module worker, both renderers, with the same result and no leaks', async () => {
    const r = await rr(page).compareInWorker(spec(160, 120));
    report('160x120 in worker', r);
    expectMatch(r);
  });

  it('the tier table puts this machine (SwiftShader) on the CPU renderer', async () => {
    const r = await rr(page).factory();
    console.log(`[render-webgpu] tier: ${JSON.stringify(r)}`);
    expect(r).toMatchObject({ tier: 'webgpu-fallback', backend: 'cpu', fallbackAdapter: true });
  });

  it("reports device loss once, and then rejects renders with 'gpu-lost'", async () => {
    const r = await rr(page).deviceLoss();
    console.log(`[render-webgpu] device loss: ${JSON.stringify(r)}`);
    expect(r.okBefore).toBe(true);
    expect(r.reported).toMatch(/destroyed/);
    expect(r.codeAfter).toBe('gpu-lost');
    expect(r.openAfter).toBe(0);
  });

  it('times the CPU renderer (page and worker) and the WebGPU renderer', async () => {
    const rows: string[] = [];
    for (const [w, h] of [[640, 480], [1280, 720]] as const) {
      const main = await rr(page).time('cpu', w, h, 8);
      const worker = await rr(page).timeInWorker('cpu', w, h, 8);
      rows.push(`cpu ${w}x${h}: main median ${main.medianMs.toFixed(1)} ms (min ${main.minMs.toFixed(1)}), worker median ${worker.medianMs.toFixed(1)} ms (min ${worker.minMs.toFixed(1)}); split ${JSON.stringify(main.split)}`);
      expect(main.medianMs).toBeGreaterThan(0);
    }
    for (const [w, h] of [[640, 480], [1280, 720]] as const) {
      const gpu = await rr(page).time('webgpu', w, h, 4);
      rows.push(`webgpu (SwiftShader) ${w}x${h}: median ${gpu.medianMs.toFixed(1)} ms (min ${gpu.minMs.toFixed(1)}); split ${JSON.stringify(gpu.split)}`);
    }
    for (const r of rows) console.log(`[render-webgpu] ${r}`);
  });
});
