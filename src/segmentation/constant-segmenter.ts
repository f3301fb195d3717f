/**
 * Test double for the Segmenter seam: returns the same mask for every frame, without wasm or a model.
 * Default mask: a soft-edged head-and-shoulders silhouette centred in the frame (see `headAndShoulders`).
 * It behaves like a real segmenter where tests can notice: it rejects closed frames and use after dispose,
 * returns a fresh array per call, carries the timestamp, and counts calls.
 */
import type { Mask } from '../core/types.js';
import { RelightError } from '../core/errors.js';
import type { Segmenter } from './segmenter.js';

/** Person confidence at normalised frame coords (u right, v down, 0..1). */
export type MaskFunction = (u: number, v: number) => number;

/** Soft ellipse head (centre 0.5, 0.4) on an ellipse of shoulders rising from the bottom edge. */
export const headAndShoulders: MaskFunction = (u, v) => {
  const head = Math.hypot((u - 0.5) / 0.16, (v - 0.4) / 0.22);
  const body = Math.hypot((u - 0.5) / 0.36, (v - 1.05) / 0.38);
  const d = Math.min(head, body);
  // Confidence 1 inside, 0 outside, with a ramp ~2% of the frame wide like a real model's soft edge.
  return Math.min(1, Math.max(0, (1.04 - d) / 0.08));
};

export interface ConstantSegmenterOptions {
  widthPx?: number;
  heightPx?: number;
  mask?: MaskFunction;
  /** Label returned by backend(). */
  label?: string;
}

export class ConstantSegmenter implements Segmenter {
  readonly widthPx: number;
  readonly heightPx: number;
  private readonly data: Float32Array;
  private readonly label: string;
  private initialised = false;
  private disposed = false;
  /** Number of successful segment() calls. */
  calls = 0;

  constructor(options: ConstantSegmenterOptions = {}) {
    this.widthPx = options.widthPx ?? 256;
    this.heightPx = options.heightPx ?? 256;
    this.label = options.label ?? 'constant';
    const f = options.mask ?? headAndShoulders;
    this.data = new Float32Array(this.widthPx * this.heightPx);
    for (let y = 0; y < this.heightPx; y++) {
      for (let x = 0; x < this.widthPx; x++) {
        this.data[y * this.widthPx + x] = f((x + 0.5) / this.widthPx, (y + 0.5) / this.heightPx);
      }
    }
  }

  async init(): Promise<void> {
    if (this.disposed) throw new RelightError('disposed', '[ConstantSegmenter] init() after dispose()');
    this.initialised = true;
  }

  async segment(frame: VideoFrame, timestampMs: number): Promise<Mask> {
    if (this.disposed) throw new RelightError('disposed', '[ConstantSegmenter] segment() after dispose()');
    if (!this.initialised) throw new RelightError('segmenter-failed', '[ConstantSegmenter] segment() before init()');
    // A closed VideoFrame reports zero size; a real segmenter would fail on it too.
    if (!frame || frame.codedWidth === 0 || frame.codedHeight === 0) {
      throw new RelightError('segmenter-failed', '[ConstantSegmenter] frame is closed or empty');
    }
    this.calls++;
    return { widthPx: this.widthPx, heightPx: this.heightPx, data: this.data.slice(), timestampUs: Math.round(timestampMs * 1000) };
  }

  backend(): string {
    return this.label;
  }

  dispose(): void {
    this.disposed = true;
  }
}
