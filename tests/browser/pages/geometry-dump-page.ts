/**
 * Page driven by scripts/dump-priors.mjs: `window.geometryDump.dump({ imageBase64 })` centre-crops the image to a
 * square, runs MediaPipeSegmenter + AnalyticPriorEstimator on it (landmarks in IMAGE mode: every still is
 * independent; no temporal smoothing; the geometry grid forced to the output size, so it covers exactly the crop)
 * and returns the layers as raw bytes (base64): rgb (RGB8), normal (RGB8, n*0.5+0.5, 0 where unknown),
 * conf_face, conf_sil, mask (gray8, value * 255). The caller encodes PNGs.
 */
import { closeTracked, totalOpen, trackOpen } from '../../../src/core/leak-tracker.js';
import { AnalyticPriorEstimator, teacherPriorOptions } from '../../../src/geometry/analytic-prior.js';
import { MediaPipeSegmenter } from '../../../src/segmentation/mediapipe-segmenter.js';

(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = true;

export interface DumpRequest {
  imageBase64: string;
  /** Output side (default 256). */
  sizePx?: number;
  /** Side of the square frame the models see (default 512: landmarks on a 256 px face crop lose detail). */
  inferenceSizePx?: number;
}

export interface DumpResult {
  sizePx: number;
  sourceWidthPx: number;
  sourceHeightPx: number;
  /** Square crop in source pixels: x, y, side. */
  crop: [number, number, number];
  faceFound: boolean;
  rgb: string;
  normal: string;
  confFace: string;
  confSil: string;
  mask: string;
  ms: { segment: number; prior: number; landmarks: number };
  openHandles: number;
}

let segmenter: MediaPipeSegmenter | null = null;
let estimator: AnalyticPriorEstimator | null = null;
let sizeOfEstimator = 0;
let timestampMs = 0;

function b64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function unb64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const q = (v: number) => Math.min(255, Math.max(0, Math.round(v * 255)));

async function dump(req: DumpRequest): Promise<DumpResult> {
  const size = req.sizePx ?? 256;
  const inferSize = req.inferenceSizePx ?? 512;
  if (!segmenter) {
    segmenter = new MediaPipeSegmenter();
    await segmenter.init();
  }
  if (!estimator || sizeOfEstimator !== size) {
    estimator?.dispose();
    estimator = new AnalyticPriorEstimator(teacherPriorOptions(size));
    await estimator.init();
    sizeOfEstimator = size;
  }
  const img = await createImageBitmap(new Blob([unb64(req.imageBase64) as Uint8Array<ArrayBuffer>]));
  const sourceWidthPx = img.width, sourceHeightPx = img.height;
  const side = Math.min(img.width, img.height);
  const crop: [number, number, number] = [Math.floor((img.width - side) / 2), Math.floor((img.height - side) / 2), side];
  const inferCanvas = new OffscreenCanvas(inferSize, inferSize);
  const ictx = inferCanvas.getContext('2d', { alpha: false })!;
  ictx.imageSmoothingQuality = 'high';
  ictx.drawImage(img, crop[0], crop[1], side, side, 0, 0, inferSize, inferSize);
  const outCanvas = new OffscreenCanvas(size, size);
  const octx = outCanvas.getContext('2d', { alpha: false, willReadFrequently: true })!;
  octx.imageSmoothingQuality = 'high';
  octx.drawImage(img, crop[0], crop[1], side, side, 0, 0, size, size);
  img.close();

  timestampMs += 1000;
  const frame = trackOpen('VideoFrame', new VideoFrame(inferCanvas, { timestamp: timestampMs * 1000 }));
  let segMs = 0;
  try {
    const s0 = performance.now();
    const mask = await segmenter.segment(frame, timestampMs);
    segMs = performance.now() - s0;
    const maps = await estimator.estimate(frame, mask, timestampMs);
    const layers = estimator.lastLayers()!;
    const n = size * size;
    if (maps.widthPx !== size || maps.heightPx !== size) throw new Error(`[GeometryDump] grid ${maps.widthPx}x${maps.heightPx}`);
    const rgba = octx.getImageData(0, 0, size, size).data;
    const rgb = new Uint8Array(3 * n);
    const normal = new Uint8Array(3 * n);
    const confFace = new Uint8Array(n);
    const confSil = new Uint8Array(n);
    const maskOut = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      rgb[3 * i] = rgba[4 * i]!;
      rgb[3 * i + 1] = rgba[4 * i + 1]!;
      rgb[3 * i + 2] = rgba[4 * i + 2]!;
      if (maps.confidence[i]! > 0) {
        for (let c = 0; c < 3; c++) normal[3 * i + c] = q(maps.normals[3 * i + c]! * 0.5 + 0.5);
      }
      confFace[i] = q(layers.faceConfidence?.[i] ?? 0);
      confSil[i] = q(layers.silhouetteConfidence[i]!);
      maskOut[i] = q(layers.mask[i]!);
    }
    const t = estimator.lastTimings();
    return {
      sizePx: size,
      sourceWidthPx,
      sourceHeightPx,
      crop,
      faceFound: !!layers.landmarks,
      rgb: b64(rgb),
      normal: b64(normal),
      confFace: b64(confFace),
      confSil: b64(confSil),
      mask: b64(maskOut),
      ms: { segment: segMs, prior: t.totalMs, landmarks: t.landmarksMs },
      openHandles: 0,
    };
  } finally {
    closeTracked('VideoFrame', frame);
  }
}

async function dumpChecked(req: DumpRequest): Promise<DumpResult> {
  const r = await dump(req);
  return { ...r, openHandles: totalOpen() };
}

(window as unknown as { geometryDump: unknown }).geometryDump = { dump: dumpChecked };
