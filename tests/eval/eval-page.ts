/**
 * Evaluation page for `npm run eval` (driven through `window.evaluation`). Everything runs the product's own code
 * in the browser: the Yale B check (src/gpu/yaleb.ts: the renderer's CPU maths) with the student's normals from
 * the real StudentEstimator (ORT-web wasm), and the real Engine (MediaPipe segmentation + relight stage) on
 * decoded video frames and portraits. Data comes from the folder scripts/eval.mjs serves at /__data/.
 *
 * The WebGPU flag is off on purpose: the CPU renderer is the reference implementation (the WebGPU renderer is
 * checked against it by the renderer's own tests), and SwiftShader would only make this slower.
 */
import { closeTracked, trackOpen } from '../../src/core/leak-tracker.js';
import { resolveSettings } from '../../src/core/settings.js';
import type { Mask } from '../../src/core/types.js';
import { FaceLandmarks } from '../../src/geometry/face-landmarks.js';
import { StudentEstimator } from '../../src/geometry/student-estimator.js';
import {
  listYaleBSubjects, loadYaleBSubject, meanBy, meanFaceNormals, relightYaleB, scoreSubject,
  type YaleBFiles, type YaleBMethod, type YaleBScore, type YaleBSubject,
} from '../../src/gpu/yaleb.js';
import { PRESETS } from '../../src/lighting/presets.js';
import { Engine } from '../../src/pipeline/engine.js';
import { MediaPipeSegmenter } from '../../src/segmentation/mediapipe-segmenter.js';
import {
  FlickerAccumulator, centralFaceBox, grayToRgba, maskToPixels, mean, normalsToRgba, resampleNormals, skinDifference,
  selfTest, skinRegionFromLandmarks, type FlickerResult, type SkinDifference,
} from './eval-math.js';
import { barChart, imageGrid, lineChart, type GridCell } from './plot.js';

(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = false;

const files: YaleBFiles = {
  async readFile(path) {
    const r = await fetch(`/__data/${path}`);
    if (!r.ok) throw new Error(`[EvalPage] ${path}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  },
  async listDir(path) {
    return (await (await fetch(`/__data-list/${path}`)).json()) as string[];
  },
};

function srgbEncode(v: number): number {
  const c = Math.min(1, Math.max(0, v));
  return c <= 0.0031308 ? c * 12.92 : 1.055 * Math.pow(c, 1 / 2.4) - 0.055;
}

function rgbaFrame(rgba: Uint8ClampedArray, w: number, h: number, timestampUs: number): VideoFrame {
  return trackOpen('VideoFrame', new VideoFrame(rgba, {
    format: 'RGBA', codedWidth: w, codedHeight: h, timestamp: timestampUs,
    colorSpace: { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true },
  }));
}

async function frameToRgba(frame: VideoFrame): Promise<Uint8ClampedArray> {
  const w = frame.displayWidth, h = frame.displayHeight;
  const buf = new Uint8ClampedArray(w * h * 4);
  await frame.copyTo(buf, { format: 'RGBA', colorSpace: 'srgb', rect: { x: 0, y: 0, width: w, height: h } } as VideoFrameCopyToOptions);
  return buf;
}

let clock = 0;
/** Timestamps far apart: every estimator's temporal history treats each call as a new scene. */
const farTimestampUs = () => (clock += 10_000_000);

// ------------------------------------------------------------------------------------------------------------
// (a) Yale B

export interface YaleBSubjectResult {
  id: string;
  images: number;
  heldOut: boolean;
  psnr: Record<string, number>;
  ssim: Record<string, number>;
}

export interface YaleBRun {
  subjects: YaleBSubjectResult[];
  scores: YaleBScore[];
  studentInferenceMs: number;
  seconds: number;
  figures: { examples?: string; normals?: string };
}

/** Student normals for a Yale B frontal image, on the image's pixel grid (the crop is all face: mask = 1). */
async function studentNormals(est: StudentEstimator, s: YaleBSubject): Promise<Float32Array> {
  const { widthPx: w, heightPx: h } = s;
  const rgba = new Uint8ClampedArray(w * h * 4);
  // The files hold linear intensities; the student sees sRGB-encoded camera frames (training did the same).
  for (let p = 0; p < w * h; p++) {
    const v = Math.round(srgbEncode(s.frontal.data[p]!) * 255);
    rgba[p * 4] = rgba[p * 4 + 1] = rgba[p * 4 + 2] = v;
    rgba[p * 4 + 3] = 255;
  }
  const ts = farTimestampUs();
  const frame = rgbaFrame(rgba, w, h, ts);
  const mask: Mask = { widthPx: w, heightPx: h, data: new Float32Array(w * h).fill(1), timestampUs: ts };
  try {
    est.reset();
    const g = await est.estimate(frame, mask, ts / 1000);
    return resampleNormals(g.normals, g.widthPx, g.heightPx, w, h);
  } finally {
    closeTracked('VideoFrame', frame);
  }
}

async function yaleb(relDir: string, intrDir: string, opts: { heldOut: string[]; maxImagesPerSubject: number; exampleSubject?: string }): Promise<YaleBRun> {
  const t0 = performance.now();
  const ids = await listYaleBSubjects(files, relDir, intrDir);
  if (ids.length < 2) throw new Error(`[EvalPage] Yale B: ${ids.length} subject(s) with images and maps under ${relDir}, ${intrDir}`);
  const subjects: YaleBSubject[] = [];
  for (const id of ids) {
    const s = await loadYaleBSubject(files, relDir, intrDir, id);
    // Subsample the lights evenly (sorted by name) when asked, to bound the run time.
    const step = Math.max(1, Math.ceil(s.images.length / opts.maxImagesPerSubject));
    subjects.push({ ...s, images: s.images.filter((_, i) => i % step === 0) });
  }
  const est = new StudentEstimator({ backend: 'wasm' });
  await est.init();
  const results: YaleBSubjectResult[] = [];
  const all: YaleBScore[] = [];
  const inf: number[] = [];
  const normalsBy = new Map<string, Record<string, Float32Array>>();
  for (const s of subjects) {
    const template = meanFaceNormals(subjects.filter((o) => o.id !== s.id));
    const ours = await studentNormals(est, s);
    inf.push(est.lastInferenceTimeMs());
    normalsBy.set(s.id, { template, ours, ps: s.normals });
    const methods: YaleBMethod[] = [
      { name: 'identity', normals: null },
      { name: 'template', normals: template },
      { name: 'ours', normals: ours },
      { name: 'upper', normals: s.normals },
    ];
    const sc = scoreSubject(s, methods);
    all.push(...sc);
    results.push({ id: s.id, images: sc.length, heldOut: opts.heldOut.includes(s.id), psnr: meanBy(sc, 'psnr'), ssim: meanBy(sc, 'ssim') });
  }
  est.dispose();

  // Figures: one held-out subject relit to four lights by each method, and the three normal maps.
  const figures: YaleBRun['figures'] = {};
  const ex = subjects.find((s) => s.id === opts.exampleSubject) ?? subjects.find((s) => opts.heldOut.includes(s.id)) ?? subjects[0]!;
  const nb = normalsBy.get(ex.id)!;
  const want = [[-50, 0], [50, 0], [0, 45], [-25, -20], [70, 0], [-70, 45]];
  const picks = want.map(([a, e]) => ex.images.reduce((best, im) => (Math.hypot(im.azimuthDeg - a!, im.elevationDeg - e!) < Math.hypot(best.azimuthDeg - a!, best.elevationDeg - e!) ? im : best)))
    .filter((im, i, arr) => arr.indexOf(im) === i).slice(0, 4);
  const rows: GridCell[][] = [];
  const W = ex.widthPx, H = ex.heightPx;
  for (const im of picks) {
    const row: GridCell[] = [{ rgba: grayToRgba(im.data, W, H, false), widthPx: W, heightPx: H, caption: `photo A${im.azimuthDeg} E${im.elevationDeg}` }];
    row.push({ rgba: grayToRgba(ex.frontal.data, W, H, false), widthPx: W, heightPx: H, caption: 'identity (input)' });
    for (const [name, n] of [['template', nb.template!], ['ours', nb.ours!], ['upper (PS)', nb.ps!]] as const) {
      const out = relightYaleB(ex, n, im.azimuthDeg, im.elevationDeg);
      const sc = all.find((x) => x.subject === ex.id && x.image === im.name);
      const key = name === 'upper (PS)' ? 'upper' : name;
      row.push({ rgba: grayToRgba(out, W, H, false), widthPx: W, heightPx: H, caption: `${name} ${sc ? sc.psnr[key]!.toFixed(1) + ' dB' : ''}` });
    }
    rows.push(row);
  }
  figures.examples = await imageGrid(rows, ['target photo', 'input (frontal)', 'mean-face template', 'ours (student)', 'PS normals (upper)'],
    `Yale B ${ex.id}${opts.heldOut.includes(ex.id) ? ' (held out from training)' : ''}: frontal photo relit to other lights, PAL-aligned PSNR on the face`, 190);
  const shown = [ex, ...subjects.filter((s) => s !== ex && opts.heldOut.includes(s.id)), ...subjects.filter((s) => s !== ex)].slice(0, 4);
  const nrows: GridCell[][] = shown.map((s) => {
    const m = normalsBy.get(s.id)!;
    return [
      { rgba: grayToRgba(s.frontal.data, W, H, false), widthPx: W, heightPx: H, caption: `${s.id}${opts.heldOut.includes(s.id) ? ' (held out)' : ''}` },
      { rgba: normalsToRgba(m.template!, W, H), widthPx: W, heightPx: H, caption: 'template' },
      { rgba: normalsToRgba(m.ours!, W, H), widthPx: W, heightPx: H, caption: 'student' },
      { rgba: normalsToRgba(m.ps!, W, H), widthPx: W, heightPx: H, caption: 'photometric stereo' },
    ];
  });
  figures.normals = await imageGrid(nrows, ['input', 'template normals', 'student normals', 'PS normals'], 'Normals, (n + 1) / 2 as RGB (x right, y up, z to camera)', 170);
  return { subjects: results, scores: all, studentInferenceMs: mean(inf), seconds: (performance.now() - t0) / 1000, figures };
}

// ------------------------------------------------------------------------------------------------------------
// The engine, reset between unrelated inputs

let engine: Engine | null = null;
let engineInfo = '';

async function getEngine(): Promise<Engine> {
  if (engine) return engine;
  const e = new Engine({ stage: 'relight', segmenter: 'mediapipe', geometry: 'student', settings: resolveSettings({}) });
  const info = await e.init();
  engineInfo = `${info.segmenter} + ${info.backend}`;
  engine = e;
  return e;
}

/**
 * Starts the engine's temporal state afresh, exactly as its own warm-up does (frame counter, mask smoother, stage
 * state), so one clip or photo does not inherit the last one's light estimate or geometry. Engine has no public
 * reset; these are the three statements of Engine.warmUp's `finally`.
 */
function resetEngine(e: Engine): void {
  const inner = e as unknown as { frameIndex: number; smoother: { reset(): void }; stage: { reset?(): void } | null };
  inner.frameIndex = 0;
  inner.smoother.reset();
  inner.stage?.reset?.();
}

async function relightRgba(e: Engine, rgba: Uint8ClampedArray, w: number, h: number, timestampUs: number): Promise<Uint8ClampedArray> {
  const out = await e.process(rgbaFrame(rgba, w, h, timestampUs));
  try {
    return await frameToRgba(out);
  } finally {
    closeTracked('VideoFrame', out);
  }
}

// ------------------------------------------------------------------------------------------------------------
// (b) Flicker

export interface ClipSpec { name: string; url: string; widthPx: number; heightPx: number; frames: number; fps: number }

const clipCache = new Map<string, { rgba: Uint8Array; masks: Uint8Array[] }>();

async function loadClipWithMasks(c: ClipSpec, seg: MediaPipeSegmenter): Promise<{ rgba: Uint8Array; masks: Uint8Array[] }> {
  const have = clipCache.get(c.url);
  if (have) return have;
  const rgba = new Uint8Array(await (await fetch(c.url)).arrayBuffer());
  const n = c.widthPx * c.heightPx * 4;
  const masks: Uint8Array[] = [];
  // The person region for the metric comes from its own segmenter instance (not the engine's smoothed mask).
  for (let i = 0; i < c.frames; i++) {
    const f = rgbaFrame(new Uint8ClampedArray(rgba.buffer, i * n, n), c.widthPx, c.heightPx, Math.round((i * 1e6) / c.fps) + farTimestampUs());
    try {
      const m = await seg.segment(f, f.timestamp / 1000);
      masks.push(maskToPixels(m.data, m.widthPx, m.heightPx, c.widthPx, c.heightPx));
    } finally {
      closeTracked('VideoFrame', f);
    }
  }
  const v = { rgba, masks };
  clipCache.set(c.url, v);
  return v;
}

export interface FlickerRun extends FlickerResult {
  clip: string;
  preset: string;
}

async function flicker(runs: { clip: ClipSpec; preset: string; frames: number }[]): Promise<{ runs: FlickerRun[]; engine: string; seconds: number }> {
  const t0 = performance.now();
  const e = await getEngine();
  const seg = new MediaPipeSegmenter();
  await seg.init();
  const out: FlickerRun[] = [];
  for (const r of runs) {
    const { rgba, masks } = await loadClipWithMasks(r.clip, seg);
    const { widthPx: w, heightPx: h } = r.clip;
    const n = w * h * 4;
    resetEngine(e);
    e.updateSettings(resolveSettings({ preset: r.preset }));
    const acc = new FlickerAccumulator();
    const base = farTimestampUs();
    const frames = Math.min(r.frames, r.clip.frames);
    for (let i = 0; i < frames; i++) {
      const input = new Uint8ClampedArray(rgba.buffer, i * n, n);
      const output = await relightRgba(e, input, w, h, base + Math.round((i * 1e6) / r.clip.fps));
      acc.push(input, output, masks[i]!);
    }
    out.push({ clip: r.clip.name, preset: r.preset, ...acc.result() });
  }
  seg.dispose();
  return { runs: out, engine: engineInfo, seconds: (performance.now() - t0) / 1000 };
}

// ------------------------------------------------------------------------------------------------------------
// (c) Skin tone and (d) grids on portraits

export interface PortraitSpec { name: string; url: string; group: string }

interface Decoded { rgba: Uint8ClampedArray; widthPx: number; heightPx: number }

async function decodeImage(url: string, maxSidePx: number): Promise<Decoded> {
  const blob = await (await fetch(url)).blob();
  const bmp = await createImageBitmap(blob);
  const s = Math.min(1, maxSidePx / Math.max(bmp.width, bmp.height));
  // Even sizes: some VideoFrame paths want them, and nothing here needs odd ones.
  const w = Math.max(2, Math.round((bmp.width * s) / 2) * 2), h = Math.max(2, Math.round((bmp.height * s) / 2) * 2);
  const c = new OffscreenCanvas(w, h);
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bmp, 0, 0, w, h);
  bmp.close();
  return { rgba: ctx.getImageData(0, 0, w, h).data, widthPx: w, heightPx: h };
}

export interface PortraitResult extends SkinDifference {
  name: string;
  group: string;
  region: 'landmarks' | 'central-box';
  widthPx: number;
  heightPx: number;
}

let landmarker: FaceLandmarks | null = null;
let regionSeg: MediaPipeSegmenter | null = null;

async function skinRegion(img: Decoded): Promise<{ region: Uint8Array; how: 'landmarks' | 'central-box' }> {
  landmarker ??= new FaceLandmarks({ runningMode: 'IMAGE' });
  await landmarker.init();
  regionSeg ??= new MediaPipeSegmenter();
  await regionSeg.init();
  const ts = farTimestampUs();
  const f = rgbaFrame(img.rgba, img.widthPx, img.heightPx, ts);
  try {
    const m = await regionSeg.segment(f, ts / 1000);
    const person = maskToPixels(m.data, m.widthPx, m.heightPx, img.widthPx, img.heightPx);
    const lm = await landmarker.detect(f, ts / 1000);
    if (lm) return { region: skinRegionFromLandmarks(lm.points, img.widthPx, img.heightPx, person), how: 'landmarks' };
    return { region: centralFaceBox(img.widthPx, img.heightPx, person), how: 'central-box' };
  } finally {
    closeTracked('VideoFrame', f);
  }
}

async function skin(items: PortraitSpec[], preset: string, maxSidePx: number): Promise<{ results: PortraitResult[]; engine: string; seconds: number }> {
  const t0 = performance.now();
  const e = await getEngine();
  e.updateSettings(resolveSettings({ preset }));
  const results: PortraitResult[] = [];
  for (const it of items) {
    const img = await decodeImage(it.url, maxSidePx);
    const { region, how } = await skinRegion(img);
    resetEngine(e);
    const out = await relightRgba(e, img.rgba, img.widthPx, img.heightPx, farTimestampUs());
    results.push({ name: it.name, group: it.group, region: how, widthPx: img.widthPx, heightPx: img.heightPx, ...skinDifference(img.rgba, out, region) });
  }
  return { results, engine: engineInfo, seconds: (performance.now() - t0) / 1000 };
}

/** Relights a few portraits with every preset: one before/after grid per preset and an overview grid. */
async function grids(items: PortraitSpec[], presets: string[], overviewPresets: string[], maxSidePx: number, cellPx: number): Promise<{ perPreset: Record<string, string>; overview: string; seconds: number }> {
  const t0 = performance.now();
  const e = await getEngine();
  const imgs = await Promise.all(items.map((it) => decodeImage(it.url, maxSidePx)));
  const outs = new Map<string, Uint8ClampedArray[]>();
  for (const preset of presets) {
    e.updateSettings(resolveSettings({ preset }));
    const row: Uint8ClampedArray[] = [];
    for (const img of imgs) {
      resetEngine(e);
      row.push(await relightRgba(e, img.rgba, img.widthPx, img.heightPx, farTimestampUs()));
    }
    outs.set(preset, row);
  }
  const label = (id: string) => PRESETS.find((p) => p.id === id)?.label ?? id;
  const perPreset: Record<string, string> = {};
  for (const preset of presets) {
    const rows: GridCell[][] = [
      imgs.map((im, i) => ({ rgba: im.rgba, widthPx: im.widthPx, heightPx: im.heightPx, caption: `${items[i]!.name} (input)` })),
      imgs.map((im, i) => ({ rgba: outs.get(preset)![i]!, widthPx: im.widthPx, heightPx: im.heightPx, caption: label(preset) })),
    ];
    perPreset[preset] = await imageGrid(rows, [], `Before / after: preset "${preset}" (${label(preset)}), default settings, ${engineInfo}`, cellPx);
  }
  const orows: GridCell[][] = imgs.map((im, i) => [
    { rgba: im.rgba, widthPx: im.widthPx, heightPx: im.heightPx, caption: items[i]!.name },
    ...overviewPresets.map((p) => ({ rgba: outs.get(p)![i]!, widthPx: im.widthPx, heightPx: im.heightPx })),
  ]);
  const overview = await imageGrid(orows, ['input', ...overviewPresets.map(label)], `Relit portraits (${engineInfo}; CPU renderer; default strength)`, cellPx);
  return { perPreset, overview, seconds: (performance.now() - t0) / 1000 };
}

const api = {
  yaleb, flicker, skin, grids, barChart, lineChart, selfTest,
  presets: () => PRESETS.map((p) => p.id),
  dispose: () => { engine?.dispose(); engine = null; landmarker?.dispose(); regionSeg?.dispose(); },
};
(globalThis as unknown as { evaluation: typeof api }).evaluation = api;
document.title = 'ready';
