/**
 * Segmentation test page.
 * - `segmentTest.run(realm, cases, options)`: the image harness on this page ('main') or in a module worker.
 * - `segmentTest.camera(realm, options)`: frames from the (fake) camera through MediaStreamTrackProcessor,
 *   segmented here or in a module worker (frames transferred), raw and temporally smoothed masks compared.
 */
import { boxMean, canvasPngBase64, drawSyntheticPerson, median, runSegmentCases, type Box, type RunResult, type SegmentCase, type SegmentRunOptions } from './segment-harness.js';
import { MediaPipeSegmenter, type MediaPipeSegmenterOptions } from '../../../src/segmentation/mediapipe-segmenter.js';
import { MaskSmoother } from '../../../src/segmentation/mask-smoother.js';
import { AspectAwareSegmenter } from '../../../src/segmentation/aspect-segmenter.js';
import { sampleBilinear } from '../../../src/gpu/relight-math.js';
import { closeTracked, noteClosed, openCounts, totalOpen, trackOpen } from '../../../src/core/leak-tracker.js';
import type { Mask } from '../../../src/core/types.js';

(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = true;

/** A case as the Node test describes it: image by URL instead of bytes. */
export type SegmentCaseSpec = Omit<SegmentCase, 'imageBytes'> & { imageUrl?: string };

async function load(specs: SegmentCaseSpec[]): Promise<SegmentCase[]> {
  return Promise.all(
    specs.map(async ({ imageUrl, ...rest }) => {
      if (!imageUrl) return rest;
      const res = await fetch(imageUrl);
      if (!res.ok) throw new Error(`[SegmentPage] ${imageUrl}: HTTP ${res.status}`);
      return { ...rest, imageBytes: await res.arrayBuffer() };
    }),
  );
}

/** Request/response over a module worker running segment-worker.ts. */
class WorkerLink {
  private readonly worker = new Worker(new URL('./segment-worker.ts', import.meta.url), { type: 'module' });
  private queue: Promise<unknown> = Promise.resolve();

  call<T>(msg: unknown, transfer: Transferable[] = []): Promise<T> {
    const next = this.queue.then(
      () =>
        new Promise<T>((resolve, reject) => {
          this.worker.onmessage = (ev: MessageEvent<{ ok: boolean; value?: T; error?: string }>) =>
            ev.data.ok ? resolve(ev.data.value as T) : reject(new Error(ev.data.error ?? 'worker failed'));
          this.worker.onerror = (ev) => reject(new Error(`[SegmentPage] worker error: ${ev.message}`));
          this.worker.postMessage(msg, transfer);
        }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  terminate(): void {
    this.worker.terminate();
  }
}

async function run(realm: 'main' | 'worker', specs: SegmentCaseSpec[], options: SegmentRunOptions): Promise<RunResult> {
  const cases = await load(specs);
  if (realm === 'main') return runSegmentCases('main', cases, options);
  const link = new WorkerLink();
  try {
    const transfer = cases.flatMap((c) => (c.imageBytes ? [c.imageBytes] : []));
    return await link.call<RunResult>({ kind: 'cases', cases, options }, transfer);
  } finally {
    link.terminate();
  }
}

/** Where segmentation of camera frames happens: this realm, or a worker the frames are transferred to. */
interface SegmentHost {
  init(): Promise<{ initMs: number; backend: string }>;
  /** CONSUMES the frame (closes or transfers it). */
  segment(frame: VideoFrame, timestampMs: number): Promise<{ mask: Mask; ms: number; resizeMs: number }>;
  finish(): Promise<{ openHandles: Record<string, number>; totalOpen: number }>;
}

function localHost(options: MediaPipeSegmenterOptions): SegmentHost {
  const seg = new MediaPipeSegmenter(options);
  return {
    async init() {
      const t0 = performance.now();
      await seg.init();
      return { initMs: performance.now() - t0, backend: seg.backend() };
    },
    async segment(frame, timestampMs) {
      try {
        const t0 = performance.now();
        const mask = await seg.segment(frame, timestampMs);
        return { mask, ms: performance.now() - t0, resizeMs: seg.lastTimings().resizeMs };
      } finally {
        closeTracked('VideoFrame', frame);
      }
    },
    async finish() {
      seg.dispose();
      return { openHandles: openCounts(), totalOpen: totalOpen() };
    },
  };
}

function workerHost(options: MediaPipeSegmenterOptions): SegmentHost & { terminate(): void } {
  const link = new WorkerLink();
  return {
    init: () => link.call({ kind: 'init', options }),
    async segment(frame, timestampMs) {
      const reply = link.call<{ mask: Mask; ms: number; resizeMs: number }>({ kind: 'frame', frame, timestampMs }, [frame]);
      noteClosed('VideoFrame'); // transferred: the worker owns (and closes) it now
      return reply;
    },
    finish: () => link.call({ kind: 'finish' }),
    terminate: () => link.terminate(),
  };
}

export interface CameraOptions {
  frames: number;
  faceBox: Box;
  backgroundBoxes: Box[];
  smoothing: number;
  segmenter?: MediaPipeSegmenterOptions;
}

export interface CameraResult {
  realm: string;
  backend: string;
  initMs: number;
  frameFormat: string | null;
  frameWidthPx: number;
  frameHeightPx: number;
  maskWidthPx: number;
  maskHeightPx: number;
  faceMeans: number[];
  backgroundMeans: number[];
  medianMs: number;
  /** Median of the frame -> model-size drawImage part of segment() (YUV -> RGB + downscale). */
  medianResizeMs: number;
  /** Mean |m_t - m_(t-1)| over all pixels, raw and smoothed: how much the mask changes per frame. */
  rawChangePerFrame: number;
  smoothedChangePerFrame: number;
  /** Mean |smoothed - raw| over the pixels where the raw mask changed by > 0.25 since the last frame (motion). */
  smoothedLagOnMotion: number;
  /** The same two numbers for a plain EMA with the same still-pixel factor (the baseline to beat). */
  emaChangePerFrame: number;
  emaLagOnMotion: number;
  motionPixels: number;
  overlayPngBase64: string;
  leak: { page: Record<string, number>; pageTotal: number; host: Record<string, number>; hostTotal: number };
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

async function maskPng(frame: ImageBitmap | OffscreenCanvas, raw: Mask, smoothed: Mask): Promise<string> {
  // frame | raw mask | smoothed mask (or any two masks of the frame)
  const w = frame.width;
  const h = frame.height;
  const out = new OffscreenCanvas(w * 3, h);
  const ctx = out.getContext('2d')!;
  ctx.drawImage(frame, 0, 0);
  for (const [k, m] of [raw, smoothed].entries()) {
    const c = new OffscreenCanvas(m.widthPx, m.heightPx);
    const cctx = c.getContext('2d')!;
    const img = cctx.createImageData(m.widthPx, m.heightPx);
    for (let i = 0; i < m.data.length; i++) {
      const v = Math.round(m.data[i]! * 255);
      img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = v;
      img.data[i * 4 + 3] = 255;
    }
    cctx.putImageData(img, 0, 0);
    ctx.drawImage(c, w * (k + 1), 0, w, h);
  }
  return canvasPngBase64(out);
}

type ProcessorCtor = new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> };

async function camera(realm: 'main' | 'worker', options: CameraOptions): Promise<CameraResult> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: true });
  const [track] = stream.getVideoTracks();
  const Processor = (globalThis as unknown as { MediaStreamTrackProcessor: ProcessorCtor }).MediaStreamTrackProcessor;
  const reader = new Processor({ track: track! }).readable.getReader();
  const host = realm === 'worker' ? workerHost(options.segmenter ?? {}) : localHost(options.segmenter ?? {});
  const smoother = new MaskSmoother();
  const faceMeans: number[] = [];
  const backgroundMeans: number[] = [];
  const ms: number[] = [];
  const resizeMs: number[] = [];
  let ema: Float32Array | null = null;
  let prevEma: Float32Array | null = null;
  let emaChange = 0;
  let emaLagSum = 0;
  let rawChange = 0;
  let smoothChange = 0;
  let lagSum = 0;
  let lagCount = 0;
  let prevRaw: Mask | null = null;
  let prevSmooth: Mask | null = null;
  let lastBitmap: ImageBitmap | null = null;
  let format: string | null = null;
  let size = { w: 0, h: 0 };
  try {
    const { initMs, backend } = await host.init();
    for (let i = 0; i < options.frames; i++) {
      const { value, done } = await reader.read();
      if (done || !value) throw new Error('[SegmentPage] camera ended early');
      const frame = trackOpen('VideoFrame', value);
      format = frame.format;
      size = { w: frame.displayWidth, h: frame.displayHeight };
      if (i === options.frames - 1) {
        closeTracked('ImageBitmap', lastBitmap);
        lastBitmap = trackOpen('ImageBitmap', await createImageBitmap(frame));
      }
      const { mask, ms: dt, resizeMs: dtResize } = await host.segment(frame, frame.timestamp / 1000);
      if (i > 0) {
        ms.push(dt);
        resizeMs.push(dtResize);
      }
      const smooth = smoother.push(mask, options.smoothing);
      const a = 1 - options.smoothing;
      ema = ema ? ema.map((v, p) => v + a * (mask.data[p]! - v)) : mask.data.slice();
      faceMeans.push(boxMean(mask, options.faceBox));
      backgroundMeans.push(...options.backgroundBoxes.map((b) => boxMean(mask, b)));
      if (prevRaw && prevSmooth && prevEma) {
        rawChange += meanAbsDiff(mask.data, prevRaw.data);
        smoothChange += meanAbsDiff(smooth.data, prevSmooth.data);
        emaChange += meanAbsDiff(ema, prevEma);
        for (let p = 0; p < mask.data.length; p++) {
          if (Math.abs(mask.data[p]! - prevRaw.data[p]!) > 0.25) {
            lagSum += Math.abs(smooth.data[p]! - mask.data[p]!);
            emaLagSum += Math.abs(ema[p]! - mask.data[p]!);
            lagCount++;
          }
        }
      }
      prevRaw = mask;
      prevSmooth = smooth;
      prevEma = ema;
    }
    const overlayPngBase64 = await maskPng(lastBitmap!, prevRaw!, prevSmooth!);
    closeTracked('ImageBitmap', lastBitmap);
    lastBitmap = null;
    const hostLeak = await host.finish();
    const n = options.frames - 1;
    return {
      realm,
      backend,
      initMs,
      frameFormat: format,
      frameWidthPx: size.w,
      frameHeightPx: size.h,
      maskWidthPx: prevRaw!.widthPx,
      maskHeightPx: prevRaw!.heightPx,
      faceMeans,
      backgroundMeans,
      medianMs: median(ms),
      medianResizeMs: median(resizeMs),
      rawChangePerFrame: rawChange / n,
      smoothedChangePerFrame: smoothChange / n,
      smoothedLagOnMotion: lagCount ? lagSum / lagCount : 0,
      emaChangePerFrame: emaChange / n,
      emaLagOnMotion: lagCount ? emaLagSum / lagCount : 0,
      motionPixels: lagCount,
      overlayPngBase64,
      leak: realm === 'worker'
        ? { page: openCounts(), pageTotal: totalOpen(), host: hostLeak.openHandles, hostTotal: hostLeak.totalOpen }
        : { page: hostLeak.openHandles, pageTotal: hostLeak.totalOpen, host: {}, hostTotal: 0 },
    };
  } finally {
    closeTracked('ImageBitmap', lastBitmap);
    await reader.cancel().catch(() => undefined);
    track?.stop();
    if ('terminate' in host) (host as { terminate(): void }).terminate();
  }
}

/** What a caller sees when things go wrong: error codes, and whether the segmenter survives. */
async function errors(missingAssetBaseUrl: string): Promise<Record<string, unknown>> {
  const codeOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e as { code?: string }).code ?? String(e));
  const out: Record<string, unknown> = {};
  const missing = new MediaPipeSegmenter({ assetBaseUrl: missingAssetBaseUrl });
  out.missingAssets = await codeOf(missing.init());
  out.missingAssetsMessage = await missing.init().catch((e: Error) => e.message);
  missing.dispose();

  const seg = new MediaPipeSegmenter();
  await seg.init();
  const canvas = new OffscreenCanvas(320, 240);
  canvas.getContext('2d')!.fillRect(0, 0, 320, 240);
  const closed = new VideoFrame(canvas, { timestamp: 0 });
  closed.close();
  out.closedFrame = await codeOf(seg.segment(closed, 10));
  const frame = trackOpen('VideoFrame', new VideoFrame(canvas, { timestamp: 0 }));
  try {
    // Still usable after a bad frame; equal and decreasing timestamps are accepted and reported back as given.
    const a = await seg.segment(frame, 20);
    const b = await seg.segment(frame, 20);
    const c = await seg.segment(frame, 5);
    out.timestampsUs = [a.timestampUs, b.timestampUs, c.timestampUs];
    out.freshArrays = a.data !== b.data && b.data !== c.data;
  } finally {
    closeTracked('VideoFrame', frame);
  }
  seg.dispose();
  seg.dispose();
  out.afterDispose = await codeOf(seg.segment(frame, 30));
  out.totalOpen = totalOpen();
  return out;
}

/** A mask at normalised (u, v), bilinear, pixel centres aligned (the renderer's sampler). */
const sampleMask = (m: Mask, u: number, v: number): number => sampleBilinear(m.data, m.widthPx, m.heightPx, u * m.widthPx - 0.5, v * m.heightPx - 0.5);

export interface VariantAgreement {
  url: string;
  /** Intersection over union of the two person masks (> 0.5), compared at 320x180 over the frame. */
  iou: number;
  /** Mean |general - landscape| confidence. */
  meanAbsDiff: number;
  /** Person area, fraction of the frame, per model. */
  areaGeneral: number;
  areaLandscape: number;
  /** frame | general mask | landscape mask. */
  pngBase64: string;
}

/**
 * The general and the landscape selfie models on the same 16:9 frames: each image's band of `widthPx`:`heightPx`
 * shape centred at 42% of its height (where portraits have the face), drawn at that size. What the product's
 * AspectAwareSegmenter trades when it gives wide frames to the landscape model.
 */
async function compareVariants(urls: string[], widthPx: number, heightPx: number): Promise<VariantAgreement[]> {
  const general = new MediaPipeSegmenter({ model: 'general' });
  const landscape = new MediaPipeSegmenter({ model: 'landscape' });
  const canvas = new OffscreenCanvas(widthPx, heightPx);
  const ctx = canvas.getContext('2d')!;
  const out: VariantAgreement[] = [];
  try {
    let timestampMs = 0;
    for (const url of urls) {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`[SegmentPage] ${url}: HTTP ${res.status}`);
      const bmp = await createImageBitmap(await res.blob());
      const bandH = Math.min(bmp.height, Math.round((bmp.width * heightPx) / widthPx));
      const bandY = Math.min(Math.max(Math.round(0.42 * bmp.height - bandH / 2), 0), bmp.height - bandH);
      ctx.drawImage(bmp, 0, bandY, bmp.width, bandH, 0, 0, widthPx, heightPx);
      bmp.close();
      const frame = trackOpen('VideoFrame', new VideoFrame(canvas, { timestamp: (timestampMs += 33) * 1000 }));
      let g: Mask, l: Mask;
      try {
        g = await general.segment(frame, timestampMs);
        l = await landscape.segment(frame, timestampMs);
      } finally {
        closeTracked('VideoFrame', frame);
      }
      const GW = 320, GH = 180;
      let inter = 0, union = 0, absDiff = 0, nG = 0, nL = 0;
      for (let y = 0; y < GH; y++) {
        for (let x = 0; x < GW; x++) {
          const a = sampleMask(g, (x + 0.5) / GW, (y + 0.5) / GH), b = sampleMask(l, (x + 0.5) / GW, (y + 0.5) / GH);
          const A = a > 0.5, B = b > 0.5;
          if (A && B) inter++;
          if (A || B) union++;
          if (A) nG++;
          if (B) nL++;
          absDiff += Math.abs(a - b);
        }
      }
      const n = GW * GH;
      out.push({ url, iou: union ? inter / union : 1, meanAbsDiff: absDiff / n, areaGeneral: nG / n, areaLandscape: nL / n, pngBase64: await maskPng(canvas, g, l) });
    }
  } finally {
    general.dispose();
    landscape.dispose();
  }
  return out;
}

/**
 * The product's AspectAwareSegmenter on real MediaPipe variants: `frames43` 4:3 frames of the drawn person, then
 * 16:9 frames (a camera switch), one every ~33 ms. Per frame: the mask height (256 general, 144 landscape) and
 * whether a mask came back at all.
 */
async function aspectSwitch(frames43: number, frames169: number): Promise<{ heights: number[]; switches: number; variant: string | null; totalOpen: number }> {
  const seg = new AspectAwareSegmenter({ frameAspectHint: 4 / 3, createVariant: (model) => new MediaPipeSegmenter({ model }) });
  await seg.init();
  const heights: number[] = [];
  let switches = 0, variant: string | null = null;
  try {
    for (let i = 0; i < frames43 + frames169; i++) {
      const [w, h] = i < frames43 ? [640, 480] : [1280, 720];
      const canvas = new OffscreenCanvas(w, h);
      drawSyntheticPerson(canvas.getContext('2d')!, w, h, 6 * Math.sin(i / 3), true);
      const frame = trackOpen('VideoFrame', new VideoFrame(canvas, { timestamp: i * 33_333 }));
      try {
        heights.push((await seg.segment(frame, i * 33.333)).heightPx);
      } finally {
        closeTracked('VideoFrame', frame);
      }
      await new Promise((r) => setTimeout(r, 33));
    }
    switches = seg.switches;
    variant = seg.variant();
  } finally {
    seg.dispose();
  }
  return { heights, switches, variant, totalOpen: totalOpen() };
}

const api = { run, camera, errors, compareVariants, aspectSwitch };
/** What tests call through tests/support/pages.ts pageApi(page, 'segmentTest'). */
export type SegmentTestApi = typeof api;
(window as unknown as { segmentTest: SegmentTestApi }).segmentTest = api;
document.title = 'ready';
