/**
 * `CpuRenderer`: VideoFrame.copyTo(RGBA) -> CpuRelighter (relight-math.ts) -> a new VideoFrame. The reference
 * implementation and the fallback tier. Runs in windows and workers (no DOM use).
 */
import { RelightError } from '../core/errors.js';
import { trackOpen } from '../core/leak-tracker.js';
import type { GeometryMaps, Mask, TargetLighting } from '../core/types.js';
import { CpuRelighter, DEFAULT_TUNING } from './cpu-relighter.js';
import type { PixelBuffer } from './relight-math.js';
import type { RenderDiagnostics, RenderTimings, Renderer, RenderTuning } from './renderer.js';

export class CpuRenderer implements Renderer {
  readonly backend = 'cpu' as const;
  private readonly relighter = new CpuRelighter(DEFAULT_TUNING);
  private input: Uint8ClampedArray<ArrayBuffer> | null = null;
  private output: Uint8ClampedArray<ArrayBuffer> | null = null;
  private timings: RenderTimings = { transferMs: 0, estimateMs: 0, shadeMs: 0 };
  private disposed = false;

  constructor(tuning: RenderTuning = {}) {
    this.relighter.configure(tuning);
  }

  async init(): Promise<void> {
    if (typeof VideoFrame === 'undefined') throw new RelightError('unsupported', '[CpuRenderer] VideoFrame is not available here');
  }

  configure(tuning: RenderTuning): void {
    this.relighter.configure(tuning);
  }

  async render(frame: VideoFrame, mask: Mask, geometry: GeometryMaps, lighting: TargetLighting): Promise<VideoFrame> {
    if (this.disposed) throw new RelightError('disposed', '[CpuRenderer] render after dispose');
    const t0 = performance.now();
    // Pixels are the visible rect's (not the display size's: they differ after scaling constraints).
    const rect = frame.visibleRect ?? { x: 0, y: 0, width: frame.displayWidth, height: frame.displayHeight };
    const widthPx = rect.width, heightPx = rect.height;
    const size = widthPx * heightPx * 4;
    if (!this.input || this.input.length !== size) {
      this.input = new Uint8ClampedArray(size);
      this.output = new Uint8ClampedArray(size);
    }
    await frame.copyTo(this.input, {
      format: 'RGBA',
      colorSpace: 'srgb',
      // Not {x: 0, y: 0}: a camera frame's visible rect can be offset inside its coded size (cropped captures).
      rect,
    } as VideoFrameCopyToOptions);
    const t1 = performance.now();
    const src: PixelBuffer = { kind: 'rgba8', widthPx, heightPx, data: this.input };
    const dst: PixelBuffer = { kind: 'rgba8', widthPx, heightPx, data: this.output! };
    this.relighter.process(src, mask, geometry, lighting, dst);
    const t2 = performance.now();
    const init: VideoFrameBufferInit = {
      format: 'RGBA',
      codedWidth: widthPx,
      codedHeight: heightPx,
      timestamp: frame.timestamp,
      colorSpace: { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true },
      // Same display size as the camera frame (a scaled capture has a larger visible rect than display size).
      displayWidth: frame.displayWidth,
      displayHeight: frame.displayHeight,
    };
    if (frame.duration != null) init.duration = frame.duration;
    // The constructor copies the pixels, so the output buffer is reused next frame.
    const out = trackOpen('VideoFrame', new VideoFrame(this.output!, init));
    const t3 = performance.now();
    this.timings = { transferMs: t1 - t0 + (t3 - t2), estimateMs: this.relighter.timings.estimateMs, shadeMs: this.relighter.timings.shadeMs };
    return out;
  }

  reset(): void {
    this.relighter.reset();
  }

  lastTimings(): RenderTimings {
    return this.timings;
  }

  lastDiagnostics(): RenderDiagnostics {
    return this.relighter.lastDiagnostics();
  }

  dispose(): void {
    this.disposed = true;
    this.input = null;
    this.output = null;
  }
}
