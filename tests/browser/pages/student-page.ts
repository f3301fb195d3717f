/**
 * Drives the ONNX student for tests/browser/student-*.test.ts through `window.student`:
 * timing of a model in ORT-web (wasm, one thread unless the page is cross-origin isolated), PyTorch parity on
 * the fixtures written by models/training/export_onnx.py, and the StudentEstimator end to end on a VideoFrame.
 */
(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = true;

import { createStudentSession } from '../../../src/geometry/student-session.js';

interface FixtureIndex {
  model: string;
  inputName: string;
  outputNames: string[];
  tolerance: number;
  cases: { input: { file: string; shape: number[] }; outputs: Record<string, { file: string; shape: number[] }> }[];
}

async function fetchF32(url: string): Promise<Float32Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`[StudentPage] ${url}: HTTP ${res.status}`);
  return new Float32Array(await res.arrayBuffer());
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const api = {
  /** Median ms of `runs` inferences after 3 warm-ups, on a fixed random input. */
  async bench(modelUrl: string, size: number, runs: number, backend: 'wasm' | 'webgpu' = 'wasm') {
    const t0 = performance.now();
    const s = await createStudentSession(modelUrl, { backend });
    const createMs = performance.now() - t0;
    const data = new Float32Array(4 * size * size);
    for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 1000) / 1000;
    const times: number[] = [];
    let firstMs = 0;
    for (let r = 0; r < runs + 3; r++) {
      const input = new s.ort.Tensor('float32', data, [1, 4, size, size]);
      const t = performance.now();
      const out = await s.session.run({ [s.inputName]: input });
      const dt = performance.now() - t;
      if (r === 0) firstMs = dt;
      if (r >= 3) times.push(dt);
      input.dispose();
      for (const v of Object.values(out)) v.dispose();
    }
    await s.release();
    return { medianMs: median(times), minMs: Math.min(...times), firstMs, createMs, backend: s.backend, threads: s.numThreads };
  },

  /** Runs every fixture case and returns the max |onnx - torch| per output. */
  async parity(fixtureBase: string) {
    const index = (await (await fetch(`${fixtureBase}/fixtures.json`)).json()) as FixtureIndex;
    const s = await createStudentSession(`/${index.model}`, { backend: 'wasm' });
    const results: { case: number; output: string; maxAbs: number; n: number; finite: boolean }[] = [];
    for (let i = 0; i < index.cases.length; i++) {
      const c = index.cases[i]!;
      const x = await fetchF32(`${fixtureBase}/${c.input.file}`);
      const input = new s.ort.Tensor('float32', x, c.input.shape);
      const out = await s.session.run({ [s.inputName]: input });
      for (const name of index.outputNames) {
        const want = await fetchF32(`${fixtureBase}/${c.outputs[name]!.file}`);
        const got = out[name]!.data as Float32Array;
        let maxAbs = 0;
        let finite = got.length === want.length;
        for (let k = 0; k < want.length; k++) {
          const g = got[k]!;
          if (!Number.isFinite(g)) finite = false;
          maxAbs = Math.max(maxAbs, Math.abs(g - want[k]!));
        }
        results.push({ case: i, output: name, maxAbs, n: want.length, finite });
      }
      input.dispose();
      for (const v of Object.values(out)) v.dispose();
    }
    await s.release();
    return { tolerance: index.tolerance, results };
  },
};

(globalThis as unknown as { student: typeof api }).student = api;
(globalThis as unknown as { studentReady: boolean }).studentReady = true;
