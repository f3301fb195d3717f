/**
 * Module worker half of the segmentation tests. Two protocols:
 * - { kind: 'cases' }: runs the whole harness here (frames made in this realm);
 * - { kind: 'init' | 'frame' | 'finish' }: a remote segmenter for frames transferred from the page (camera).
 */
import { runSegmentCases, type SegmentCase, type SegmentRunOptions } from './segment-harness.js';
import { MediaPipeSegmenter, type MediaPipeSegmenterOptions } from '../../../src/segmentation/mediapipe-segmenter.js';
import { closeTracked, noteOpened, openCounts, totalOpen } from '../../../src/core/leak-tracker.js';

(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = true;

type Message =
  | { kind: 'cases'; cases: SegmentCase[]; options: SegmentRunOptions }
  | { kind: 'init'; options: MediaPipeSegmenterOptions }
  | { kind: 'frame'; frame: VideoFrame; timestampMs: number }
  | { kind: 'finish' };

let segmenter: MediaPipeSegmenter | null = null;

async function handle(msg: Message): Promise<{ value: unknown; transfer: Transferable[] }> {
  switch (msg.kind) {
    case 'cases':
      return { value: await runSegmentCases('worker', msg.cases, msg.options), transfer: [] };
    case 'init': {
      segmenter = new MediaPipeSegmenter(msg.options);
      const t0 = performance.now();
      await segmenter.init();
      return { value: { initMs: performance.now() - t0, backend: segmenter.backend() }, transfer: [] };
    }
    case 'frame': {
      // The frame arrived by transfer: this realm owns it now.
      noteOpened('VideoFrame');
      try {
        const t0 = performance.now();
        const mask = await segmenter!.segment(msg.frame, msg.timestampMs);
        const value = { mask, ms: performance.now() - t0, resizeMs: segmenter!.lastTimings().resizeMs };
        return { value, transfer: [mask.data.buffer] };
      } finally {
        closeTracked('VideoFrame', msg.frame);
      }
    }
    case 'finish':
      segmenter?.dispose();
      segmenter = null;
      return { value: { openHandles: openCounts(), totalOpen: totalOpen() }, transfer: [] };
  }
}

self.addEventListener('message', (ev: MessageEvent<Message>) => {
  handle(ev.data).then(
    ({ value, transfer }) => self.postMessage({ ok: true, value }, { transfer }),
    (err: unknown) => self.postMessage({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }, {}),
  );
});
