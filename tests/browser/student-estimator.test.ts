/**
 * StudentEstimator end to end in Chromium (onnxruntime-web wasm, one thread): VideoFrame + mask -> GeometryMaps.
 * - contract: content-grid size for a 4:3 frame, unit normals where confident, nothing outside the person,
 *   every-N scheduling, all ORT tensors and frames closed, `disposed` after dispose;
 * - what a user would notice: on a real frontal portrait (Face Research Lab London Set, shared data) the normals on
 *   the image-left side of the head point left (-x) and on the right side point right (+x).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, type Launched } from '../support/browser.js';
import { DATA_DIR, hasData } from '../support/env.js';
import { openTestPage, pageApi, type PageApi } from '../support/pages.js';
import type { EstimateRequest, StudentApi } from './pages/student-page.js';

const PORTRAIT = 'portraits/neutral_front/001_03.jpg';

describe('StudentEstimator in the browser', () => {
  let browser: Launched;
  let student: PageApi<StudentApi>;

  beforeAll(async () => {
    browser = await launch();
    student = pageApi<StudentApi>(await openTestPage(browser, 'student.html'), 'student');
  });
  afterAll(async () => browser?.close());

  const run = (req: EstimateRequest) => student.estimate(req);

  it('honours the GeometryEstimator contract and leaks nothing', async () => {
    const r = await run({ frameWidthPx: 640, frameHeightPx: 480, ellipse: { cx: 0.5, cy: 0.45, rx: 0.16, ry: 0.3, shoulders: true }, calls: 6, everyNFrames: 2, frameStepMs: 33 });
    expect(r.backend).toBe('wasm');
    expect(r.inferences).toBe(3);
    for (const s of r.out) {
      expect([s.widthPx, s.heightPx]).toEqual([128, 96]);
      expect(s.source).toBe('student');
      expect(s.maxLenErr).toBeLessThan(1e-3);
      expect(s.outsideNonZero).toBe(0);
      expect(s.pixelsInside).toBeGreaterThan(500);
      expect(s.hasAlbedo).toBe(true);
    }
    const last = r.steps[r.steps.length - 1]!;
    console.log(`[StudentEstimator] last model call: prepare ${last.prepareMs.toFixed(1)} ms, inference ${last.inferenceMs.toFixed(1)} ms, post ${last.postMs.toFixed(1)} ms`);
    console.log(`[StudentEstimator] inference ms ${r.inferMs.map((x) => x.toFixed(1)).join(', ')}; estimate() ms ${r.totalMs.map((x) => x.toFixed(1)).join(', ')}`);
    expect(r.openHandles).toBe(0);
    expect(r.afterDispose).toBe('disposed');
  });

  it('serves overlapping calls without running the session twice at once', async () => {
    const r = await student.concurrent(
      { frameWidthPx: 640, frameHeightPx: 480, ellipse: { cx: 0.5, cy: 0.45, rx: 0.16, ry: 0.3 }, calls: 3, everyNFrames: 1, frameStepMs: 33 });
    expect(r.statuses).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(r.sizes).toEqual(['128x96', '128x96', '128x96']);
    // The first call runs the model; the others either wait for it (no history yet) or reuse its output.
    expect(r.inferences).toBeGreaterThanOrEqual(1);
    expect(r.inferences).toBeLessThanOrEqual(3);
    expect(r.openHandles).toBe(0);
  });

  it('gives outward-facing normals at the sides of a real face', async () => {
    if (!hasData(PORTRAIT, 'student estimator portrait')) return;
    const imageBase64 = readFileSync(join(DATA_DIR, PORTRAIT)).toString('base64');
    // The 768x768 portrait cover-fitted into 640x480: the face is centred, about a third of the frame wide.
    const r = await run({ imageBase64, frameWidthPx: 640, frameHeightPx: 480, ellipse: { cx: 0.5, cy: 0.42, rx: 0.17, ry: 0.33, shoulders: true }, calls: 2, everyNFrames: 1, frameStepMs: 33 });
    const s = r.out[1]!;
    console.log(`[StudentEstimator] portrait: left nx ${s.leftMeanNx.toFixed(3)}, right nx ${s.rightMeanNx.toFixed(3)}, mean confidence ${s.meanConfidenceInside.toFixed(3)}`);
    expect(s.leftMeanNx).toBeLessThan(-0.3);
    expect(s.rightMeanNx).toBeGreaterThan(0.3);
    expect(s.meanConfidenceInside).toBeGreaterThan(0.2);
    expect(r.openHandles).toBe(0);
  });
});

describe('StudentEstimator backend choice', () => {
  it("'auto' stays on wasm when the only WebGPU adapter is a fallback (SwiftShader)", async () => {
    const b = await launch({ webgpu: true });
    try {
      const onGpu = pageApi<StudentApi>(await openTestPage(b, 'student.html'), 'student');
      const info = await onGpu.adapterInfo();
      console.log(`[StudentEstimator] WebGPU adapter here: ${JSON.stringify(info)}`);
      const r = await onGpu.estimate(
        { frameWidthPx: 320, frameHeightPx: 240, ellipse: { cx: 0.5, cy: 0.45, rx: 0.16, ry: 0.3 }, calls: 1, everyNFrames: 1, frameStepMs: 33, backend: 'auto' });
      // A real GPU would (correctly) pick webgpu; this machine only has SwiftShader.
      expect(r.backend).toBe(info.hasAdapter && info.isFallback === false ? 'webgpu' : 'wasm');
      expect(r.openHandles).toBe(0);
    } finally {
      await b.close();
    }
  });
});
