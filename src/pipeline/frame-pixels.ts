/**
 * VideoFrame <-> RGBA8 pixels on the CPU, with buffer reuse (one allocation per resolution, not per frame).
 * `VideoFrame.copyTo({format: 'RGBA'})` converts from the camera's I420/NV12 in Chromium; it is also the upload
 * path that works on SwiftShader (see NOTES.md).
 */
import { trackOpen } from '../core/leak-tracker.js';
import type { RgbaImage } from '../core/types.js';

export class RgbaReader {
  private buffer: Uint8ClampedArray<ArrayBuffer> | null = null;

  /** BORROWS the frame. The returned image's buffer is reused by the next call: copy what you keep. */
  async read(frame: VideoFrame): Promise<RgbaImage> {
    // Pixels are the visible rect's (not the display size's: they differ after scaling constraints).
    const rect = frame.visibleRect ?? { x: 0, y: 0, width: frame.displayWidth, height: frame.displayHeight };
    const widthPx = rect.width;
    const heightPx = rect.height;
    const size = widthPx * heightPx * 4;
    if (!this.buffer || this.buffer.length !== size) this.buffer = new Uint8ClampedArray(size);
    await frame.copyTo(this.buffer, {
      format: 'RGBA',
      colorSpace: 'srgb',
      // Not {x: 0, y: 0}: a camera frame's visible rect can be offset inside its coded size (cropped captures).
      rect,
    } as VideoFrameCopyToOptions);
    return { widthPx, heightPx, data: this.buffer };
  }
}

/** A new VideoFrame (owned by the caller) from RGBA8 pixels; the pixels are copied by the constructor. */
export function frameFromRgba(image: RgbaImage, timestampUs: number, durationUs?: number | null,
  display?: { displayWidth: number; displayHeight: number }): VideoFrame {
  const init: VideoFrameBufferInit = {
    format: 'RGBA',
    codedWidth: image.widthPx,
    codedHeight: image.heightPx,
    timestamp: timestampUs,
    colorSpace: { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true },
  };
  if (durationUs != null) init.duration = durationUs;
  if (display) {
    init.displayWidth = display.displayWidth;
    init.displayHeight = display.displayHeight;
  }
  return trackOpen('VideoFrame', new VideoFrame(image.data, init));
}

/** Bilinear sample of a mask (any resolution) at normalised (u, v). */
export function sampleMask(data: Float32Array, widthPx: number, heightPx: number, u: number, v: number): number {
  const x = Math.min(Math.max(u * widthPx - 0.5, 0), widthPx - 1);
  const y = Math.min(Math.max(v * heightPx - 0.5, 0), heightPx - 1);
  const x0 = x | 0, y0 = y | 0;
  const x1 = Math.min(x0 + 1, widthPx - 1), y1 = Math.min(y0 + 1, heightPx - 1);
  const fx = x - x0, fy = y - y0;
  const a = data[y0 * widthPx + x0]!, b = data[y0 * widthPx + x1]!;
  const c = data[y1 * widthPx + x0]!, d = data[y1 * widthPx + x1]!;
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

/** Upsamples a mask to widthPx x heightPx (bilinear), reusing `out` when it has the right size. */
export function upsampleMask(mask: { widthPx: number; heightPx: number; data: Float32Array }, widthPx: number, heightPx: number, out?: Float32Array): Float32Array {
  const dst = out && out.length === widthPx * heightPx ? out : new Float32Array(widthPx * heightPx);
  for (let y = 0; y < heightPx; y++) {
    const v = (y + 0.5) / heightPx;
    for (let x = 0; x < widthPx; x++) dst[y * widthPx + x] = sampleMask(mask.data, mask.widthPx, mask.heightPx, (x + 0.5) / widthPx, v);
  }
  return dst;
}
