/**
 * AspectAwareSegmenter (src/segmentation/aspect-segmenter.ts) with doubles for the two model variants: the hint
 * picks the first variant, a change of frame shape switches in the background without ever leaving a frame
 * unserved, a variant that fails to start is not retried, and every warm-up clone is closed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AspectAwareSegmenter, LANDSCAPE_MIN_ASPECT, variantForAspect } from '../../src/segmentation/aspect-segmenter.js';
import type { SegmenterModelVariant } from '../../src/segmentation/mediapipe-assets.js';
import type { Segmenter } from '../../src/segmentation/segmenter.js';
import type { Mask } from '../../src/core/types.js';
import { RelightError } from '../../src/core/errors.js';
import { openCounts, resetLeakTracker } from '../../src/core/leak-tracker.js';

/** The VideoFrame fields the segmenter uses (Node has no VideoFrame). */
interface FakeFrame { displayWidth: number; displayHeight: number; closed: boolean; clone(): FakeFrame; close(): void }
function frame(w: number, h: number): FakeFrame {
  return {
    displayWidth: w, displayHeight: h, closed: false,
    clone: () => frame(w, h),
    close() { this.closed = true; },
  };
}
const asFrame = (f: FakeFrame) => f as unknown as VideoFrame;

/** A variant double: its mask size names the variant; init can be held open or made to fail. */
class FakeVariant implements Segmenter {
  calls = 0;
  disposed = false;
  private release: () => void = () => {};
  private readonly gate: Promise<void>;
  constructor(readonly variant: SegmenterModelVariant, opts: { fail?: boolean; hold?: boolean } = {}) {
    this.gate = opts.fail ? Promise.reject(new Error(`${variant} wasm missing`))
      : opts.hold ? new Promise<void>((r) => (this.release = r)) : Promise.resolve();
    this.gate.catch(() => {});
  }
  open(): void { this.release(); }
  init(): Promise<void> { return this.gate; }
  async segment(_f: VideoFrame, timestampMs: number): Promise<Mask> {
    if (this.disposed) throw new RelightError('disposed', 'fake disposed');
    this.calls++;
    const heightPx = this.variant === 'landscape' ? 144 : 256;
    return { widthPx: 256, heightPx, data: new Float32Array(256 * heightPx), timestampUs: timestampMs * 1000 };
  }
  backend(): string { return `fake-${this.variant}`; }
  dispose(): void { this.disposed = true; }
}

function setup(hint: number | undefined, behaviour: Partial<Record<SegmenterModelVariant, { fail?: boolean; hold?: boolean }>> = {}) {
  const made: FakeVariant[] = [];
  const seg = new AspectAwareSegmenter({
    frameAspectHint: hint,
    createVariant: (v) => {
      const f = new FakeVariant(v, behaviour[v]);
      made.push(f);
      return f;
    },
  });
  return { seg, made };
}

/** Lets background promise chains run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('AspectAwareSegmenter', () => {
  beforeEach(() => {
    (globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = true;
    resetLeakTracker();
  });
  afterEach(() => {
    delete (globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__;
  });

  it('maps frame shapes to variants: 16:9 and 16:10 landscape; 4:3, 5:4, portrait and unknown general', () => {
    expect(variantForAspect(16 / 9)).toBe('landscape');
    expect(variantForAspect(16 / 10)).toBe('landscape');
    expect(variantForAspect(LANDSCAPE_MIN_ASPECT)).toBe('landscape');
    expect(variantForAspect(4 / 3)).toBe('general');
    expect(variantForAspect(640 / 512)).toBe('general');
    expect(variantForAspect(9 / 16)).toBe('general');
    expect(variantForAspect(undefined)).toBe('general');
    expect(variantForAspect(NaN)).toBe('general');
  });

  it('starts the variant the hint asks for', async () => {
    for (const [hint, want] of [[1280 / 720, 'landscape'], [640 / 480, 'general'], [undefined, 'general']] as const) {
      const { seg, made } = setup(hint);
      await seg.init();
      expect(seg.variant()).toBe(want);
      expect(made.map((m) => m.variant)).toEqual([want]);
      const m = await seg.segment(asFrame(frame(hint ? Math.round(720 * hint) : 640, hint ? 720 : 480)), 10);
      expect(m.heightPx).toBe(want === 'landscape' ? 144 : 256);
      expect(seg.backend()).toBe(`fake-${want}`);
      seg.dispose();
    }
  });

  it('switches in the background when the frames change shape, serving every frame meanwhile', async () => {
    const { seg, made } = setup(4 / 3, { landscape: { hold: true } });
    await seg.init();
    const first = frame(1280, 720);
    const m1 = await seg.segment(asFrame(first), 100);
    // The landscape model is still starting: the general one served the frame.
    expect(m1.heightPx).toBe(256);
    expect(made.map((m) => m.variant)).toEqual(['general', 'landscape']);
    expect(openCounts().VideoFrame).toBe(1); // the warm-up clone
    expect((await seg.segment(asFrame(frame(1280, 720)), 133)).heightPx).toBe(256);
    expect(made).toHaveLength(2); // one switch at a time
    made[1]!.open();
    await settle();
    expect(seg.variant()).toBe('landscape');
    expect(seg.switches).toBe(1);
    expect(made[1]!.calls).toBe(1); // the warm-up ran on the clone
    expect(made[0]!.disposed).toBe(true);
    expect(openCounts().VideoFrame).toBe(0);
    expect((await seg.segment(asFrame(frame(1280, 720)), 166)).heightPx).toBe(144);
    // And back when the camera goes 4:3 again.
    await seg.segment(asFrame(frame(640, 480)), 200);
    await settle();
    expect(seg.variant()).toBe('general');
    expect(seg.switches).toBe(2);
    seg.dispose();
    expect(made.every((m) => m.disposed)).toBe(true);
  });

  it('stays on the current variant when the other fails to start, and does not retry it', async () => {
    const { seg, made } = setup(4 / 3, { landscape: { fail: true } });
    await seg.init();
    for (let i = 0; i < 4; i++) {
      const m = await seg.segment(asFrame(frame(1280, 720)), 100 + i * 33);
      expect(m.heightPx).toBe(256);
      await settle();
    }
    expect(made.map((m) => m.variant)).toEqual(['general', 'landscape']);
    expect(made[1]!.disposed).toBe(true);
    expect(seg.variant()).toBe('general');
    expect(seg.switches).toBe(0);
    expect(openCounts().VideoFrame).toBe(0);
    seg.dispose();
  });

  it('disposed during a switch: the starting variant is disposed when it is ready, the clone closed', async () => {
    const { seg, made } = setup(4 / 3, { landscape: { hold: true } });
    await seg.init();
    await seg.segment(asFrame(frame(1280, 720)), 100);
    seg.dispose();
    made[1]!.open();
    await settle();
    expect(made.every((m) => m.disposed)).toBe(true);
    expect(openCounts().VideoFrame).toBe(0);
    await expect(seg.segment(asFrame(frame(1280, 720)), 200)).rejects.toMatchObject({ code: 'disposed' });
  });

  it('starts the general model when the hinted landscape one cannot start, and does not switch back to it', async () => {
    const { seg, made } = setup(16 / 9, { landscape: { fail: true } });
    await seg.init();
    expect(seg.variant()).toBe('general');
    for (let i = 0; i < 3; i++) {
      expect((await seg.segment(asFrame(frame(1280, 720)), 100 + i * 33)).heightPx).toBe(256);
      await settle();
    }
    expect(made.map((m) => m.variant)).toEqual(['landscape', 'general']);
    expect(openCounts().VideoFrame ?? 0).toBe(0);
    seg.dispose();
  });

  it('fails with the first error when neither variant starts', async () => {
    const { seg, made } = setup(16 / 9, { landscape: { fail: true }, general: { fail: true } });
    await expect(seg.init()).rejects.toThrow(/landscape wasm missing/);
    expect(made.every((m) => m.disposed)).toBe(true);
  });

  it('a failed first start can be retried, like the seam promises', async () => {
    let attempts = 0;
    const seg = new AspectAwareSegmenter({
      // Both variants fail the first time (the assets were not there yet), then start.
      createVariant: (v) => new FakeVariant(v, { fail: attempts++ < 2 }),
    });
    await expect(seg.init()).rejects.toThrow(/general wasm missing/);
    await seg.init();
    expect(seg.variant()).toBe('general');
    seg.dispose();
  });
});
