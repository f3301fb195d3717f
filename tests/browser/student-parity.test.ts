/**
 * The shipped student in onnxruntime-web 1.30 (wasm, Chromium) against PyTorch: tests/fixtures/student/* holds two
 * inputs and the PyTorch outputs written by models/training/export_onnx.py for the same weights
 * (fixtures.json records the model's sha256, checked here so a re-exported model without new fixtures fails).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, type Launched } from '../support/browser.js';
import { REPO_ROOT } from '../support/env.js';
import { openTestPage, pageApi, type PageApi } from '../support/pages.js';
import type { StudentApi } from './pages/student-page.js';

describe('student ONNX parity (ORT-web wasm vs PyTorch)', () => {
  let browser: Launched;
  let student: PageApi<StudentApi>;
  const index = JSON.parse(readFileSync(join(REPO_ROOT, 'tests/fixtures/student/fixtures.json'), 'utf8')) as { model: string; modelSha256: string };

  beforeAll(async () => {
    browser = await launch();
    student = pageApi<StudentApi>(await openTestPage(browser, 'student.html'), 'student');
  });
  afterAll(async () => browser?.close());

  it('fixtures belong to the shipped model', () => {
    const sha = createHash('sha256').update(readFileSync(join(REPO_ROOT, index.model))).digest('hex');
    expect(sha).toBe(index.modelSha256);
  });

  it('matches PyTorch within 1e-4 on every output', async () => {
    const r = await student.parity('/tests/fixtures/student');
    expect(r.tolerance).toBeLessThanOrEqual(1e-4);
    expect(r.results.length).toBe(6);
    for (const x of r.results) {
      console.log(`[StudentParity] case ${x.case} ${x.output}: max |ort - torch| = ${x.maxAbs.toExponential(2)} over ${x.n}`);
      expect(x.finite).toBe(true);
      expect(x.maxAbs).toBeLessThan(r.tolerance);
    }
  });
});
