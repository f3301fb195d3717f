/**
 * Pre- and post-processing for the ONNX student (models/student.onnx, see models/MODELS.md), in one module so the
 * browser path and the Node tests use the same arithmetic.
 *
 * Input tensor `input`: float32 NCHW (1, 4, S, S), S = 128: sRGB R, G, B in [0, 1] (no linearisation, no mean/std)
 * and the person mask in [0, 1].
 * Outputs: `normals` (1, 3, S, S) unit camera-space (+x right, +y up, +z toward the camera), `confidence`
 * (1, 1, S, S) in [0, 1], `albedo` (1, 3, S, S) linear RGB in [0, 1].
 *
 * Letterbox policy: the WHOLE frame is scaled (aspect kept) so its long side is S and centred; the bars are RGB 0
 * and mask 0, exactly as in training (models/training/augment.py). Nothing is cropped, because GeometryMaps cover the
 * whole frame (the renderer upsamples them to the frame), and a non-uniform stretch would bend the normals. The
 * returned GeometryMaps cover only the content rectangle (e.g. 128x96 for a 4:3 frame), so map pixel (x, y) is
 * frame pixel ((x + 0.5) * frameW / mapW, ...).
 *
 * Frame pixels: `frameToModelRgba` draws a VideoFrame into an OffscreenCanvas at model size (the browser's
 * GPU-backed downscale, any pixel format); `rgbaToModelRgba` does an area-average downscale in plain TypeScript for
 * RGBA images (tests, CPU paths). Both produce the S x S RGBA8 the tensor is packed from.
 */
import type { GeometryMaps, Mask, RgbaImage } from '../core/types.js';

export const STUDENT_INPUT_SIZE_PX = 128;
export const STUDENT_INPUT_NAME = 'input';
export const STUDENT_OUTPUT_NAMES = ['normals', 'confidence', 'albedo'] as const;
/** Below this mask value a pixel is "not the person": normals and confidence are zero there. */
export const STUDENT_MASK_CUTOFF = 0.02;

export interface LetterboxLayout {
  /** Side of the square model input. */
  readonly modelSizePx: number;
  readonly sourceWidthPx: number;
  readonly sourceHeightPx: number;
  /** The frame's image inside the model input. */
  readonly contentWidthPx: number;
  readonly contentHeightPx: number;
  readonly offsetXPx: number;
  readonly offsetYPx: number;
}

export function letterboxLayout(sourceWidthPx: number, sourceHeightPx: number, modelSizePx = STUDENT_INPUT_SIZE_PX): LetterboxLayout {
  if (!(sourceWidthPx > 0 && sourceHeightPx > 0)) throw new RangeError(`[StudentIo] bad frame size ${sourceWidthPx}x${sourceHeightPx}`);
  const scale = modelSizePx / Math.max(sourceWidthPx, sourceHeightPx);
  const contentWidthPx = Math.max(1, Math.min(modelSizePx, Math.round(sourceWidthPx * scale)));
  const contentHeightPx = Math.max(1, Math.min(modelSizePx, Math.round(sourceHeightPx * scale)));
  return {
    modelSizePx, sourceWidthPx, sourceHeightPx, contentWidthPx, contentHeightPx,
    offsetXPx: Math.floor((modelSizePx - contentWidthPx) / 2),
    offsetYPx: Math.floor((modelSizePx - contentHeightPx) / 2),
  };
}

export function sameLayout(a: LetterboxLayout | null, b: LetterboxLayout): boolean {
  return !!a && a.modelSizePx === b.modelSizePx && a.sourceWidthPx === b.sourceWidthPx && a.sourceHeightPx === b.sourceHeightPx;
}

/**
 * Area-average resample of one channel from (sw x sh) into the (dw x dh) rectangle; `read(x, y)` gives a source
 * sample. Exact box filter over fractional source footprints (matches cv2.INTER_AREA for downscales).
 */
function areaResample(sw: number, sh: number, dw: number, dh: number, read: (x: number, y: number) => number, write: (x: number, y: number, v: number) => void): void {
  const fx = sw / dw, fy = sh / dh;
  for (let y = 0; y < dh; y++) {
    const y0 = y * fy, y1 = y0 + fy;
    for (let x = 0; x < dw; x++) {
      const x0 = x * fx, x1 = x0 + fx;
      let acc = 0, wsum = 0;
      for (let sy = Math.floor(y0); sy < Math.min(sh, Math.ceil(y1)); sy++) {
        const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
        if (wy <= 0) continue;
        for (let sx = Math.floor(x0); sx < Math.min(sw, Math.ceil(x1)); sx++) {
          const wx = Math.min(x1, sx + 1) - Math.max(x0, sx);
          if (wx <= 0) continue;
          acc += wx * wy * read(sx, sy);
          wsum += wx * wy;
        }
      }
      write(x, y, wsum > 0 ? acc / wsum : 0);
    }
  }
}

/** Bilinear sample of a single-channel map at continuous pixel coordinates (pixel centres at +0.5). */
function bilinear(data: ArrayLike<number>, w: number, h: number, x: number, y: number): number {
  const fx = Math.min(Math.max(x - 0.5, 0), w - 1), fy = Math.min(Math.max(y - 0.5, 0), h - 1);
  const x0 = Math.floor(fx), y0 = Math.floor(fy);
  const x1 = Math.min(x0 + 1, w - 1), y1 = Math.min(y0 + 1, h - 1);
  const ax = fx - x0, ay = fy - y0;
  const a = data[y0 * w + x0]!, b = data[y0 * w + x1]!, c = data[y1 * w + x0]!, d = data[y1 * w + x1]!;
  return (a * (1 - ax) + b * ax) * (1 - ay) + (c * (1 - ax) + d * ax) * ay;
}

/** Resamples the mask onto the content grid (contentW x contentH): area when shrinking, bilinear otherwise. */
export function maskOnContent(mask: Mask, layout: LetterboxLayout): Float32Array {
  const w = layout.contentWidthPx, h = layout.contentHeightPx;
  const out = new Float32Array(w * h);
  if (mask.widthPx >= w && mask.heightPx >= h) {
    areaResample(mask.widthPx, mask.heightPx, w, h, (x, y) => mask.data[y * mask.widthPx + x]!, (x, y, v) => { out[y * w + x] = v; });
  } else {
    const sx = mask.widthPx / w, sy = mask.heightPx / h;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) out[y * w + x] = bilinear(mask.data, mask.widthPx, mask.heightPx, (x + 0.5) * sx, (y + 0.5) * sy);
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]!));
  return out;
}

/** Area-average downscale of a full-resolution RGBA image into the letterboxed S x S RGBA8 model image. */
export function rgbaToModelRgba(image: RgbaImage, layout: LetterboxLayout): Uint8ClampedArray {
  const s = layout.modelSizePx;
  const out = new Uint8ClampedArray(s * s * 4);
  for (let c = 0; c < 3; c++) {
    areaResample(image.widthPx, image.heightPx, layout.contentWidthPx, layout.contentHeightPx,
      (x, y) => image.data[(y * image.widthPx + x) * 4 + c]!,
      (x, y, v) => { out[((y + layout.offsetYPx) * s + x + layout.offsetXPx) * 4 + c] = Math.round(v); });
  }
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
  return out;
}

/**
 * Draws a VideoFrame (any pixel format) into the letterboxed model image with the browser's scaler.
 * `canvas` is reused between calls (allocate it once at the model size). BORROWS the frame.
 */
export function frameToModelRgba(frame: VideoFrame, layout: LetterboxLayout, canvas: OffscreenCanvas): Uint8ClampedArray {
  const s = layout.modelSizePx;
  if (canvas.width !== s || canvas.height !== s) { canvas.width = s; canvas.height = s; }
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new Error('[StudentIo] no 2d context');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, s, s);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'medium';
  ctx.drawImage(frame, 0, 0, frame.displayWidth, frame.displayHeight, layout.offsetXPx, layout.offsetYPx, layout.contentWidthPx, layout.contentHeightPx);
  return ctx.getImageData(0, 0, s, s).data;
}

/**
 * Packs the S x S RGBA8 model image and the mask into the planar float32 input (1, 4, S, S). Outside the content
 * rectangle everything is 0 (the letterbox bars), inside the mask is `maskOnContent`. Writes into `out` if given.
 */
export function packStudentInput(modelRgba: Uint8ClampedArray, mask: Mask, layout: LetterboxLayout, out?: Float32Array): Float32Array {
  const s = layout.modelSizePx;
  const plane = s * s;
  const t = out && out.length === 4 * plane ? out : new Float32Array(4 * plane);
  t.fill(0);
  const m = maskOnContent(mask, layout);
  const inv = 1 / 255;
  for (let y = 0; y < layout.contentHeightPx; y++) {
    const my = y + layout.offsetYPx;
    for (let x = 0; x < layout.contentWidthPx; x++) {
      const i = my * s + x + layout.offsetXPx;
      t[i] = modelRgba[i * 4]! * inv;
      t[plane + i] = modelRgba[i * 4 + 1]! * inv;
      t[2 * plane + i] = modelRgba[i * 4 + 2]! * inv;
      t[3 * plane + i] = m[y * layout.contentWidthPx + x]!;
    }
  }
  return t;
}

/** The three raw output planes of one inference (planar, S x S each), as ORT returns them. */
export interface StudentRawOutput {
  readonly normals: Float32Array;
  readonly confidence: Float32Array;
  readonly albedo: Float32Array;
}

/**
 * Crops the content rectangle, converts planar to interleaved, renormalises the normals, and applies the person
 * mask: confidence *= mask, normals = 0 and confidence = 0 where mask < STUDENT_MASK_CUTOFF.
 * `maskContent` is `maskOnContent(mask, layout)` (pass it when already computed).
 */
export function studentOutputToGeometry(raw: StudentRawOutput, layout: LetterboxLayout, maskContent: Float32Array, source = 'student'): GeometryMaps {
  const s = layout.modelSizePx, plane = s * s;
  const w = layout.contentWidthPx, h = layout.contentHeightPx;
  if (raw.normals.length < 3 * plane || raw.confidence.length < plane || raw.albedo.length < 3 * plane) {
    throw new RangeError(`[StudentIo] output planes too small for ${s}x${s}`);
  }
  const normals = new Float32Array(w * h * 3);
  const confidence = new Float32Array(w * h);
  const albedo = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y + layout.offsetYPx) * s + x + layout.offsetXPx;
      const o = y * w + x;
      const m = maskContent[o]!;
      albedo[o * 3] = raw.albedo[i]!;
      albedo[o * 3 + 1] = raw.albedo[plane + i]!;
      albedo[o * 3 + 2] = raw.albedo[2 * plane + i]!;
      if (m < STUDENT_MASK_CUTOFF) continue;
      const nx = raw.normals[i]!, ny = raw.normals[plane + i]!, nz = raw.normals[2 * plane + i]!;
      const len = Math.hypot(nx, ny, nz);
      if (!(len > 1e-6)) continue;
      normals[o * 3] = nx / len;
      normals[o * 3 + 1] = ny / len;
      normals[o * 3 + 2] = nz / len;
      confidence[o] = Math.min(1, Math.max(0, raw.confidence[i]!)) * Math.min(1, m);
    }
  }
  return { widthPx: w, heightPx: h, normals, confidence, albedo, source };
}

/**
 * Temporal EMA of two maps on the same grid, in place on `state`: x = a * x + (1 - a) * next, normals
 * renormalised. Where `state` has no normal (zero), `next` is taken as is.
 */
export function blendGeometryInto(state: { normals: Float32Array; confidence: Float32Array; albedo: Float32Array }, next: GeometryMaps, keep: number): void {
  const a = Math.min(Math.max(keep, 0), 1), b = 1 - a;
  const n = state.normals, nn = next.normals;
  for (let p = 0; p < state.confidence.length; p++) {
    const i = p * 3;
    const hadNormal = n[i]! !== 0 || n[i + 1]! !== 0 || n[i + 2]! !== 0;
    const hasNext = nn[i]! !== 0 || nn[i + 1]! !== 0 || nn[i + 2]! !== 0;
    if (!hasNext) {
      n[i] = 0; n[i + 1] = 0; n[i + 2] = 0;
    } else if (!hadNormal) {
      n[i] = nn[i]!; n[i + 1] = nn[i + 1]!; n[i + 2] = nn[i + 2]!;
    } else {
      const x = a * n[i]! + b * nn[i]!, y = a * n[i + 1]! + b * nn[i + 1]!, z = a * n[i + 2]! + b * nn[i + 2]!;
      const len = Math.hypot(x, y, z) || 1;
      n[i] = x / len; n[i + 1] = y / len; n[i + 2] = z / len;
    }
    state.confidence[p] = a * state.confidence[p]! + b * next.confidence[p]!;
    if (next.albedo) {
      for (let c = 0; c < 3; c++) state.albedo[i + c] = a * state.albedo[i + c]! + b * next.albedo[i + c]!;
    }
  }
}

/**
 * Applies the CURRENT mask to unmasked (smoothed) maps: confidence *= mask, normals and confidence zero where
 * mask < STUDENT_MASK_CUTOFF. Used on every frame, also between model runs, so edges follow the segmenter even
 * when the geometry is a frame or two old. Returns new arrays (the caller owns GeometryMaps).
 */
export function remaskGeometry(state: { normals: Float32Array; confidence: Float32Array; albedo: Float32Array }, layout: LetterboxLayout, maskContent: Float32Array, source: string): GeometryMaps {
  const w = layout.contentWidthPx, h = layout.contentHeightPx;
  const normals = new Float32Array(state.normals);
  const confidence = new Float32Array(w * h);
  for (let p = 0; p < w * h; p++) {
    const m = maskContent[p]!;
    if (m < STUDENT_MASK_CUTOFF) {
      normals[p * 3] = 0; normals[p * 3 + 1] = 0; normals[p * 3 + 2] = 0;
      continue;
    }
    confidence[p] = Math.min(1, state.confidence[p]! * Math.min(1, m));
  }
  return { widthPx: w, heightPx: h, normals, confidence, albedo: new Float32Array(state.albedo), source };
}
