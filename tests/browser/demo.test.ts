/**
 * The demo page in real Chromium: reaches a relit frame on the fake camera (the person region differs from the raw
 * frame), falls back to the bundled sample when there is no camera, and shows a clear error for an invalid HDR.
 * Saves docs/images/demo.png for the README (RL_UPDATE_DOC_IMAGES=1) and tests/.artifacts/demo-*.png always.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launch, type Launched } from '../support/browser.js';
import { sharedClipY4m, syntheticPortraitY4m } from '../support/y4m.js';
import { ARTIFACTS_DIR, DATA_DIR, REPO_ROOT, hasData } from '../support/env.js';

async function openDemo(b: Launched, query: string): Promise<Page> {
  const page = await b.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${inject('baseUrl')}/demo/${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 90_000 });
  await page.waitForFunction(() => (globalThis as unknown as { demo: { relighter(): { stats(): { mode: string } } | null } })
    .demo.relighter()?.stats().mode === 'processing', undefined, { timeout: 90_000 });
  return page;
}

/**
 * Mean |after - before| over the central (face) box, from the two <video>s. Polls for up to 20 s (a loaded machine
 * may be rebuilding the pipeline at any one instant) and returns the largest difference seen.
 */
async function compareVideos(page: Page): Promise<{ inside: number }> {
  let best = { inside: 0 };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const d = await compareOnce(page);
    if (d.inside > best.inside) best = d;
    if (best.inside > 8) break;
  }
  return best;
}

function compareOnce(page: Page) {
  return page.evaluate(async () => {
    const grab = (id: string) => {
      const v = document.getElementById(id) as HTMLVideoElement;
      const c = new OffscreenCanvas(160, 120);
      const ctx = c.getContext('2d')!;
      ctx.drawImage(v, 0, 0, 160, 120);
      return ctx.getImageData(0, 0, 160, 120).data;
    };
    await new Promise((r) => setTimeout(r, 500));
    const a = grab('before'), b = grab('after');
    let din = 0, nin = 0;
    for (let y = 36; y < 72; y++) for (let x = 64; x < 96; x++) {
      const i = (y * 160 + x) * 4;
      din += (Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!)) / 3;
      nin++;
    }
    return { inside: din / nin };
  });
}

describe('demo page', () => {
  let b: Launched;
  beforeAll(async () => {
    const clip = hasData('videos/grid', 'demo test (real clip)') ? sharedClipY4m(firstGridClip()) : syntheticPortraitY4m();
    b = await launch({ fakeVideo: clip, webgpu: true });
  });
  afterAll(async () => b?.close());

  it('relights the camera: the person differs from the raw frame', async () => {
    const page = await openDemo(b, '?preset=warm-sunset');
    await page.evaluate(() => (globalThis as unknown as { demo: { relighter(): { update(p: unknown): void } } }).demo.relighter().update({ preset: 'warm-sunset', strength: 1 }));
    await page.waitForTimeout(1500);
    const d = await compareVideos(page);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: resolve(ARTIFACTS_DIR, 'demo-camera.png') });
    expect(d.inside).toBeGreaterThan(4);
  });

  it('falls back to the bundled sample and relights it', async () => {
    const page = await openDemo(b, '?source=sample');
    expect(await page.evaluate(() => document.body.dataset.source)).toBe('sample');
    await page.waitForTimeout(1500);
    const d = await compareVideos(page);
    const shot = resolve(ARTIFACTS_DIR, 'demo-sample.png');
    await page.screenshot({ path: shot });
    if (process.env.RL_UPDATE_DOC_IMAGES) copyFileSync(shot, resolve(REPO_ROOT, 'docs/images/demo.png'));
    expect(d.inside).toBeGreaterThan(4);
  });

  it('shows a clear error for an invalid HDR and keeps the lighting', async () => {
    const page = await openDemo(b, '?source=sample');
    const before = await page.evaluate(() => (globalThis as unknown as { demo: { relighter(): { settings: { preset: string } } } }).demo.relighter().settings.preset);
    await page.setInputFiles('#hdr-file', { name: 'broken.hdr', mimeType: 'application/octet-stream', buffer: Buffer.from('#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 4 +X 8\n\u0002\u0002') });
    await page.waitForFunction(() => (document.getElementById('message')?.textContent ?? '').includes('broken.hdr'));
    const msg = await page.textContent('#message');
    expect(msg).toMatch(/Could not use broken\.hdr: .{10,}/);
    const after = await page.evaluate(() => (globalThis as unknown as { demo: { relighter(): { settings: { preset: string } } } }).demo.relighter().settings.preset);
    expect(after).toBe(before);
  });
});

function firstGridClip(): string {
  const dir = resolve(DATA_DIR, 'videos/grid');
  const f = readdirSync(dir).filter((n) => /\.(mpg|mp4)$/.test(n)).sort()[0]!;
  return `videos/grid/${f}`;
}
