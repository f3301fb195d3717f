/**
 * Realm-agnostic segmentation check, run both on the page (segment-page.ts) and in a module worker
 * (segment-worker.ts): makes VideoFrames from portrait JPEG bytes and from a drawn person, segments them with
 * MediaPipeSegmenter, and reports region statistics, timings, overlay PNGs and the leak tracker's counts.
 */
import { closeTracked, openCounts, totalOpen, trackOpen } from '../../../src/core/leak-tracker.js';
import type { Mask } from '../../../src/core/types.js';
import { MediaPipeSegmenter } from '../../../src/segmentation/mediapipe-segmenter.js';
import type { SegmenterModelVariant } from '../../../src/segmentation/mediapipe-assets.js';

/** Normalised box [x0, y0, x1, y1] in frame coordinates (0..1). */
export type Box = [number, number, number, number];

export interface SegmentCase {
  name: string;
  /** JPEG/PNG bytes; absent = draw the synthetic person (`synthetic` frames, moving). */
  imageBytes?: ArrayBuffer;
  /** Synthetic frame size. */
  syntheticSize?: { widthPx: number; heightPx: number };
  /** Synthetic frames only: false = the same room with nobody in it (a negative control). Default true. */
  person?: boolean;
  /** Where the face is (expected confidence high); ignored when `person` is false. */
  faceBox: Box;
  /** Where the background is (expected confidence low). */
  backgroundBoxes: Box[];
}

export interface SegmentRunOptions {
  model?: SegmenterModelVariant;
  delegate?: 'CPU' | 'GPU';
  assetBaseUrl?: string;
  /** Timed segment() calls per case (after one warm-up call). */
  iterations: number;
  overlay: boolean;
}

export interface CaseResult {
  name: string;
  frameWidthPx: number;
  frameHeightPx: number;
  maskWidthPx: number;
  maskHeightPx: number;
  faceMean: number;
  backgroundMeans: number[];
  /** Mean confidence over the whole mask (sanity: neither all 0 nor all 1). */
  overallMean: number;
  medianMs: number;
  medianResizeMs: number;
  medianInferenceMs: number;
  overlayPngBase64?: string;
}

export interface RunResult {
  realm: string;
  backend: string;
  initMs: number;
  cases: CaseResult[];
  medianMs: number;
  openHandles: Record<string, number>;
  totalOpen: number;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Mean mask value over a normalised box (the mask covers the whole frame). */
export function boxMean(mask: Mask, box: Box): number {
  const x0 = Math.floor(box[0] * mask.widthPx);
  const x1 = Math.max(x0 + 1, Math.ceil(box[2] * mask.widthPx));
  const y0 = Math.floor(box[1] * mask.heightPx);
  const y1 = Math.max(y0 + 1, Math.ceil(box[3] * mask.heightPx));
  let sum = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += mask.data[y * mask.widthPx + x]!;
  return sum / ((x1 - x0) * (y1 - y0));
}

/**
 * A drawn head-and-shoulders person (hair, face with eyes/brows/mouth, neck, shirt) over a cluttered wall,
 * shifted by `dxPx` so consecutive frames move like a swaying person.
 */
export function drawSyntheticPerson(ctx: OffscreenCanvasRenderingContext2D, w: number, h: number, dxPx: number, person = true): void {
  // Background: a wall with a shelf and a plant-like blob, so the corners are not a flat colour.
  ctx.fillStyle = '#c9c2b3';
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = '#8a6b4e';
  ctx.fillRect(0, h * 0.3, w * 0.22, h * 0.04);
  ctx.fillStyle = '#4f7a3a';
  ctx.beginPath();
  ctx.ellipse(w * 0.9, h * 0.2, w * 0.06, h * 0.12, 0, 0, Math.PI * 2);
  ctx.fill();
  if (!person) return;
  const cx = w / 2 + dxPx;
  const headRx = h * 0.15;
  const headRy = h * 0.2;
  const headCy = h * 0.42;
  // Shoulders and shirt.
  ctx.fillStyle = '#2f4f7f';
  ctx.beginPath();
  ctx.ellipse(cx, h * 1.02, w * 0.33, h * 0.32, 0, 0, Math.PI * 2);
  ctx.fill();
  // Neck.
  ctx.fillStyle = '#c68e6e';
  ctx.fillRect(cx - headRx * 0.45, headCy + headRy * 0.6, headRx * 0.9, h * 0.16);
  // Hair behind the head.
  ctx.fillStyle = '#3a2618';
  ctx.beginPath();
  ctx.ellipse(cx, headCy - headRy * 0.12, headRx * 1.12, headRy * 1.05, 0, 0, Math.PI * 2);
  ctx.fill();
  // Face with a soft light gradient.
  const g = ctx.createRadialGradient(cx - headRx * 0.3, headCy - headRy * 0.2, headRx * 0.1, cx, headCy, headRy * 1.1);
  g.addColorStop(0, '#e8b596');
  g.addColorStop(1, '#b57d5e');
  ctx.fillStyle = g;
  ctx.beginPath();
  ctx.ellipse(cx, headCy + headRy * 0.08, headRx, headRy * 0.95, 0, 0, Math.PI * 2);
  ctx.fill();
  // Eyes, brows, nose shadow, mouth.
  ctx.fillStyle = '#2a1a12';
  for (const s of [-1, 1]) {
    ctx.beginPath();
    ctx.ellipse(cx + s * headRx * 0.38, headCy - headRy * 0.05, headRx * 0.12, headRy * 0.05, 0, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillRect(cx + s * headRx * 0.38 - headRx * 0.2, headCy - headRy * 0.2, headRx * 0.4, headRy * 0.04);
  }
  ctx.fillStyle = '#9c6249';
  ctx.fillRect(cx - headRx * 0.06, headCy + headRy * 0.05, headRx * 0.12, headRy * 0.28);
  ctx.fillStyle = '#8e3f3a';
  ctx.beginPath();
  ctx.ellipse(cx, headCy + headRy * 0.5, headRx * 0.3, headRy * 0.06, 0, 0, Math.PI * 2);
  ctx.fill();
}

async function framesFor(c: SegmentCase, count: number): Promise<VideoFrame[]> {
  const frames: VideoFrame[] = [];
  if (c.imageBytes) {
    const bitmap = trackOpen('ImageBitmap', await createImageBitmap(new Blob([c.imageBytes])));
    try {
      for (let i = 0; i < count; i++) {
        frames.push(trackOpen('VideoFrame', new VideoFrame(bitmap, { timestamp: i * 33_333 })));
      }
    } finally {
      closeTracked('ImageBitmap', bitmap);
    }
    return frames;
  }
  const { widthPx: w, heightPx: h } = c.syntheticSize ?? { widthPx: 640, heightPx: 480 };
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d')!;
  for (let i = 0; i < count; i++) {
    drawSyntheticPerson(ctx, w, h, 6 * Math.sin(i / 3), c.person ?? true);
    frames.push(trackOpen('VideoFrame', new VideoFrame(canvas, { timestamp: i * 33_333 })));
  }
  return frames;
}

async function overlayPng(frame: VideoFrame, mask: Mask, c: SegmentCase): Promise<string> {
  const w = frame.displayWidth;
  const h = frame.displayHeight;
  const maskCanvas = new OffscreenCanvas(mask.widthPx, mask.heightPx);
  const mctx = maskCanvas.getContext('2d')!;
  const img = mctx.createImageData(mask.widthPx, mask.heightPx);
  for (let i = 0; i < mask.data.length; i++) {
    img.data[i * 4] = 255;
    img.data[i * 4 + 1] = 0;
    img.data[i * 4 + 2] = 64;
    img.data[i * 4 + 3] = Math.round(mask.data[i]! * 150);
  }
  mctx.putImageData(img, 0, 0);
  // Side by side: frame + overlay | mask alone (white = person).
  const out = new OffscreenCanvas(w * 2, h);
  const ctx = out.getContext('2d')!;
  ctx.drawImage(frame, 0, 0, w, h);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(maskCanvas, 0, 0, w, h);
  const gray = mctx.createImageData(mask.widthPx, mask.heightPx);
  for (let i = 0; i < mask.data.length; i++) {
    const v = Math.round(mask.data[i]! * 255);
    gray.data[i * 4] = gray.data[i * 4 + 1] = gray.data[i * 4 + 2] = v;
    gray.data[i * 4 + 3] = 255;
  }
  mctx.putImageData(gray, 0, 0);
  ctx.drawImage(maskCanvas, w, 0, w, h);
  ctx.lineWidth = 3;
  const stroke = (box: Box, colour: string) => {
    ctx.strokeStyle = colour;
    for (const dx of [0, w]) ctx.strokeRect(dx + box[0] * w, box[1] * h, (box[2] - box[0]) * w, (box[3] - box[1]) * h);
  };
  stroke(c.faceBox, '#00ff00');
  for (const b of c.backgroundBoxes) stroke(b, '#00aaff');
  return canvasPngBase64(out);
}

/** The canvas as a base64 PNG (for the Node side to write under tests/.artifacts). */
export async function canvasPngBase64(canvas: OffscreenCanvas): Promise<string> {
  const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export async function runSegmentCases(realm: string, cases: SegmentCase[], opts: SegmentRunOptions): Promise<RunResult> {
  const segmenter = new MediaPipeSegmenter({ assetBaseUrl: opts.assetBaseUrl, model: opts.model, delegate: opts.delegate });
  const tInit = performance.now();
  await segmenter.init();
  const initMs = performance.now() - tInit;
  const results: CaseResult[] = [];
  const allMs: number[] = [];
  let timestampMs = 0;
  try {
    for (const c of cases) {
      const frames = await framesFor(c, opts.iterations + 1);
      try {
        const ms: number[] = [];
        const resizeMs: number[] = [];
        const inferenceMs: number[] = [];
        let mask: Mask | null = null;
        for (let i = 0; i < frames.length; i++) {
          const t0 = performance.now();
          mask = await segmenter.segment(frames[i]!, (timestampMs += 33.3));
          const dt = performance.now() - t0;
          if (i === 0) continue; // warm-up (first call per size allocates)
          ms.push(dt);
          resizeMs.push(segmenter.lastTimings().resizeMs);
          inferenceMs.push(segmenter.lastTimings().inferenceMs);
        }
        const last = frames[frames.length - 1]!;
        const m = mask!;
        allMs.push(...ms);
        results.push({
          name: c.name,
          frameWidthPx: last.displayWidth,
          frameHeightPx: last.displayHeight,
          maskWidthPx: m.widthPx,
          maskHeightPx: m.heightPx,
          faceMean: boxMean(m, c.faceBox),
          backgroundMeans: c.backgroundBoxes.map((b) => boxMean(m, b)),
          overallMean: boxMean(m, [0, 0, 1, 1]),
          medianMs: median(ms),
          medianResizeMs: median(resizeMs),
          medianInferenceMs: median(inferenceMs),
          overlayPngBase64: opts.overlay ? await overlayPng(last, m, c) : undefined,
        });
      } finally {
        for (const f of frames) closeTracked('VideoFrame', f);
      }
    }
  } finally {
    segmenter.dispose();
  }
  return {
    realm,
    backend: segmenter.backend(),
    initMs,
    cases: results,
    medianMs: median(allMs),
    openHandles: openCounts(),
    totalOpen: totalOpen(),
  };
}
