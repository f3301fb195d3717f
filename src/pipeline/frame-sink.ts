/**
 * Frame sinks: VideoFrames -> an output MediaStreamTrack.
 *
 * - `GeneratorSink`: MediaStreamTrackGenerator (Chromium; window only in Chromium 156).
 * - `CanvasSink`: fallback: draws each frame on a canvas whose captureStream(0) track is the output.
 *
 * Ownership: `write` CONSUMES the frame (it is closed once delivered, also on error).
 */
import { closeTracked, noteClosed } from '../core/leak-tracker.js';

export interface FrameSink {
  readonly kind: 'insertable-streams' | 'canvas';
  readonly track: MediaStreamTrack;
  write(frame: VideoFrame): Promise<void>;
  close(): void;
}

interface MstgCtor {
  new (init: { kind: 'video' }): MediaStreamTrack & { writable: WritableStream<VideoFrame> };
}

export class GeneratorSink implements FrameSink {
  readonly kind = 'insertable-streams' as const;
  readonly track: MediaStreamTrack;
  private readonly writer: WritableStreamDefaultWriter<VideoFrame>;
  private closed = false;

  constructor() {
    const Generator = (globalThis as unknown as { MediaStreamTrackGenerator: MstgCtor }).MediaStreamTrackGenerator;
    const generator = new Generator({ kind: 'video' });
    this.track = generator;
    this.writer = generator.writable.getWriter();
  }

  async write(frame: VideoFrame): Promise<void> {
    if (this.closed) {
      closeTracked('VideoFrame', frame);
      return;
    }
    try {
      // The generator takes the frame and closes it once it has been delivered to the track's sinks.
      await this.writer.write(frame);
      noteClosed('VideoFrame');
    } catch (e) {
      closeTracked('VideoFrame', frame);
      if (!this.closed) throw e;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.writer.close().catch(() => {});
  }
}

export class CanvasSink implements FrameSink {
  readonly kind = 'canvas' as const;
  readonly track: MediaStreamTrack;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private closed = false;

  constructor(widthPx: number, heightPx: number, frameRate: number) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = widthPx;
    this.canvas.height = heightPx;
    const ctx = this.canvas.getContext('2d', { alpha: false, desynchronized: true });
    if (!ctx) throw new Error('[CanvasSink] no 2d context');
    this.ctx = ctx;
    // captureStream(0): a frame is emitted only when we call requestFrame(), i.e. exactly once per written frame.
    const stream = this.canvas.captureStream(0);
    this.track = stream.getVideoTracks()[0]!;
    void frameRate;
  }

  async write(frame: VideoFrame): Promise<void> {
    try {
      if (this.closed) return;
      if (this.canvas.width !== frame.displayWidth || this.canvas.height !== frame.displayHeight) {
        this.canvas.width = frame.displayWidth;
        this.canvas.height = frame.displayHeight;
      }
      this.ctx.drawImage(frame, 0, 0);
      (this.track as MediaStreamTrack & { requestFrame?: () => void }).requestFrame?.();
    } finally {
      closeTracked('VideoFrame', frame);
    }
  }

  close(): void {
    this.closed = true;
  }
}
