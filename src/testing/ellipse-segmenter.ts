/**
 * Test double for the Segmenter seam: a fixed head-and-shoulders ellipse mask (no model, no wasm). Its geometry
 * matches tests/support/y4m.ts `syntheticPortraitY4m`, so "inside the person" is known exactly in tests.
 */
import type { Mask } from '../core/types.js';
import type { Segmenter } from '../segmentation/segmenter.js';

export const ELLIPSE_MASK_SIZE = 128;

/** Person membership for normalised coords (u, v in 0..1), matching the synthetic clip's head and body. */
export function ellipsePerson(u: number, v: number): boolean {
  const hx = (u - 0.5) / (0.2 * 0.8 * (480 / 640));
  const hy = (v - 0.38) / 0.2;
  const sx = (u - 0.5) / 0.32;
  const sy = (v - 1.0) / 0.42;
  return hx * hx + hy * hy < 1 || sx * sx + sy * sy < 1;
}

export class EllipseSegmenter implements Segmenter {
  private readonly data: Float32Array;

  constructor() {
    const n = ELLIPSE_MASK_SIZE;
    this.data = new Float32Array(n * n);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) this.data[y * n + x] = ellipsePerson((x + 0.5) / n, (y + 0.5) / n) ? 1 : 0;
    }
  }

  async init(): Promise<void> {}

  async segment(_frame: VideoFrame, timestampMs: number): Promise<Mask> {
    return { widthPx: ELLIPSE_MASK_SIZE, heightPx: ELLIPSE_MASK_SIZE, data: this.data.slice(), timestampUs: Math.round(timestampMs * 1000) };
  }

  backend(): string {
    return 'ellipse';
  }

  dispose(): void {}
}
