/**
 * The analytic geometry prior in real Chromium (tasks-vision FaceLandmarker + MediaPipeSegmenter, CPU), in a module
 * worker and on the main thread, on real portraits (shared data; skipped loudly when absent) and on the drawn
 * synthetic person (no real face: the prior must fall back to the silhouette). Checks that face normals point the
 * right way (nose toward the camera, image-left cheek to the left, image-right cheek to the right, forehead up),
 * that normals are unit length, and that the leak tracker ends at zero. Prints median ms per frame at 640x480 and
 * writes tests/.artifacts/geometry-<realm>-<case>.png: frame | normals (n*0.5+0.5) | confidence | silhouette only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launch, type Launched } from '../support/browser.js';
import { ARTIFACTS_DIR, hasData } from '../support/env.js';
import { openTestPage, pageApi, serveSharedData, sharedDataUrl } from '../support/pages.js';
import type { GeometryRunOptions, GeometryRunResult } from './pages/geometry-harness.js';
import type { GeometryCaseSpec, GeometryTestApi } from './pages/geometry-page.js';

const WHO = 'geometry-prior.test';
// RL_GEOMETRY_ITERATIONS=30 for a steadier timing run.
const OPTIONS: GeometryRunOptions = { frameWidthPx: 640, frameHeightPx: 480, iterations: Number(process.env.RL_GEOMETRY_ITERATIONS ?? 12), png: true };
const PORTRAITS = ['portraits/neutral_front/001_03.jpg', 'portraits/lisa/lisa1.jpg', 'portraits/zoom/30cm.jpg', 'portraits/canada/003f.jpg'];

function specs(): GeometryCaseSpec[] {
  const out: GeometryCaseSpec[] = [];
  for (const rel of PORTRAITS) {
    if (!hasData(rel, WHO)) continue;
    out.push({ name: rel.replace(/^portraits\//, '').replace(/[/.]/g, '-').replace(/-jpg$/, ''), imageUrl: sharedDataUrl(rel) });
  }
  out.push({ name: 'synthetic' });
  return out;
}

async function runOn(page: Page, realm: 'main' | 'worker', s: GeometryCaseSpec[]): Promise<GeometryRunResult> {
  return pageApi<GeometryTestApi>(page, 'geometryTest').run(realm, s, OPTIONS);
}

const f = (v: number[]) => `(${v.map((x) => x.toFixed(2)).join(', ')})`;

function report(result: GeometryRunResult): void {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  console.log(`[${WHO}] ${result.realm}: init ${result.initMs.toFixed(0)} ms, open handles ${JSON.stringify(result.openHandles)}`);
  for (const c of result.cases) {
    const t = c.medianMs;
    console.log(`  ${c.name}: grid ${c.gridWidthPx}x${c.gridHeightPx}, face ${c.faceFound}, known ${(100 * c.knownFrac).toFixed(0)}%, ` +
      `face ${(100 * c.faceFrac).toFixed(0)}% | median prior ${t.prior.toFixed(1)} ms (landmarks ${t.landmarks.toFixed(1)}, ` +
      `raster ${t.faceRaster.toFixed(2)}, silhouette ${t.silhouette.toFixed(2)}), segment ${t.segment.toFixed(1)} ms, ` +
      `SilhouetteEstimator ${t.silhouetteEstimator.toFixed(2)} ms`);
    for (const [tag, regions] of [['final', c.regions], ['face ', c.faceRegions]] as const) {
      if (!regions) continue;
      console.log(`   ${tag}: ` + Object.entries(regions).map(([k, r]) => `${k} ${f(r.normal)} c=${r.confidence.toFixed(2)}`).join(' | '));
    }
    if (c.landmarks) writeFileSync(resolve(ARTIFACTS_DIR, `geometry-${result.realm}-${c.name}-landmarks.json`), JSON.stringify(c.landmarks));
    if (c.pngBase64) writeFileSync(resolve(ARTIFACTS_DIR, `geometry-${result.realm}-${c.name}.png`), Buffer.from(c.pngBase64, 'base64'));
  }
}

function expectSound(result: GeometryRunResult, caseCount: number): void {
  expect(result.cases).toHaveLength(caseCount);
  for (const c of result.cases) {
    expect.soft(c.gridWidthPx, c.name).toBe(128);
    expect.soft(c.gridHeightPx, c.name).toBe(96);
    expect.soft(c.maxUnitError, `${c.name} unit normals`).toBeLessThan(1e-3);
    expect.soft(c.knownFrac, `${c.name} known area`).toBeGreaterThan(0.1);
    if (c.name === 'synthetic') {
      // A skin-coloured ellipse is not a face: silhouette only, whose confidence is at most 0.5.
      if (!c.faceFound) expect.soft(c.maxConfidence, 'synthetic: silhouette confidence').toBeLessThanOrEqual(0.5 + 1e-6);
      continue;
    }
    expect.soft(c.faceFound, `${c.name}: face found`).toBe(true);
    const r = c.regions;
    const fr = c.faceRegions;
    if (!r || !fr) continue;
    // The final maps (what the renderer gets).
    expect.soft(r.nose.normal[2], `${c.name}: nose faces the camera`).toBeGreaterThan(0.8);
    expect.soft(r.imageLeftCheek.normal[0], `${c.name}: image-left cheek faces left`).toBeLessThan(-0.2);
    expect.soft(r.imageRightCheek.normal[0], `${c.name}: image-right cheek faces right`).toBeGreaterThan(0.2);
    expect.soft(r.forehead.normal[1], `${c.name}: forehead faces up`).toBeGreaterThan(0);
    expect.soft(r.nose.confidence, `${c.name}: nose confidence`).toBeGreaterThan(0.9);
    // The face layer alone: the forehead's slope toward the hairline is clearer before the silhouette blend,
    // whose head interior faces the camera.
    expect.soft(fr.forehead.normal[1], `${c.name}: face layer forehead faces up`).toBeGreaterThan(0.05);
    expect.soft(c.maxConfidence, `${c.name}: face confidence reaches 1`).toBeGreaterThan(0.99);
  }
  expect(result.totalOpen, JSON.stringify(result.openHandles)).toBe(0);
}

describe('AnalyticPriorEstimator in Chromium', () => {
  let browser: Launched;
  let page: Page;
  const cases = specs();

  beforeAll(async () => {
    browser = await launch();
    page = await openTestPage(browser, 'geometry.html', { setup: serveSharedData });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('estimates face + silhouette normals in a module worker', async () => {
    const result = await runOn(page, 'worker', cases);
    report(result);
    expect(result.realm).toBe('worker');
    expectSound(result, cases.length);
  });

  it('does the same on the main thread', async () => {
    const result = await runOn(page, 'main', cases);
    report(result);
    expect(result.realm).toBe('main');
    expectSound(result, cases.length);
  });
});
