/**
 * MediaPipeSegmenter in real Chromium, on the page's main thread and in a module worker: real portraits (shared
 * data; skipped loudly when absent) and a drawn person. Checks person/background confidence, the model-sized
 * mask, the leak tracker, and the asset base URL override; prints median segment() times; writes overlay PNGs
 * to tests/.artifacts/segment-*.png (frame + mask tint | mask; green = face box, blue = background boxes).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launch, type Launched } from '../support/browser.js';
import { ARTIFACTS_DIR, DATA_DIR, REPO_ROOT, hasData } from '../support/env.js';
import { openTestPage, pageApi, serveSharedData, sharedDataUrl } from '../support/pages.js';

// The page's shapes: type-only imports (erased at run time; the Node test never loads the page modules).
import type { Box, RunResult, SegmentRunOptions } from './pages/segment-harness.js';
import type { SegmentCaseSpec, SegmentTestApi } from './pages/segment-page.js';

const baseUrl = inject('baseUrl');
const WHO = 'segment-mediapipe.test';
const ITERATIONS = 12;

/** Portraits with WebMorph templates; `temWidthPx` = the image width the .tem coordinates refer to. */
const PORTRAITS = [
  { rel: 'portraits/lisa/lisa1.jpg', temWidthPx: 600 },
  { rel: 'portraits/neutral_front/001_03.jpg', temWidthPx: 1350 },
  { rel: 'portraits/neutral_front/005_03.jpg', temWidthPx: 1350 },
  { rel: 'portraits/neutral_front/025_03.jpg', temWidthPx: 1350 },
];
const TOP_CORNERS: Box[] = [[0, 0, 0.12, 0.12], [0.88, 0, 1, 0.12]];

/** Width and height from a baseline/progressive JPEG's SOF marker. */
function jpegSize(bytes: Buffer): { widthPx: number; heightPx: number } {
  let i = 2;
  while (i < bytes.length) {
    const marker = bytes[i + 1]!;
    const len = bytes.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { heightPx: bytes.readUInt16BE(i + 5), widthPx: bytes.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

/**
 * A box inside the face from the template's pupils (points 0 and 1): between the pupils, from just below the
 * eyes to the upper lip, so it holds skin only (no hair, no background) on any frontal portrait.
 */
function faceBoxFromTem(temPath: string, temWidthPx: number, size: { widthPx: number; heightPx: number }): Box {
  const lines = readFileSync(temPath, 'utf8').trim().split(/\r?\n/);
  const pt = (k: number) => lines[1 + k]!.trim().split(/\s+/).map(Number) as [number, number];
  const s = size.widthPx / temWidthPx;
  const [lx, ly] = pt(0).map((v) => v * s) as [number, number];
  const [rx, ry] = pt(1).map((v) => v * s) as [number, number];
  const d = Math.hypot(rx - lx, ry - ly);
  const eyeY = (ly + ry) / 2;
  const x0 = Math.min(lx, rx) + 0.1 * d;
  const x1 = Math.max(lx, rx) - 0.1 * d;
  return [x0 / size.widthPx, (eyeY + 0.15 * d) / size.heightPx, x1 / size.widthPx, (eyeY + 0.85 * d) / size.heightPx];
}

function portraitSpecs(): SegmentCaseSpec[] {
  const specs: SegmentCaseSpec[] = [];
  for (const p of PORTRAITS) {
    if (!hasData(p.rel, WHO)) continue;
    const jpg = resolve(DATA_DIR, p.rel);
    const size = jpegSize(readFileSync(jpg));
    specs.push({
      name: p.rel.replace(/^portraits\//, '').replace(/[/.]/g, '-').replace(/-jpg$/, ''),
      imageUrl: sharedDataUrl(p.rel),
      faceBox: faceBoxFromTem(jpg.replace(/\.jpg$/, '.tem'), p.temWidthPx, size),
      backgroundBoxes: TOP_CORNERS,
    });
  }
  return specs;
}

function syntheticSpec(widthPx: number, heightPx: number, person = true): SegmentCaseSpec {
  const headRx = (heightPx * 0.15) / widthPx;
  return {
    name: `synthetic-${person ? '' : 'empty-'}${widthPx}x${heightPx}`,
    syntheticSize: { widthPx, heightPx },
    person,
    faceBox: [0.5 - headRx * 0.5, 0.36, 0.5 + headRx * 0.5, 0.55],
    backgroundBoxes: [[0, 0, 0.1, 0.1], [0.9, 0, 1, 0.1]],
  };
}

async function runOn(page: Page, realm: 'main' | 'worker', specs: SegmentCaseSpec[], options: SegmentRunOptions): Promise<RunResult> {
  return pageApi<SegmentTestApi>(page, 'segmentTest').run(realm, specs, options);
}

function report(result: RunResult, tag: string): void {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  console.log(`[${WHO}] ${tag}: backend ${result.backend}, init ${result.initMs.toFixed(0)} ms, ` +
    `median segment() ${result.medianMs.toFixed(1)} ms, open handles ${JSON.stringify(result.openHandles)}`);
  for (const c of result.cases) {
    console.log(`  ${c.name} ${c.frameWidthPx}x${c.frameHeightPx} -> mask ${c.maskWidthPx}x${c.maskHeightPx}: ` +
      `face ${c.faceMean.toFixed(3)}, background ${c.backgroundMeans.map((v) => v.toFixed(3)).join('/')}, ` +
      `all ${c.overallMean.toFixed(3)}; median ${c.medianMs.toFixed(1)} ms (resize ${c.medianResizeMs.toFixed(1)}, ` +
      `inference ${c.medianInferenceMs.toFixed(1)})`);
    if (c.overlayPngBase64) {
      writeFileSync(resolve(ARTIFACTS_DIR, `segment-${tag}-${c.name}.png`), Buffer.from(c.overlayPngBase64, 'base64'));
    }
  }
}

function expectGoodMasks(result: RunResult, mask: { widthPx: number; heightPx: number }): void {
  for (const c of result.cases) {
    expect.soft(c.maskWidthPx, `${c.name} mask width`).toBe(mask.widthPx);
    expect.soft(c.maskHeightPx, `${c.name} mask height`).toBe(mask.heightPx);
    if (c.name.includes('empty')) {
      // Negative control: nobody in the room -> (almost) nothing is person.
      expect.soft(c.overallMean, `${c.name} overall mean`).toBeLessThan(0.05);
      continue;
    }
    expect.soft(c.faceMean, `${c.name} face confidence`).toBeGreaterThan(0.7);
    for (const [i, b] of c.backgroundMeans.entries()) {
      expect.soft(b, `${c.name} background box ${i}`).toBeLessThan(0.2);
    }
    // Not a constant mask: a real segmentation has both person and background.
    expect.soft(c.overallMean, `${c.name} overall mean`).toBeGreaterThan(0.15);
    expect.soft(c.overallMean, `${c.name} overall mean`).toBeLessThan(0.85);
  }
  expect(result.totalOpen, JSON.stringify(result.openHandles)).toBe(0);
}

describe('MediaPipeSegmenter in Chromium', () => {
  let browser: Launched;
  let page: Page;
  const portraits = portraitSpecs();
  const cases = [...portraits, syntheticSpec(640, 480), syntheticSpec(1280, 720), syntheticSpec(640, 480, false)];
  /** Every request that did not go to the test server (MediaPipe metrics would show up here). */
  const offMachine: string[] = [];

  beforeAll(async () => {
    browser = await launch();
    page = await openTestPage(browser, 'segment.html', {
      setup: async (p) => {
        p.context().on('requestfailed', (r) => console.log(`[${WHO}] request failed: ${r.url()} ${r.failure()?.errorText}`));
        p.context().on('request', (r) => {
          if (!r.url().startsWith(baseUrl) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) offMachine.push(r.url());
        });
        await serveSharedData(p);
      },
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('segments portraits and a drawn person in a module worker', async () => {
    const result = await runOn(page, 'worker', cases, { iterations: ITERATIONS, overlay: true });
    report(result, 'worker');
    expect(result.realm).toBe('worker');
    expect(result.cases).toHaveLength(cases.length);
    expectGoodMasks(result, { widthPx: 256, heightPx: 256 });
  });

  it('segments the same frames on the main thread', async () => {
    const result = await runOn(page, 'main', cases, { iterations: ITERATIONS, overlay: true });
    report(result, 'main');
    expect(result.realm).toBe('main');
    expectGoodMasks(result, { widthPx: 256, heightPx: 256 });
  });

  it('runs the landscape model (256x144 mask) on a 16:9 frame', async () => {
    const result = await runOn(page, 'main', [syntheticSpec(1280, 720), ...portraits.slice(0, 1)],
      { model: 'landscape', iterations: ITERATIONS, overlay: true });
    report(result, 'landscape');
    expect(result.backend).toBe('mediapipe-cpu-landscape');
    expectGoodMasks(result, { widthPx: 256, heightPx: 144 });
  });

  it('on 16:9 frames of real portraits, the landscape model finds the same person as the general one', async () => {
    // The product gives wide frames to the landscape model (src/segmentation/aspect-segmenter.ts): ~1.7x faster at
    // 1280x720 (npm run bench, segmentation_speedup_landscape_1280x720). This is what it must not cost.
    const sets = ['zoom', 'canada', 'lisa', 'composite', 'neutral_front', 'smiling_front'];
    const rels = sets.flatMap((set) => (hasData(`portraits/${set}`, WHO)
      ? readdirSync(resolve(DATA_DIR, 'portraits', set)).filter((f) => f.endsWith('.jpg')).sort().slice(0, 5).map((f) => `portraits/${set}/${f}`)
      : []));
    if (rels.length === 0) return;
    const r = await pageApi<SegmentTestApi>(page, 'segmentTest').compareVariants(rels.map(sharedDataUrl), 640, 360);
    const byIou = [...r].sort((a, b) => a.iou - b.iou);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    for (const c of byIou.slice(0, 3)) {
      writeFileSync(resolve(ARTIFACTS_DIR, `segment-variants-${c.url.split('/').slice(-2).join('-').replace(/\.jpg$/, '')}.png`), Buffer.from(c.pngBase64, 'base64'));
    }
    const iou = byIou.map((c) => c.iou);
    const med = iou[iou.length >> 1]!;
    console.log(`[${WHO}] general vs landscape on ${r.length} 16:9 portrait frames: IoU median ${med.toFixed(3)}, worst ${byIou.slice(0, 3)
      .map((c) => `${c.url.split('/').slice(-2).join('/')} ${c.iou.toFixed(3)} (area ${c.areaGeneral.toFixed(2)} vs ${c.areaLandscape.toFixed(2)})`).join(', ')}`);
    expect(med).toBeGreaterThan(0.95);
    // The worst measured was a 15 cm close-up whose headband the two models cut differently (0.75).
    expect(iou[0]).toBeGreaterThan(0.65);
    for (const c of r) expect(Math.abs(c.areaGeneral - c.areaLandscape), c.url).toBeLessThan(0.15);
  });

  it('switches to the landscape model when the camera turns 16:9, without missing a frame', async () => {
    const r = await pageApi<SegmentTestApi>(page, 'segmentTest').aspectSwitch(8, 40);
    const firstLandscape = r.heights.indexOf(144);
    console.log(`[${WHO}] aspect switch: masks ${r.heights.length}/48, landscape from frame ${firstLandscape} (the 16:9 frames start at 8), switches ${r.switches}`);
    expect(r.heights).toHaveLength(48);
    expect(r.heights.slice(0, 8).every((h) => h === 256)).toBe(true);
    // The general model serves the 16:9 frames while the landscape one starts, then hands over for good.
    expect(firstLandscape).toBeGreaterThan(8);
    expect(r.heights.slice(firstLandscape).every((h) => h === 144)).toBe(true);
    expect(r.switches).toBe(1);
    expect(r.variant).toBe('landscape');
    expect(r.totalOpen).toBe(0);
  });

  it('also runs with the GPU delegate (WebGL; SwiftShader here, so slow: correctness only)', async () => {
    for (const realm of ['main', 'worker'] as const) {
      const result = await runOn(page, realm, portraits.length ? portraits.slice(0, 1) : [syntheticSpec(640, 480)],
        { delegate: 'GPU', iterations: 2, overlay: false });
      report(result, `gpu-${realm}`);
      expect(result.backend).toBe('mediapipe-gpu');
      expectGoodMasks(result, { widthPx: 256, heightPx: 256 });
    }
  });

  it('loads wasm and model only from assetBaseUrl when one is given', async () => {
    // A host layout built from the same files (see SEGMENTER_ASSET_FILES), served by the dev server.
    const root = resolve(ARTIFACTS_DIR, 'segment-assets');
    rmSync(root, { recursive: true, force: true });
    mkdirSync(resolve(root, 'wasm'), { recursive: true });
    mkdirSync(resolve(root, 'models'), { recursive: true });
    for (const ext of ['js', 'wasm']) {
      symlinkSync(resolve(REPO_ROOT, `node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_module_internal.${ext}`),
        resolve(root, `wasm/vision_wasm_module_internal.${ext}`));
    }
    symlinkSync(resolve(REPO_ROOT, 'models/generated/selfie_segmenter.tflite'), resolve(root, 'models/selfie_segmenter.tflite'));
    const assetBaseUrl = `${baseUrl}/tests/.artifacts/segment-assets/`;
    const requested: string[] = [];
    const onRequest = (r: { url(): string }) => requested.push(r.url());
    page.context().on('request', onRequest);
    try {
      for (const realm of ['main', 'worker'] as const) {
        requested.length = 0;
        const result = await runOn(page, realm, [syntheticSpec(640, 480)], { assetBaseUrl, iterations: 3, overlay: false });
        expectGoodMasks(result, { widthPx: 256, heightPx: 256 });
        // Vite's `?url` modules only export a URL string; the assets are the plain .js/.wasm/.tflite requests.
        const assets = requested.filter((u) => /\.(js|wasm|tflite)$/.test(new URL(u).pathname) && /vision_wasm|tflite/.test(u) &&
          !new URL(u).searchParams.has('url'));
        console.log(`[${WHO}] ${realm} asset requests with override: ${assets.map((u) => u.replace(baseUrl, '')).join(', ')}`);
        expect(assets.some((u) => u.startsWith(`${assetBaseUrl}models/selfie_segmenter.tflite`))).toBe(true);
        expect(assets.filter((u) => !u.startsWith(assetBaseUrl)), 'asset fetched outside the override').toEqual([]);
      }
    } finally {
      page.context().off('request', onRequest);
    }
  });

  it('reports failures with stable codes and survives a bad frame', async () => {
    const r = await pageApi<SegmentTestApi>(page, 'segmentTest').errors(`${baseUrl}/tests/.artifacts/no-such-assets/`);
    console.log(`[${WHO}] errors: ${JSON.stringify(r)}`);
    expect(r.missingAssets).toBe('segmenter-failed');
    expect(r.missingAssetsMessage).toMatch(/HTTP 404.*build:models/);
    expect(r.closedFrame).toBe('segmenter-failed');
    expect(r.timestampsUs).toEqual([20_000, 20_000, 5_000]);
    expect(r.freshArrays).toBe(true);
    expect(r.afterDispose).toBe('disposed');
    expect(r.totalOpen).toBe(0);
  });

  it('sends nothing off the machine (tasks-vision metrics upload disabled)', () => {
    // Each run above disposed its segmenter, which is when tasks-vision flushes its metrics.
    expect(offMachine).toEqual([]);
  });
});
