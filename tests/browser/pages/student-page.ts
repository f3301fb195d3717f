/**
 * Drives the ONNX student for tests/browser/student-*.test.ts through `window.student`:
 * timing of a model in ORT-web (wasm, one thread unless the page is cross-origin isolated), PyTorch parity on
 * the fixtures written by models/training/export_onnx.py, and the StudentEstimator end to end on a VideoFrame.
 */
(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = true;

import { createStudentSession } from '../../../src/geometry/student-session.js';
import { StudentEstimator } from '../../../src/geometry/student-estimator.js';
import { closeTracked, openCounts, totalOpen, trackOpen } from '../../../src/core/leak-tracker.js';
import type { GeometryMaps, Mask } from '../../../src/core/types.js';

export interface EstimateRequest {
  /** Encoded image (PNG/JPEG) as base64; drawn into a frame of frameWidthPx x frameHeightPx (cover-fit). */
  imageBase64?: string;
  frameWidthPx: number;
  frameHeightPx: number;
  /** Person mask: ellipse (centre, radii as fractions of the frame) + optional shoulders box below it. */
  ellipse: { cx: number; cy: number; rx: number; ry: number; shoulders?: boolean };
  calls: number;
  everyNFrames: number;
  frameStepMs: number;
  backend?: 'auto' | 'wasm' | 'webgpu';
}

function makeMask(req: EstimateRequest, w = 256, h = 144): Mask {
  const data = new Float32Array(w * h);
  const e = req.ellipse;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = (x + 0.5) / w, v = (y + 0.5) / h;
      const inside = ((u - e.cx) / e.rx) ** 2 + ((v - e.cy) / e.ry) ** 2 < 1;
      const body = e.shoulders === true && v > e.cy + e.ry * 0.8 && Math.abs(u - e.cx) < e.rx * 2.2;
      data[y * w + x] = inside || body ? 1 : 0;
    }
  }
  return { widthPx: w, heightPx: h, data, timestampUs: 0 };
}

async function makeFrame(req: EstimateRequest, timestampUs: number): Promise<VideoFrame> {
  const c = new OffscreenCanvas(req.frameWidthPx, req.frameHeightPx);
  const ctx = c.getContext('2d')!;
  if (req.imageBase64) {
    const bin = atob(req.imageBase64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const img = await createImageBitmap(new Blob([bytes]));
    const scale = Math.max(c.width / img.width, c.height / img.height);
    const w = img.width * scale, h = img.height * scale;
    ctx.drawImage(img, (c.width - w) / 2, (c.height - h) / 2, w, h);
    img.close();
  } else {
    // A lit sphere-ish head on a grey background: bright on the image-left side.
    ctx.fillStyle = '#556';
    ctx.fillRect(0, 0, c.width, c.height);
    const e = req.ellipse;
    const g = ctx.createRadialGradient(c.width * (e.cx - e.rx * 0.4), c.height * (e.cy - e.ry * 0.3), 2, c.width * e.cx, c.height * e.cy, c.width * e.rx * 1.2);
    g.addColorStop(0, '#f3c9a8');
    g.addColorStop(1, '#5a3a2a');
    ctx.fillStyle = g;
    ctx.beginPath();
    ctx.ellipse(c.width * e.cx, c.height * e.cy, c.width * e.rx, c.height * e.ry, 0, 0, Math.PI * 2);
    ctx.fill();
  }
  return trackOpen('VideoFrame', new VideoFrame(c, { timestamp: timestampUs }));
}

function summarise(g: GeometryMaps, mask: Mask, e: EstimateRequest['ellipse']) {
  // Head sides: in the rows of the head (v within [cy - 0.5 ry, cy + 0.3 ry]) the outer quarter of the person's
  // extent on each side; their mean normal x should point outward (-x on the image left, +x on the right).
  let left = 0, nl = 0, right = 0, nr = 0, maxLenErr = 0, outsideNonZero = 0, confIn = 0, nIn = 0;
  for (let y = 0; y < g.heightPx; y++) {
    const v = (y + 0.5) / g.heightPx;
    let xs = -1, xe = -1;
    for (let x = 0; x < g.widthPx; x++) {
      const p = y * g.widthPx + x;
      const nx = g.normals[p * 3]!, ny = g.normals[p * 3 + 1]!, nz = g.normals[p * 3 + 2]!;
      const len = Math.hypot(nx, ny, nz);
      const mx = mask.data[Math.floor(v * mask.heightPx) * mask.widthPx + Math.floor(((x + 0.5) / g.widthPx) * mask.widthPx)]!;
      if (g.confidence[p]! > 0) {
        maxLenErr = Math.max(maxLenErr, Math.abs(len - 1));
        confIn += g.confidence[p]!; nIn++;
        if (xs < 0) xs = x;
        xe = x;
      } else if (mx === 0 && (len > 0 || g.confidence[p]! > 0)) {
        outsideNonZero++;
      }
    }
    if (xs < 0 || v < e.cy - 0.5 * e.ry || v > e.cy + 0.3 * e.ry) continue;
    const quarter = (xe - xs) / 4;
    for (let x = xs; x <= xe; x++) {
      const nx = g.normals[(y * g.widthPx + x) * 3]!;
      if (x < xs + quarter) { left += nx; nl++; }
      if (x > xe - quarter) { right += nx; nr++; }
    }
  }
  return { widthPx: g.widthPx, heightPx: g.heightPx, source: g.source, leftMeanNx: left / Math.max(nl, 1), rightMeanNx: right / Math.max(nr, 1),
    maxLenErr, outsideNonZero, meanConfidenceInside: confIn / Math.max(nIn, 1), pixelsInside: nIn, hasAlbedo: !!g.albedo };
}

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
  /** What the WebGPU adapter looks like here (SwiftShader reports a fallback adapter). */
  async adapterInfo() {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    const a = gpu ? await gpu.requestAdapter() : null;
    const info = a ? (a as GPUAdapter & { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info : undefined;
    return { hasGpu: !!gpu, hasAdapter: !!a, isFallback: info?.isFallbackAdapter ?? (a as { isFallbackAdapter?: boolean } | null)?.isFallbackAdapter ?? null };
  },

  /** Three overlapping estimate() calls on a fresh estimator (no history yet): all must resolve, none may leak. */
  async concurrent(req: EstimateRequest) {
    const est = new StudentEstimator({ backend: 'wasm', model: '/models/student.onnx' });
    await est.init();
    const mask = makeMask(req);
    const frames = await Promise.all([0, 1, 2].map((i) => makeFrame(req, i * 33_000)));
    const settled = await Promise.allSettled(frames.map((f, i) => est.estimate(f, mask, i * 33).finally(() => closeTracked('VideoFrame', f))));
    const inferences = est.inferenceCount();
    est.dispose();
    await new Promise((r) => setTimeout(r, 50));
    return { statuses: settled.map((x) => x.status), sizes: settled.map((x) => (x.status === 'fulfilled' ? `${x.value.widthPx}x${x.value.heightPx}` : String(x.reason))), inferences, openHandles: totalOpen() };
  },

  /** Runs StudentEstimator (wasm) `calls` times on the same frame content; returns per-call summaries + leaks. */
  async estimate(req: EstimateRequest) {
    const est = new StudentEstimator({ backend: req.backend ?? 'wasm', everyNFrames: req.everyNFrames, model: '/models/student.onnx' });
    await est.init();
    const mask = makeMask(req);
    const out = [];
    const inferMs: number[] = [];
    const steps: { prepareMs: number; inferenceMs: number; postMs: number }[] = [];
    const totalMs: number[] = [];
    for (let i = 0; i < req.calls; i++) {
      const frame = await makeFrame(req, i * req.frameStepMs * 1000);
      const t0 = performance.now();
      let g: GeometryMaps;
      try {
        g = await est.estimate(frame, mask, i * req.frameStepMs);
      } finally {
        closeTracked('VideoFrame', frame);
      }
      totalMs.push(performance.now() - t0);
      inferMs.push(est.lastInferenceTimeMs());
      steps.push(est.lastTimings());
      out.push(summarise(g, mask, req.ellipse));
    }
    const backend = est.backend();
    const inferences = est.inferenceCount();
    est.dispose();
    est.dispose();
    await new Promise((r) => setTimeout(r, 50));
    let threw = '';
    try {
      const f = await makeFrame(req, 0);
      try { await est.estimate(f, mask, 0); } finally { closeTracked('VideoFrame', f); }
    } catch (e) {
      threw = (e as { code?: string }).code ?? String(e);
    }
    return { out, backend, inferences, steps, inferMs, totalMs, openHandles: totalOpen(), counts: openCounts(), afterDispose: threw };
  },

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
  async parity(fixtureBase: string, backend: 'wasm' | 'webgpu' = 'wasm', maxCases = Infinity) {
    const index = (await (await fetch(`${fixtureBase}/fixtures.json`)).json()) as FixtureIndex;
    const s = await createStudentSession(`/${index.model}`, { backend });
    const results: { case: number; output: string; maxAbs: number; n: number; finite: boolean }[] = [];
    for (let i = 0; i < Math.min(index.cases.length, maxCases); i++) {
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
    return { tolerance: index.tolerance, results, backend: s.backend };
  },
};

/** What tests call through tests/support/pages.ts pageApi(page, 'student'). */
export type StudentApi = typeof api;
(globalThis as unknown as { student: StudentApi }).student = api;
document.title = 'ready';
