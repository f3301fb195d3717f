/**
 * Segmenter on MediaPipe tasks-vision's ImageSegmenter (VIDEO mode, confidence masks) with the legacy selfie
 * model plus metadata (scripts/build-segmenter-model.mjs). Works in a module Worker and on the main thread.
 *
 * Each frame is first drawn at the model's input size (256x256 or 256x144) into a small OffscreenCanvas:
 * ImageSegmenter returns masks at its INPUT image size, so feeding the full frame would make it upsample the
 * mask to e.g. 640x480 only for us to read 4.7x more floats; the model resizes to its input anyway. The mask
 * therefore covers the whole frame, stretched, at the model's resolution.
 */
import { ImageSegmenter, type ImageSegmenterResult } from '@mediapipe/tasks-vision';
import type { Mask } from '../core/types.js';
import { RelightError, describeError } from '../core/errors.js';
import { closeTracked, noteOpened } from '../core/leak-tracker.js';
import type { Segmenter } from './segmenter.js';
import {
  SEGMENTER_MODEL_SIZES,
  createVisionTask,
  fetchModelBytes,
  resolveSegmenterAssets,
  type SegmenterAssetUrls,
  type SegmenterModelVariant,
} from './mediapipe-assets.js';

export interface MediaPipeSegmenterOptions {
  /** Where wasm/ and models/ are served (see SEGMENTER_ASSET_FILES); undefined = bundled URLs. */
  assetBaseUrl?: string | undefined;
  /** 'general' (256x256, default) or 'landscape' (256x144, a little faster, for 16:9 frames). */
  model?: SegmenterModelVariant;
  /** 'CPU' (default: the GPU delegate reads masks back slowly on software GL) or 'GPU'. */
  delegate?: 'CPU' | 'GPU';
}

/** Per-call timings of the last `segment`, in ms (for benches; not part of the Segmenter seam). */
export interface MediaPipeSegmenterTimings {
  resizeMs: number;
  inferenceMs: number;
  copyMs: number;
}

export class MediaPipeSegmenter implements Segmenter {
  private readonly variant: SegmenterModelVariant;
  private readonly delegate: 'CPU' | 'GPU';
  private readonly urls: SegmenterAssetUrls;
  private readonly widthPx: number;
  private readonly heightPx: number;
  private segmenter: ImageSegmenter | null = null;
  private canvas: OffscreenCanvas | null = null;
  private ctx: OffscreenCanvasRenderingContext2D | null = null;
  private initPromise: Promise<void> | null = null;
  private lastTimestampMs = -Infinity;
  private timings: MediaPipeSegmenterTimings = { resizeMs: 0, inferenceMs: 0, copyMs: 0 };
  private disposed = false;

  constructor(options: MediaPipeSegmenterOptions = {}) {
    this.variant = options.model ?? 'general';
    this.delegate = options.delegate ?? 'CPU';
    this.urls = resolveSegmenterAssets(this.variant, options.assetBaseUrl);
    ({ widthPx: this.widthPx, heightPx: this.heightPx } = SEGMENTER_MODEL_SIZES[this.variant]);
  }

  /** Idempotent; concurrent calls share one initialisation; after a failure the next call tries again. */
  init(): Promise<void> {
    this.initPromise ??= this.doInit().catch((e: unknown) => {
      this.initPromise = null;
      throw e;
    });
    return this.initPromise;
  }

  private async doInit(): Promise<void> {
    if (typeof OffscreenCanvas === 'undefined') {
      throw new RelightError('unsupported', '[MediaPipeSegmenter] OffscreenCanvas is not available');
    }
    const modelAssetBuffer = await fetchModelBytes(this.urls.modelUrl);
    let segmenter: ImageSegmenter;
    try {
      segmenter = await createVisionTask(this.urls, (fileset) =>
        ImageSegmenter.createFromOptions(fileset, {
          baseOptions: { modelAssetBuffer, delegate: this.delegate },
          runningMode: 'VIDEO',
          outputConfidenceMasks: true,
          outputCategoryMask: false,
        }),
      );
    } catch (e) {
      if (e instanceof RelightError) throw e;
      throw new RelightError('segmenter-failed', `[MediaPipeSegmenter] ImageSegmenter failed to start: ${describeError(e)}`,
        { cause: e });
    }
    if (this.disposed) {
      segmenter.close();
      throw new RelightError('disposed', '[MediaPipeSegmenter] disposed during init');
    }
    this.segmenter = segmenter;
    this.canvas = new OffscreenCanvas(this.widthPx, this.heightPx);
    this.ctx = this.canvas.getContext('2d', { alpha: false });
    if (!this.ctx) throw new RelightError('unsupported', '[MediaPipeSegmenter] no 2D OffscreenCanvas context');
  }

  async segment(frame: VideoFrame, timestampMs: number): Promise<Mask> {
    if (this.disposed) throw new RelightError('disposed', '[MediaPipeSegmenter] segment() after dispose()');
    if (!this.segmenter) await this.init();
    const segmenter = this.segmenter;
    const canvas = this.canvas;
    const ctx = this.ctx;
    if (!segmenter || !canvas || !ctx) throw new RelightError('segmenter-failed', '[MediaPipeSegmenter] not initialised');

    const t0 = performance.now();
    try {
      ctx.drawImage(frame, 0, 0, this.widthPx, this.heightPx);
    } catch (e) {
      // A closed or detached frame lands here (InvalidStateError).
      throw new RelightError('segmenter-failed', `[MediaPipeSegmenter] cannot read the frame: ${describeError(e)}`, { cause: e });
    }
    const t1 = performance.now();

    // VIDEO mode rejects non-increasing timestamps; the mask still reports the caller's timestamp.
    const graphTimestampMs = timestampMs > this.lastTimestampMs ? timestampMs : this.lastTimestampMs + 1;
    this.lastTimestampMs = graphTimestampMs;

    // Assigned in the callback, which segmentForVideo runs synchronously (hence the casts against narrowing).
    let data = null as Float32Array | null;
    let t2 = t1 as number;
    try {
      segmenter.segmentForVideo(canvas, graphTimestampMs, (result: ImageSegmenterResult) => {
        t2 = performance.now();
        data = takePersonConfidence(result, this.widthPx, this.heightPx);
      });
    } catch (e) {
      if (e instanceof RelightError) throw e;
      throw new RelightError('segmenter-failed', `[MediaPipeSegmenter] inference failed: ${describeError(e)}`, { cause: e });
    }
    const t3 = performance.now();
    if (!data) throw new RelightError('segmenter-failed', '[MediaPipeSegmenter] no confidence mask returned');
    this.timings = { resizeMs: t1 - t0, inferenceMs: t2 - t1, copyMs: t3 - t2 };
    return { widthPx: this.widthPx, heightPx: this.heightPx, data, timestampUs: Math.round(timestampMs * 1000) };
  }

  backend(): string {
    return `mediapipe-${this.delegate.toLowerCase()}${this.variant === 'landscape' ? '-landscape' : ''}`;
  }

  lastTimings(): MediaPipeSegmenterTimings {
    return this.timings;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.segmenter?.close();
    this.segmenter = null;
    this.ctx = null;
    this.canvas = null;
  }
}

/**
 * Copies the person confidence out of a result and closes every mask at once. The masks belong to the C++ task
 * and die when the callback returns anyway; closing them here keeps the leak tracker's MPMask count honest
 * (and frees any clone or GPU->CPU copy tasks-vision made).
 */
function takePersonConfidence(result: ImageSegmenterResult, widthPx: number, heightPx: number): Float32Array {
  const masks = result.confidenceMasks ?? [];
  noteOpened('MPMask', masks.length);
  try {
    // One output channel -> one mask (person). A two-class model would list background first.
    const person = masks[masks.length - 1];
    if (!person) throw new RelightError('segmenter-failed', '[MediaPipeSegmenter] result has no confidence mask');
    if (person.width !== widthPx || person.height !== heightPx) {
      throw new RelightError('segmenter-failed',
        `[MediaPipeSegmenter] mask is ${person.width}x${person.height}, expected ${widthPx}x${heightPx}`);
    }
    return person.getAsFloat32Array().slice();
  } finally {
    for (const m of masks) closeTracked('MPMask', m);
  }
}
