/** The Node VideoFrame polyfill of scripts/gpu-bench: stride-padded input, rect copies, close. */
import { describe, expect, it } from 'vitest';
import { NodeVideoFrame } from '../../scripts/gpu-bench/video-frame-polyfill.js';

describe('NodeVideoFrame', () => {
  it('drops the row padding of a strided layout and copies a sub-rect as tight RGBA', async () => {
    const W = 3, H = 2, stride = 16;
    const src = new Uint8Array(stride * H).fill(99);
    for (let y = 0; y < H; y++) for (let i = 0; i < W * 4; i++) src[y * stride + i] = y * 100 + i;
    const f = new NodeVideoFrame(src, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: 7, layout: [{ offset: 0, stride }] });
    src.fill(0); // the constructor copied
    expect([f.displayWidth, f.displayHeight, f.timestamp, f.duration]).toEqual([3, 2, 7, null]);
    const all = new Uint8Array(W * H * 4);
    await f.copyTo(all, { format: 'RGBA' });
    expect(Array.from(all.subarray(0, 4))).toEqual([0, 1, 2, 3]);
    expect(Array.from(all.subarray(12, 16))).toEqual([100, 101, 102, 103]);
    expect(all.includes(99)).toBe(false);
    const sub = new Uint8Array(4);
    await f.copyTo(sub, { rect: { x: 2, y: 1, width: 1, height: 1 } });
    expect(Array.from(sub)).toEqual([108, 109, 110, 111]);
    f.close();
    await expect(f.copyTo(sub)).rejects.toThrow(/after close/);
  });

  it('rejects formats other than RGBA and too-small buffers', () => {
    expect(() => new NodeVideoFrame(new Uint8Array(16), { format: 'NV12', codedWidth: 2, codedHeight: 2, timestamp: 0 })).toThrow(/RGBA/);
    expect(() => new NodeVideoFrame(new Uint8Array(8), { codedWidth: 2, codedHeight: 2, timestamp: 0 })).toThrow(/too small/);
  });
});
