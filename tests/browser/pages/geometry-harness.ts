/**
 * Geometry test harness, runnable on a page ('main') or in a module worker: for each case, builds a camera-like
 * frame (image cover-cropped to the frame size, or a drawn synthetic person), runs MediaPipeSegmenter +
 * AnalyticPriorEstimator (real tasks-vision FaceLandmarker) for a few frames, and reports mean normals in face
 * regions located by the detected landmarks, timings, a composite PNG and the leak tracker's counts.
 * (scripts/dump-priors.mjs uses geometry-dump-page.ts instead.)
 */
import { closeTracked, resetLeakTracker, totalOpen, openCounts, trackOpen } from '../../../src/core/leak-tracker.js';
import type { GeometryMaps, Mask } from '../../../src/core/types.js';
import { AnalyticPriorEstimator, type PriorLayers } from '../../../src/geometry/analytic-prior.js';
import { SilhouetteEstimator } from '../../../src/geometry/silhouette-estimator.js';
import { MediaPipeSegmenter } from '../../../src/segmentation/mediapipe-segmenter.js';

export interface GeometryCase {
  name: string;
  /** Encoded image; absent = the synthetic head-and-shoulders drawing (no real face). */
  imageBytes?: ArrayBuffer;
}

export interface GeometryRunOptions {
  frameWidthPx: number;
  frameHeightPx: number;
  iterations: number;
  png: boolean;
}

export type Vec3 = [number, number, number];

export interface RegionStat {
  /** Confidence-weighted mean normal (normalised) over the region's grid pixels. */
  normal: Vec3;
  confidence: number;
  pixels: number;
}

export interface FaceRegions {
  nose: RegionStat;
  imageLeftCheek: RegionStat;
  imageRightCheek: RegionStat;
  forehead: RegionStat;
  chin: RegionStat;
}

export interface GeometryCaseResult {
  name: string;
  faceFound: boolean;
  gridWidthPx: number;
  gridHeightPx: number;
  source: string;
  /** Region stats on the final (blended, smoothed) maps. */
  regions: FaceRegions | null;
  /** Region stats on the face layer alone (before the blend with the silhouette). */
  faceRegions: FaceRegions | null;
  maxConfidence: number;
  /** Fraction of grid pixels with confidence > 0 / with face confidence > 0.5. */
  knownFrac: number;
  faceFrac: number;
  /** Unit-length check of the normals where confidence > 0: max |1 - |n||. */
  maxUnitError: number;
  medianMs: { prior: number; landmarks: number; faceRaster: number; silhouette: number; segment: number; silhouetteEstimator: number };
  pngBase64?: string;
  /** The last frame's landmarks (x, y, z per point) when a face was found. */
  landmarks?: number[];
}

export interface GeometryRunResult {
  realm: string;
  initMs: number;
  cases: GeometryCaseResult[];
  openHandles: Record<string, number>;
  totalOpen: number;
}

/** Landmark groups (face-mesh indices) whose image position decides the region; left/right picked by image x. */
const REGIONS = {
  nose: [1, 4, 5, 195],
  cheekA: [50, 101, 118, 123, 147, 187, 205, 36],
  cheekB: [280, 330, 347, 352, 376, 411, 425, 266],
  // Upper forehead, up to the hairline, where the skull turns away from the camera.
  forehead: [10, 109, 338, 67, 297, 151],
  chin: [152, 175, 199, 200],
};

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

async function decode(bytes: ArrayBuffer): Promise<ImageBitmap> {
  return createImageBitmap(new Blob([bytes]));
}

/** Cover-crop (centre horizontally, 42% vertically: faces sit high in portraits) into a W x H canvas. */
function drawCover(ctx: OffscreenCanvasRenderingContext2D, img: ImageBitmap, W: number, H: number): void {
  const s = Math.max(W / img.width, H / img.height);
  const cw = W / s, ch = H / s;
  const sx = (img.width - cw) / 2;
  const sy = Math.min(Math.max(img.height * 0.42 - ch / 2, 0), img.height - ch);
  ctx.drawImage(img, sx, sy, cw, ch, 0, 0, W, H);
}

/** The synthetic person of tests/support/y4m.ts (skin ellipse head, blue body, checker background). */
function drawSynthetic(ctx: OffscreenCanvasRenderingContext2D, W: number, H: number): void {
  const img = ctx.createImageData(W, H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const headR = H * 0.2;
      const hx = (x - W / 2) / (headR * 0.8), hy = (y - H * 0.38) / headR;
      const sx = (x - W / 2) / (W * 0.32), sy = (y - H) / (H * 0.42);
      let c: Vec3;
      if (hx * hx + hy * hy < 1) c = [205 - 30 * hx, 160 - 25 * hx, 135 - 20 * hx];
      else if (sx * sx + sy * sy < 1) c = [60, 80, 140];
      else c = ((x >> 5) + (y >> 5)) & 1 ? [150, 150, 140] : [120, 125, 120];
      const i = 4 * (y * W + x);
      img.data[i] = c[0]; img.data[i + 1] = c[1]; img.data[i + 2] = c[2]; img.data[i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

export function regionStats(
  maps: { widthPx: number; heightPx: number; normals: Float32Array | null; confidence: Float32Array | null },
  layers: PriorLayers | null,
): FaceRegions | null {
  const lm = layers?.landmarks?.points;
  if (!lm || !maps.normals || !maps.confidence) return null;
  const W = maps.widthPx, H = maps.heightPx;
  const normals = maps.normals, confidence = maps.confidence;
  const stat = (ids: number[]): RegionStat & { meanX: number } => {
    let x = 0, y = 0, z = 0, c = 0, px = 0, mx = 0;
    const seen = new Set<number>();
    for (const id of ids) {
      mx += lm[3 * id]!;
      const gx = Math.round(lm[3 * id]! * W - 0.5), gy = Math.round(lm[3 * id + 1]! * H - 0.5);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = gx + dx, yy = gy + dy;
          if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
          const i = yy * W + xx;
          if (seen.has(i)) continue;
          seen.add(i);
          const w = confidence[i]!;
          if (w <= 0) continue;
          x += w * normals[3 * i]!; y += w * normals[3 * i + 1]!; z += w * normals[3 * i + 2]!;
          c += w; px++;
        }
      }
    }
    const l = Math.hypot(x, y, z) || 1;
    return { normal: [x / l, y / l, z / l], confidence: px ? c / px : 0, pixels: px, meanX: mx / ids.length };
  };
  const a = stat(REGIONS.cheekA), b = stat(REGIONS.cheekB);
  const [left, right] = a.meanX < b.meanX ? [a, b] : [b, a];
  const strip = ({ meanX: _m, ...r }: RegionStat & { meanX: number }): RegionStat => r;
  return {
    nose: strip(stat(REGIONS.nose)),
    imageLeftCheek: strip(left),
    imageRightCheek: strip(right),
    forehead: strip(stat(REGIONS.forehead)),
    chin: strip(stat(REGIONS.chin)),
  };
}

/** RGBA8 image of a normal map (n * 0.5 + 0.5, black where unknown). */
export function normalImage(normals: Float32Array, confidence: Float32Array, W: number, H: number): ImageData {
  const img = new ImageData(W, H);
  for (let i = 0; i < W * H; i++) {
    const known = confidence[i]! > 0;
    for (let c = 0; c < 3; c++) img.data[4 * i + c] = known ? Math.round((normals[3 * i + c]! * 0.5 + 0.5) * 255) : 0;
    img.data[4 * i + 3] = 255;
  }
  return img;
}

export function grayImage(values: Float32Array, W: number, H: number, scale = 1): ImageData {
  const img = new ImageData(W, H);
  for (let i = 0; i < W * H; i++) {
    const v = Math.round(Math.min(Math.max(values[i]! * scale, 0), 1) * 255);
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  return img;
}

export async function toPngBase64(canvas: OffscreenCanvas): Promise<string> {
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Composite: frame | normals | confidence | silhouette-only normals, each scaled to 320 px wide. */
async function compositePng(frameCanvas: OffscreenCanvas, maps: GeometryMaps, sil: GeometryMaps): Promise<string> {
  const cellW = 320, cellH = Math.round((320 * frameCanvas.height) / frameCanvas.width);
  const out = new OffscreenCanvas(cellW * 4, cellH);
  const ctx = out.getContext('2d')!;
  ctx.drawImage(frameCanvas, 0, 0, cellW, cellH);
  ctx.imageSmoothingEnabled = false;
  const put = (img: ImageData, slot: number) => {
    const c = new OffscreenCanvas(img.width, img.height);
    c.getContext('2d')!.putImageData(img, 0, 0);
    ctx.drawImage(c, slot * cellW, 0, cellW, cellH);
  };
  put(normalImage(maps.normals, maps.confidence, maps.widthPx, maps.heightPx), 1);
  put(grayImage(maps.confidence, maps.widthPx, maps.heightPx), 2);
  put(normalImage(sil.normals, sil.confidence, sil.widthPx, sil.heightPx), 3);
  return toPngBase64(out);
}

export async function runGeometryCases(realm: string, cases: GeometryCase[], opts: GeometryRunOptions): Promise<GeometryRunResult> {
  resetLeakTracker();
  const W = opts.frameWidthPx, H = opts.frameHeightPx;
  const t0 = performance.now();
  const segmenter = new MediaPipeSegmenter();
  const estimator = new AnalyticPriorEstimator();
  const silhouette = new SilhouetteEstimator();
  await Promise.all([segmenter.init(), estimator.init()]);
  const initMs = performance.now() - t0;
  const results: GeometryCaseResult[] = [];
  const canvas = new OffscreenCanvas(W, H);
  const ctx = canvas.getContext('2d', { alpha: false })!;
  let timestampMs = 0;
  try {
    for (const c of cases) {
      if (c.imageBytes) {
        const img = await decode(c.imageBytes);
        drawCover(ctx, img, W, H);
        img.close();
      } else {
        drawSynthetic(ctx, W, H);
      }
      estimator.resetHistory();
      const prior: number[] = [], landmarks: number[] = [], raster: number[] = [], silMs: number[] = [], seg: number[] = [], silEst: number[] = [];
      let maps: GeometryMaps | null = null;
      let silMaps: GeometryMaps | null = null;
      let layers: PriorLayers | null = null;
      for (let k = 0; k < opts.iterations; k++) {
        timestampMs += 33;
        const frame = trackOpen('VideoFrame', new VideoFrame(canvas, { timestamp: Math.round(timestampMs * 1000) }));
        try {
          const s0 = performance.now();
          const mask: Mask = await segmenter.segment(frame, timestampMs);
          seg.push(performance.now() - s0);
          maps = await estimator.estimate(frame, mask, timestampMs);
          layers = estimator.lastLayers();
          const t = estimator.lastTimings();
          prior.push(t.totalMs); landmarks.push(t.landmarksMs); raster.push(t.faceRasterMs); silMs.push(t.silhouetteMs);
          silMaps = await silhouette.estimate(frame, mask, timestampMs);
          silEst.push(silhouette.lastTimings().totalMs);
        } finally {
          closeTracked('VideoFrame', frame);
        }
      }
      const m = maps!;
      let known = 0, faceCount = 0, maxC = 0, maxUnit = 0;
      for (let i = 0; i < m.widthPx * m.heightPx; i++) {
        const cc = m.confidence[i]!;
        maxC = Math.max(maxC, cc);
        if (cc > 0) {
          known++;
          maxUnit = Math.max(maxUnit, Math.abs(1 - Math.hypot(m.normals[3 * i]!, m.normals[3 * i + 1]!, m.normals[3 * i + 2]!)));
        }
        if ((layers?.faceConfidence?.[i] ?? 0) > 0.5) faceCount++;
      }
      results.push({
        name: c.name,
        faceFound: !!layers?.landmarks,
        gridWidthPx: m.widthPx,
        gridHeightPx: m.heightPx,
        source: m.source,
        regions: regionStats(m, layers),
        faceRegions: regionStats({ widthPx: m.widthPx, heightPx: m.heightPx, normals: layers?.faceNormals ?? null,
          confidence: layers?.faceConfidence ?? null }, layers),
        maxConfidence: maxC,
        knownFrac: known / (m.widthPx * m.heightPx),
        faceFrac: faceCount / (m.widthPx * m.heightPx),
        maxUnitError: maxUnit,
        medianMs: {
          prior: median(prior.slice(1)), landmarks: median(landmarks.slice(1)), faceRaster: median(raster.slice(1)),
          silhouette: median(silMs.slice(1)), segment: median(seg.slice(1)), silhouetteEstimator: median(silEst.slice(1)),
        },
        pngBase64: opts.png ? await compositePng(canvas, m, silMaps!) : undefined,
        landmarks: layers?.landmarks ? Array.from(layers.landmarks.points) : undefined,
      });
    }
  } finally {
    estimator.dispose();
    silhouette.dispose();
    segmenter.dispose();
  }
  return { realm, initMs, cases: results, openHandles: openCounts(), totalOpen: totalOpen() };
}
