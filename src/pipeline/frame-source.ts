/**
 * Frame sources: a camera MediaStreamTrack -> ReadableStream<VideoFrame>.
 *
 * - `InsertableStreamsSource`: MediaStreamTrackProcessor (Chromium; window only in Chromium 156).
 * - `VideoElementSource`: fallback for browsers without it: a <video> plays the track and every presented frame
 *   (requestVideoFrameCallback, else requestAnimationFrame) becomes a VideoFrame.
 *
 * Ownership: every VideoFrame read from `readable` belongs to the reader, who must close or forward it.
 */
import { closeTracked, trackOpen } from '../core/leak-tracker.js';

export interface FrameSource {
  readonly kind: 'insertable-streams' | 'video-element';
  readonly readable: ReadableStream<VideoFrame>;
  /** Stops producing frames; does not stop the camera track (the relighter owns that decision). */
  stop(): void;
}

export function hasInsertableStreams(): boolean {
  const g = globalThis as Record<string, unknown>;
  return typeof g.MediaStreamTrackProcessor === 'function' && typeof g.MediaStreamTrackGenerator === 'function';
}

interface MstpCtor {
  new (init: { track: MediaStreamTrack; maxBufferSize?: number }): { readable: ReadableStream<VideoFrame> };
}

export class InsertableStreamsSource implements FrameSource {
  readonly kind = 'insertable-streams' as const;
  readonly readable: ReadableStream<VideoFrame>;
  private readonly inner: ReadableStream<VideoFrame>;
  private stopped = false;

  constructor(track: MediaStreamTrack) {
    const Processor = (globalThis as unknown as { MediaStreamTrackProcessor: MstpCtor }).MediaStreamTrackProcessor;
    // maxBufferSize 1: when we fall behind, the processor drops the OLDEST frame, so the newest frame wins.
    this.inner = new Processor({ track, maxBufferSize: 1 }).readable;
    const reader = this.inner.getReader();
    this.readable = new ReadableStream<VideoFrame>({
      pull: async (controller) => {
        const { value, done } = await reader.read();
        if (done || this.stopped) {
          value?.close();  // never counted: it was not handed out
          controller.close();
          return;
        }
        controller.enqueue(trackOpen('VideoFrame', value));
      },
      cancel: async () => {
        this.stopped = true;
        await reader.cancel().catch(() => {});
      },
    }, { highWaterMark: 0 });
  }

  stop(): void {
    this.stopped = true;
  }
}

/** Fallback: <video> + requestVideoFrameCallback -> VideoFrame. Needs a document (main thread only). */
export class VideoElementSource implements FrameSource {
  readonly kind = 'video-element' as const;
  readonly readable: ReadableStream<VideoFrame>;
  private readonly video: HTMLVideoElement;
  private stopped = false;
  private pending: VideoFrame | null = null;
  private waiter: (() => void) | null = null;
  private callbackId = 0;

  constructor(track: MediaStreamTrack) {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([track]);
    this.video = video;
    void video.play().catch((e) => console.warn('[VideoElementSource] play() failed', e));
    this.schedule();
    this.readable = new ReadableStream<VideoFrame>({
      pull: async (controller) => {
        while (!this.pending && !this.stopped) await new Promise<void>((r) => (this.waiter = r));
        if (this.stopped) {
          controller.close();
          return;
        }
        const frame = this.pending!;
        this.pending = null;
        controller.enqueue(frame);
      },
      cancel: () => this.stop(),
    }, { highWaterMark: 0 });
  }

  private schedule(): void {
    const v = this.video as HTMLVideoElement & { requestVideoFrameCallback?: (cb: (now: number, meta: { mediaTime: number }) => void) => number };
    const onFrame = (_now: number, meta?: { mediaTime: number }) => {
      if (this.stopped) return;
      if (v.videoWidth > 0) {
        const timestampUs = Math.round((meta?.mediaTime ?? performance.now() / 1000) * 1e6);
        // Newest frame wins: an unread pending frame is replaced.
        closeTracked('VideoFrame', this.pending);
        this.pending = null;
        try {
          this.pending = trackOpen('VideoFrame', new VideoFrame(v, { timestamp: timestampUs }));
        } catch (e) {
          console.warn('[VideoElementSource] could not grab a frame', e);
        }
        this.waiter?.();
        this.waiter = null;
      }
      this.schedule();
    };
    if (v.requestVideoFrameCallback) this.callbackId = v.requestVideoFrameCallback(onFrame);
    else this.callbackId = requestAnimationFrame((t) => onFrame(t));
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const v = this.video as HTMLVideoElement & { cancelVideoFrameCallback?: (id: number) => void };
    if (v.cancelVideoFrameCallback) v.cancelVideoFrameCallback(this.callbackId);
    else cancelAnimationFrame(this.callbackId);
    closeTracked('VideoFrame', this.pending);
    this.pending = null;
    this.waiter?.();
    this.video.pause();
    this.video.srcObject = null;
  }
}
