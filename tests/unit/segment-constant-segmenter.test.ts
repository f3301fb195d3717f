import { describe, expect, it } from 'vitest';
import { ConstantSegmenter, headAndShoulders } from '../../src/segmentation/constant-segmenter.js';
import { RelightError } from '../../src/core/errors.js';

/** Just the VideoFrame fields the double looks at (Node has no VideoFrame). */
const frame = (w: number, h: number) => ({ codedWidth: w, codedHeight: h }) as unknown as VideoFrame;

describe('ConstantSegmenter', () => {
  it('returns a head-and-shoulders mask at its own resolution, whatever the frame size', async () => {
    const seg = new ConstantSegmenter();
    await seg.init();
    for (const [w, h] of [[640, 480], [1280, 720], [320, 240]] as const) {
      const m = await seg.segment(frame(w, h), 1000);
      expect(m.widthPx).toBe(256);
      expect(m.heightPx).toBe(256);
      expect(m.timestampUs).toBe(1_000_000);
    }
    const m = await seg.segment(frame(640, 480), 5);
    const at = (u: number, v: number) => m.data[Math.floor(v * 256) * 256 + Math.floor(u * 256)]!;
    expect(at(0.5, 0.4)).toBe(1); // face
    expect(at(0.5, 0.95)).toBe(1); // chest
    expect(at(0.05, 0.05)).toBe(0); // corners
    expect(at(0.95, 0.05)).toBe(0);
    expect(headAndShoulders(0.5 + 0.16, 0.4)).toBeCloseTo(0.5, 5); // soft edge on the head ellipse
    expect(seg.calls).toBe(4);
    expect(seg.backend()).toBe('constant');
  });

  it('hands out a fresh array per call', async () => {
    const seg = new ConstantSegmenter({ widthPx: 8, heightPx: 4, mask: () => 0.25 });
    await seg.init();
    const a = await seg.segment(frame(2, 2), 0);
    a.data.fill(9);
    const b = await seg.segment(frame(2, 2), 1);
    expect(Array.from(b.data)).toEqual(new Array(32).fill(0.25));
  });

  it('fails like a real segmenter: before init, on a closed frame, after dispose', async () => {
    const seg = new ConstantSegmenter();
    await expect(seg.segment(frame(4, 4), 0)).rejects.toMatchObject({ code: 'segmenter-failed' });
    await seg.init();
    await expect(seg.segment(frame(0, 0), 0)).rejects.toBeInstanceOf(RelightError);
    seg.dispose();
    seg.dispose();
    await expect(seg.segment(frame(4, 4), 0)).rejects.toMatchObject({ code: 'disposed' });
  });
});
