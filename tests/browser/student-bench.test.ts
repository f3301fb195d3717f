/**
 * Times the shipped student (models/student.onnx) in onnxruntime-web wasm, one thread, headless Chromium, at its
 * input size. The product budget is 15 ms per inference; this machine's noise is 20-50% (../shared/NOTES.md), so
 * the assertion is a loose ceiling that still catches an accidentally large model, and the measured median is
 * printed and written to tests/.artifacts/student/bench.json for models/MODELS.md.
 *
 * STUDENT_BENCH_MODELS=path1.onnx:size,path2.onnx:size (repo-relative) times other graphs (architecture search).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, type Launched } from '../support/browser.js';
import { ARTIFACTS_DIR } from '../support/env.js';
import { openTestPage, pageApi, type PageApi } from '../support/pages.js';
import type { StudentApi } from './pages/student-page.js';

const RUNS = Number(process.env.STUDENT_BENCH_RUNS ?? 40);
const CEILING_MS = 40;

describe('student model timing (ORT-web wasm, single thread)', () => {
  let browser: Launched;
  let student: PageApi<StudentApi>;

  beforeAll(async () => {
    browser = await launch();
    student = pageApi<StudentApi>(await openTestPage(browser, 'student.html'), 'student');
  });
  afterAll(async () => browser?.close());

  it('runs the shipped student within budget', async () => {
    const models = (process.env.STUDENT_BENCH_MODELS ?? 'models/student.onnx:128').split(',');
    const all: Record<string, Awaited<ReturnType<StudentApi['bench']>>> = {};
    for (const spec of models) {
      const [path, size] = spec.split(':') as [string, string];
      const r = await student.bench(`/${path}`, Number(size), RUNS);
      console.log(`[StudentBench] ${path} @${size}: median ${r.medianMs.toFixed(2)} ms, min ${r.minMs.toFixed(2)} ms, first ${r.firstMs.toFixed(1)} ms, create ${r.createMs.toFixed(0)} ms, ${r.backend} x${r.threads}`);
      all[path] = r;
      expect(r.backend).toBe('wasm');
      expect(r.threads).toBe(1);
      if (!process.env.STUDENT_BENCH_MODELS) expect(r.medianMs).toBeLessThan(CEILING_MS);
    }
    mkdirSync(join(ARTIFACTS_DIR, 'student'), { recursive: true });
    writeFileSync(join(ARTIFACTS_DIR, 'student', 'bench.json'), JSON.stringify({ runs: RUNS, results: all }, null, 1));
  });
});
