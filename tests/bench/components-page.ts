/**
 * Component bench page for `npm run bench` (driven through `window.components`): per-stage timings on real decoded
 * frames, the student vs the DPR hourglass vs the analytic priors in ONE runtime (onnxruntime-web wasm, one
 * thread: this page is not cross-origin isolated), and the soak (the engine driven directly, as fast as it goes,
 * with the leak tracker on).
 *
 * Frames: camera-like I420 VideoFrames built from raw frames that scripts/bench.mjs decodes with ffmpeg from a real
 * talking-head clip (served at /__gen/...). Parts another engineer is still writing (the renderer factory, the
 * student estimator, models/student.onnx) are imported at run time by URL, so a missing part is reported as
 * "not available" instead of breaking the page.
 */
import { closeTracked, openCounts, resetLeakTracker, totalOpen, trackOpen } from '../../src/core/leak-tracker.js';
import { DEFAULT_SETTINGS, resolveSettings, type RelightSettings } from '../../src/core/settings.js';
import type { GeometryMaps, Mask, TargetLighting } from '../../src/core/types.js';
import { AnalyticPriorEstimator, teacherPriorOptions } from '../../src/geometry/analytic-prior.js';
import type { GeometryEstimator } from '../../src/geometry/estimator.js';
import { createStudentSession, type StudentSession } from '../../src/geometry/student-session.js';
import { CpuRelighter } from '../../src/gpu/cpu-relighter.js';
import type { Renderer } from '../../src/gpu/renderer.js';
import { resolveLighting } from '../../src/lighting/resolve.js';
import { frameFromRgba, RgbaReader } from '../../src/pipeline/frame-pixels.js';
import { LocalProcessor } from '../../src/pipeline/processor.js';
import type { GeometryKind, SegmenterKind, StageKind } from '../../src/pipeline/factories.js';
import { MediaPipeSegmenter } from '../../src/segmentation/mediapipe-segmenter.js';
import { MaskSmoother } from '../../src/segmentation/mask-smoother.js';
import { variantForAspect } from '../../src/segmentation/aspect-segmenter.js';
import { barChart, lineChart } from '../eval/plot.js';

const G = globalThis as { __RELIGHT_DEV__?: boolean };
G.__RELIGHT_DEV__ = false;

// ------------------------------------------------------------------------------------------------------------
// Helpers

export interface Stat {
  medianMs: number;
  p90Ms: number;
  minMs: number;
  n: number;
}

function stat(xs: number[]): Stat {
  if (xs.length === 0) return { medianMs: NaN, p90Ms: NaN, minMs: NaN, n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  return { medianMs: s[s.length >> 1]!, p90Ms: s[Math.min(s.length - 1, Math.floor(s.length * 0.9))]!, minMs: s[0]!, n: s.length };
}

const notes: string[] = [];
const note = (s: string) => {
  if (!notes.includes(s)) notes.push(s);
  console.log(`[ComponentsBench] ${s}`);
};

/** Imports a module that may not exist yet (another engineer's part) without breaking this page. */
async function optionalImport<T>(rel: string, what: string): Promise<T | null> {
  try {
    return (await import(/* @vite-ignore */ new URL(rel, import.meta.url).href)) as T;
  } catch (e) {
    note(`${what} not available (${rel}): ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

async function urlExists(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { method: 'HEAD' });
    return r.ok && !(r.headers.get('content-type') ?? '').includes('text/html');
  } catch {
    return false;
  }
}

interface Clip {
  widthPx: number;
  heightPx: number;
  frames: number;
  data: Uint8Array;
}

const clips = new Map<string, Clip>();

async function loadClip(url: string, widthPx: number, heightPx: number): Promise<Clip> {
  const key = `${url}@${widthPx}x${heightPx}`;
  const have = clips.get(key);
  if (have) return have;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`[ComponentsBench] ${url}: HTTP ${res.status}`);
  const data = new Uint8Array(await res.arrayBuffer());
  const frameBytes = (widthPx * heightPx * 3) / 2;
  const clip = { widthPx, heightPx, frames: Math.floor(data.length / frameBytes), data };
  clips.set(key, clip);
  return clip;
}

/** A camera-like I420 frame (what MediaStreamTrackProcessor hands out), owned by the caller. */
function makeFrame(clip: Clip, index: number, timestampUs: number): VideoFrame {
  const n = (clip.widthPx * clip.heightPx * 3) / 2;
  const i = index % clip.frames;
  return trackOpen('VideoFrame', new VideoFrame(clip.data.subarray(i * n, (i + 1) * n), {
    format: 'I420', codedWidth: clip.widthPx, codedHeight: clip.heightPx, timestamp: timestampUs,
  }));
}

const FRAME_US = 33_333;

// ------------------------------------------------------------------------------------------------------------
// Renderer: the real factory when it exists, else the CPU maths the CpuRenderer wraps

interface RenderPath {
  label: string;
  render(frame: VideoFrame, mask: Mask, geometry: GeometryMaps, lighting: TargetLighting): Promise<VideoFrame>;
  split(): Record<string, number>;
  dispose(): void;
}

async function createRenderPath(): Promise<RenderPath> {
  const mod = await optionalImport<{ createRenderer: () => Promise<{ renderer: Renderer; tier: { id?: string } | string; fallbackReason?: string }> }>(
    '../../src/gpu/renderer-factory.ts', 'renderer factory');
  if (mod) {
    const { renderer, tier, fallbackReason } = await mod.createRenderer();
    if (fallbackReason) note(`renderer: ${fallbackReason}`);
    return {
      label: `${renderer.backend} renderer (tier ${typeof tier === 'string' ? tier : tier.id ?? '?'})`,
      render: (f, m, g, l) => renderer.render(f, m, g, l),
      split: () => ({ ...renderer.lastTimings() }),
      dispose: () => renderer.dispose(),
    };
  }
  // Same work as a CPU renderer: read the frame, run the CPU relighting maths, build the output frame.
  const reader = new RgbaReader();
  const relighter = new CpuRelighter();
  let dst: { kind: 'rgba8'; widthPx: number; heightPx: number; data: Uint8ClampedArray } | null = null;
  let split = { transferMs: 0, estimateMs: 0, shadeMs: 0 };
  note('render timed on CpuRelighter + VideoFrame copyTo/construct (src/gpu/renderer-factory.ts not landed yet)');
  return {
    label: 'cpu maths (CpuRelighter; renderer-factory missing)',
    async render(frame, mask, geometry, lighting) {
      const t0 = performance.now();
      const img = await reader.read(frame);
      if (!dst || dst.data.length !== img.data.length) dst = { kind: 'rgba8', widthPx: img.widthPx, heightPx: img.heightPx, data: new Uint8ClampedArray(img.data.length) };
      const t1 = performance.now();
      relighter.process({ kind: 'rgba8', widthPx: img.widthPx, heightPx: img.heightPx, data: img.data }, mask, geometry, lighting, dst);
      const t2 = performance.now();
      const out = frameFromRgba(dst, frame.timestamp);
      split = { transferMs: t1 - t0 + (performance.now() - t2), estimateMs: relighter.timings.estimateMs, shadeMs: relighter.timings.shadeMs };
      return out;
    },
    split: () => split,
    dispose: () => {},
  };
}

// ------------------------------------------------------------------------------------------------------------
// Student: the estimator when it exists; the raw ORT session on models/student.onnx (or a stand-in) otherwise

type StudentModule = { StudentEstimator: new (o: { assetBaseUrl?: string }) => GeometryEstimator };

async function createStudentEstimator(): Promise<GeometryEstimator | null> {
  const mod = await optionalImport<StudentModule>('../../src/geometry/student-estimator.ts', 'student estimator');
  if (!mod) return null;
  try {
    const est = new mod.StudentEstimator({});
    await est.init();
    return est;
  } catch (e) {
    note(`student estimator failed to start: ${(e as Error).message}`);
    return null;
  }
}

/** Input size of a (1, C, S, S) graph from its metadata; `fallback` when the graph does not say. */
function inputShape(s: StudentSession, fallback: number[]): number[] {
  const meta = (s.session as unknown as { inputMetadata?: { isTensor?: boolean; shape?: readonly (number | string)[] }[] }).inputMetadata?.[0];
  const shape = meta?.shape?.map((d) => (typeof d === 'number' ? d : NaN));
  return shape && shape.length === 4 && shape.every(Number.isFinite) ? shape : fallback;
}

async function timeSession(s: StudentSession, feeds: () => Record<string, unknown>, runs: number, warmups: number): Promise<{ stat: Stat; firstMs: number; all: number[] }> {
  const times: number[] = [];
  let firstMs = NaN;
  for (let r = 0; r < runs + warmups; r++) {
    const f = feeds();
    const t = performance.now();
    const out = await s.session.run(f as never);
    const dt = performance.now() - t;
    if (r === 0) firstMs = dt;
    if (r >= warmups) times.push(dt);
    for (const v of Object.values(f)) (v as { dispose(): void }).dispose();
    for (const v of Object.values(out)) v.dispose();
  }
  return { stat: stat(times), firstMs, all: times };
}

function seeded(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    a[i] = x / 4294967296;
  }
  return a;
}

// ------------------------------------------------------------------------------------------------------------
// API

export interface StageBench {
  widthPx: number;
  heightPx: number;
  frames: number;
  acquire: Stat;
  construct: Stat;
  workerRoundTrip: Stat;
  segmentation: Stat;
  segmenterBackend: string;
  /** The general model on the same frames where the product picks another variant (wide frames), else null. */
  segmentationGeneral: Stat | null;
  studentEstimate: Stat | null;
  /** session.run alone inside those estimates (StudentEstimator.lastInferenceTimeMs). */
  studentInference: Stat | null;
  studentBackend: string | null;
  prior: Stat;
  /** The priors as configured for the pseudo ground truth (IMAGE-mode landmarks, 256x256 grid, no temporal filter). */
  teacherPrior: Stat;
  priorSplit: Record<string, number>;
  faceFound: number;
  render: Stat;
  renderLabel: string;
  renderSplit: Record<string, number>;
  /** The whole engine (segmentation + relight stage) on this thread, per frame. */
  engine: Stat | null;
  engineBackend: string | null;
  engineError?: string;
}

async function stages(clipUrl: string, widthPx: number, heightPx: number, iterations: number): Promise<StageBench> {
  G.__RELIGHT_DEV__ = false;
  const clip = await loadClip(clipUrl, widthPx, heightPx);
  const N = Math.min(iterations, 400);
  let ts = 0;
  const next = (i: number) => makeFrame(clip, i, (ts += FRAME_US));

  // 1. Acquire: camera frame -> RGBA on the CPU; construct: RGBA -> a new output frame; worker round trip.
  const reader = new RgbaReader();
  const acq: number[] = [], cons: number[] = [];
  for (let i = 0; i < N; i++) {
    const f = next(i);
    const t0 = performance.now();
    const img = await reader.read(f);
    const t1 = performance.now();
    const out = frameFromRgba(img, f.timestamp);
    const t2 = performance.now();
    closeTracked('VideoFrame', out);
    closeTracked('VideoFrame', f);
    if (i >= 3) { acq.push(t1 - t0); cons.push(t2 - t1); }
  }
  const worker = new Worker(new URL('./echo.worker.ts', import.meta.url), { type: 'module' });
  const rt: number[] = [];
  for (let i = 0; i < Math.min(N, 60); i++) {
    const f = next(i);
    const t0 = performance.now();
    const back = await new Promise<VideoFrame>((resolve) => {
      worker.onmessage = (e: MessageEvent<{ frame: VideoFrame }>) => resolve(e.data.frame);
      worker.postMessage({ id: i, frame: f }, [f]);
    });
    const dt = performance.now() - t0;
    back.close();
    if (i >= 3) rt.push(dt);
  }
  worker.terminate();

  // 2. Segmentation (keep the masks for the next steps): the model variant the product picks for this frame shape
  // (src/segmentation/aspect-segmenter.ts) and, where that is not the general model, the general one on the same
  // frames, interleaved (alternating which goes first), for the ratio.
  const variant = variantForAspect(widthPx / heightPx);
  const seg = new MediaPipeSegmenter({ model: variant });
  await seg.init();
  const other = variant === 'general' ? null : new MediaPipeSegmenter({ model: 'general' });
  await other?.init();
  const segT: number[] = [], generalT: number[] = [];
  const masks: Mask[] = [];
  const smoother = new MaskSmoother();
  for (let i = 0; i < N; i++) {
    const f = next(i);
    if (other && i % 2 === 0) {
      const t = performance.now();
      await other.segment(f, f.timestamp / 1000);
      if (i >= 3) generalT.push(performance.now() - t);
    }
    const t0 = performance.now();
    const raw = await seg.segment(f, f.timestamp / 1000);
    if (i >= 3) segT.push(performance.now() - t0);
    if (other && i % 2 === 1) {
      const t = performance.now();
      await other.segment(f, f.timestamp / 1000);
      if (i >= 3) generalT.push(performance.now() - t);
    }
    masks.push(smoother.push(raw, DEFAULT_SETTINGS.smoothing));
    closeTracked('VideoFrame', f);
  }
  const segmenterBackend = seg.backend();
  seg.dispose();
  other?.dispose();

  // 3. Geometry: the analytic prior (face landmarks + raster + silhouette) and the student on the same frames and
  // masks, interleaved frame by frame (alternating which goes first) so machine load hits both alike.
  const G_N = Math.min(N, 40);
  const prior = new AnalyticPriorEstimator();
  await prior.init();
  // The same priors as they made the student's pseudo ground truth (scripts/dump-priors.mjs); the runtime prior
  // above tracks (VIDEO mode) on a smaller grid.
  const teacher = new AnalyticPriorEstimator(teacherPriorOptions());
  await teacher.init();
  const student = await createStudentEstimator();
  const priorT: number[] = [], teacherT: number[] = [], st: number[] = [], stInfer: number[] = [];
  const split: Record<string, number[]> = {};
  let faceFound = 0;
  let geometry: GeometryMaps | null = null;
  for (let i = 0; i < G_N; i++) {
    const f = next(i);
    const runPrior = async () => {
      const t0 = performance.now();
      const g = await prior.estimate(f, masks[i]!, f.timestamp / 1000);
      if (i >= 3) {
        priorT.push(performance.now() - t0);
        for (const [k, v] of Object.entries(prior.lastTimings())) (split[k] ??= []).push(v);
      }
      if (prior.lastLayers()?.landmarks) faceFound++;
      if (!student) geometry = g;
    };
    const runStudent = async () => {
      if (!student) return;
      const t0 = performance.now();
      geometry = await student.estimate(f, masks[i]!, f.timestamp / 1000);
      if (i >= 3) {
        st.push(performance.now() - t0);
        const inf = (student as { lastInferenceTimeMs?: () => number }).lastInferenceTimeMs?.();
        if (inf !== undefined) stInfer.push(inf);
      }
    };
    const runTeacher = async () => {
      const t0 = performance.now();
      await teacher.estimate(f, masks[i]!, f.timestamp / 1000);
      if (i >= 3) teacherT.push(performance.now() - t0);
    };
    // Rotate which goes first, so machine load hits all three alike.
    const order = [runPrior, runStudent, runTeacher];
    for (let k = 0; k < 3; k++) await order[(i + k) % 3]!();
    closeTracked('VideoFrame', f);
  }
  prior.dispose();
  teacher.dispose();
  const priorSplit = Object.fromEntries(Object.entries(split).map(([k, v]) => [k, stat(v).medianMs]));
  const studentEstimate = student ? stat(st) : null;
  const studentInference = student && stInfer.length ? stat(stInfer) : null;
  const studentBackend = student?.backend() ?? null;
  student?.dispose();

  // 4. Render with the last geometry and the default preset.
  const path = await createRenderPath();
  const lighting = resolveLighting(resolveSettings({}));
  const renT: number[] = [];
  const rsplit: Record<string, number[]> = {};
  for (let i = 0; i < N; i++) {
    const f = next(i);
    const t0 = performance.now();
    const out = await path.render(f, masks[i % masks.length]!, geometry!, lighting);
    if (i >= 3) {
      renT.push(performance.now() - t0);
      for (const [k, v] of Object.entries(path.split())) (rsplit[k] ??= []).push(v);
    }
    closeTracked('VideoFrame', out);
    closeTracked('VideoFrame', f);
  }
  path.dispose();

  // 5. The engine on this thread (what the main-thread host pays per frame; the worker host pays it off-thread).
  let engine: Stat | null = null, engineBackend: string | null = null, engineError: string | undefined;
  try {
    const p = new LocalProcessor();
    const info = await p.init({ stage: 'relight', segmenter: 'mediapipe', geometry: 'student', settings: resolveSettings({}), frameSizeHint: { widthPx, heightPx } });
    engineBackend = `${info.segmenter} + ${info.backend}`;
    const et: number[] = [];
    for (let i = 0; i < N; i++) {
      const f = next(i);
      const t0 = performance.now();
      const r = await p.process(f);
      if (i >= 3) et.push(performance.now() - t0);
      closeTracked('VideoFrame', r.frame);
    }
    await p.dispose();
    engine = stat(et);
  } catch (e) {
    engineError = (e as Error).message;
    note(`engine (relight stage) failed: ${engineError}`);
  }

  return {
    widthPx, heightPx, frames: N, acquire: stat(acq), construct: stat(cons), workerRoundTrip: stat(rt),
    segmentation: stat(segT), segmenterBackend, segmentationGeneral: other ? stat(generalT) : null, studentEstimate, studentInference, studentBackend, prior: stat(priorT), priorSplit,
    teacherPrior: stat(teacherT),
    faceFound, render: stat(renT), renderLabel: path.label,
    renderSplit: Object.fromEntries(Object.entries(rsplit).map(([k, v]) => [k, stat(v).medianMs])),
    engine, engineBackend, engineError,
  };
}

export interface ModelBench {
  crossOriginIsolated: boolean;
  student: SessionTiming | null;
  dpr: SessionTiming | null;
}

type SessionTiming = { model: string; inputShape: number[]; stat: Stat; firstMs: number; createMs: number; threads: number; backend: string };

/**
 * Student and DPR inference in the same ORT-web build, backend and thread count, interleaved: each DPR run is
 * followed by `studentPerDpr` student runs, so a change of machine load during the minute this takes hits both.
 */
async function models(studentUrl: string | null, dprUrl: string | null, dprRuns: number, studentPerDpr: number): Promise<ModelBench> {
  const out: ModelBench = { crossOriginIsolated: globalThis.crossOriginIsolated === true, student: null, dpr: null };
  const open = async (url: string | null, what: string, fallback: number[]) => {
    if (!url || !(await urlExists(url))) {
      note(`${what} model not found (${url ?? 'none'})`);
      return null;
    }
    const t0 = performance.now();
    const s = await createStudentSession(url, { backend: 'wasm' });
    return { s, url, createMs: performance.now() - t0, shape: inputShape(s, fallback) };
  };
  const stu = await open(studentUrl, 'student', [1, 4, 128, 128]);
  const dpr = await open(dprUrl, 'DPR', [1, 1, 512, 512]);
  const stuData = stu ? seeded(stu.shape.reduce((a, b) => a * b, 1), 7) : null;
  const dprImg = dpr ? seeded(dpr.shape.reduce((a, b) => a * b, 1), 11) : null;
  const light = seeded(9, 13).map((v) => v - 0.5);
  const stuFeeds = () => ({ [stu!.s.inputName]: new stu!.s.ort.Tensor('float32', stuData!, stu!.shape) });
  const dprFeeds = () => ({
    [dpr!.s.session.inputNames[0]!]: new dpr!.s.ort.Tensor('float32', dprImg!, dpr!.shape),
    [dpr!.s.session.inputNames[1]!]: new dpr!.s.ort.Tensor('float32', light, [1, 9, 1, 1]),
  });
  const st: number[] = [], dt: number[] = [];
  let stFirst = NaN, dprFirst = NaN;
  // Round 0 is the warm-up of both (first runs are several times slower: graph set-up, wasm tier-up).
  for (let r = 0; r <= dprRuns; r++) {
    if (dpr) {
      const t = await timeSession(dpr.s, dprFeeds, 1, 0);
      if (r === 0) dprFirst = t.firstMs; else dt.push(t.stat.medianMs);
    }
    if (stu) {
      const t = await timeSession(stu.s, stuFeeds, studentPerDpr, r === 0 ? 3 : 0);
      if (r === 0) stFirst = t.firstMs; else st.push(...t.all);
    }
  }
  const info = (x: NonNullable<typeof stu>, times: number[], firstMs: number): SessionTiming =>
    ({ model: x.url, inputShape: x.shape, stat: stat(times), firstMs, createMs: x.createMs, threads: x.s.numThreads, backend: x.s.backend });
  if (stu) { out.student = info(stu, st, stFirst); await stu.s.release(); }
  if (dpr) { out.dpr = info(dpr, dt, dprFirst); await dpr.s.release(); }
  return out;
}

// ---- soak

let soakState: { p: LocalProcessor; clip: Clip; done: number; ts: number; errors: number; backend: string } | null = null;

async function soakStart(clipUrl: string, widthPx: number, heightPx: number, config: { stage: StageKind; segmenter: SegmenterKind; geometry: GeometryKind }): Promise<{ backend: string }> {
  G.__RELIGHT_DEV__ = true;
  resetLeakTracker();
  const clip = await loadClip(clipUrl, widthPx, heightPx);
  const p = new LocalProcessor();
  const settings: RelightSettings = resolveSettings({});
  const info = await p.init({ ...config, settings });
  soakState = { p, clip, done: 0, ts: 0, errors: 0, backend: `${info.segmenter} + ${info.backend}` };
  return { backend: soakState.backend };
}

/** Processes `n` more frames as fast as they go; returns the running totals and the leak tracker's counts. */
async function soakRun(n: number): Promise<{ done: number; msPerFrame: number; errors: number; open: Record<string, number>; totalOpen: number; usedJsHeap: number }> {
  const s = soakState;
  if (!s) throw new Error('[ComponentsBench] soakStart first');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const f = makeFrame(s.clip, s.done, (s.ts += FRAME_US));
    try {
      const r = await s.p.process(f);
      closeTracked('VideoFrame', r.frame);
    } catch {
      s.errors++;
    }
    s.done++;
  }
  const ms = performance.now() - t0;
  // The relight stage runs the geometry model off the frame path; let an inference in flight finish (it holds a
  // frame clone and a tensor) so the counts show what stays open, not what is busy.
  await new Promise((r) => setTimeout(r, 150));
  const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  return { done: s.done, msPerFrame: ms / n, errors: s.errors, open: openCounts(), totalOpen: totalOpen(), usedJsHeap: mem?.usedJSHeapSize ?? NaN };
}

async function soakStop(): Promise<{ open: Record<string, number>; totalOpen: number }> {
  await soakState?.p.dispose();
  soakState = null;
  return { open: openCounts(), totalOpen: totalOpen() };
}

async function hasWebGpuAdapter(): Promise<string> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return 'no navigator.gpu';
  const a = await gpu.requestAdapter().catch(() => null);
  if (!a) return 'no adapter';
  const info = (a as GPUAdapter & { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info;
  return `${info?.vendor ?? '?'} ${info?.architecture ?? ''} ${info?.description ?? ''}${info?.isFallbackAdapter ? ' (fallback adapter)' : ''}`.trim();
}

const api = { stages, models, soakStart, soakRun, soakStop, notes: () => notes, webgpu: hasWebGpuAdapter, settings: () => DEFAULT_SETTINGS, barChart, lineChart };
(globalThis as unknown as { components: typeof api }).components = api;
document.title = 'ready';
