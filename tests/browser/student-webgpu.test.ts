/**
 * Opt-in (STUDENT_WEBGPU=1): the student through ORT-web's WebGPU EP, against the PyTorch fixtures. On this
 * machine the only adapter is SwiftShader, where the EP is very slow (../shared/NOTES.md: seconds to tens of
 * seconds per inference), so it is not part of the default run; on a machine with a real GPU it checks the path
 * StudentEstimator takes by default there. Tolerance 1e-3 (GPU float arithmetic differs more than wasm's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, type Launched } from '../support/browser.js';
import { openTestPage, pageApi, type PageApi } from '../support/pages.js';
import type { StudentApi } from './pages/student-page.js';

describe.skipIf(process.env.STUDENT_WEBGPU !== '1')('student ONNX on the WebGPU EP', () => {
  let browser: Launched;
  let student: PageApi<StudentApi>;
  beforeAll(async () => {
    browser = await launch({ webgpu: true });
    student = pageApi<StudentApi>(await openTestPage(browser, 'student.html'), 'student');
  });
  afterAll(async () => browser?.close());

  it('matches PyTorch on the first fixture', async () => {
    const r = await student.parity('/tests/fixtures/student', 'webgpu', 1);
    expect(r.backend).toBe('webgpu');
    for (const x of r.results) {
      console.log(`[StudentWebGpu] ${x.output}: max |webgpu - torch| = ${x.maxAbs.toExponential(2)}`);
      expect(x.finite).toBe(true);
      expect(x.maxAbs).toBeLessThan(1e-3);
    }
  }, 600_000);
});
