/** scripts/dump-priors.mjs: the video frame choice (pairs of consecutive frames spread over the clip). */
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs script without types
import { pairedFrameIndices } from '../../scripts/dump-priors.mjs';

describe('pairedFrameIndices', () => {
  it('picks 10 consecutive pairs spread over a 75-frame clip', () => {
    const f: number[] = pairedFrameIndices(75, 20);
    expect(f).toHaveLength(20);
    expect(f[0]).toBe(0);
    expect(f[f.length - 1]).toBe(74);
    for (let i = 0; i < f.length; i += 2) expect(f[i + 1]).toBe(f[i]! + 1);
    expect(new Set(f).size).toBe(f.length);
  });

  it('stays inside short clips', () => {
    const f: number[] = pairedFrameIndices(5, 20);
    expect(Math.max(...f)).toBeLessThan(5);
    expect(f.length).toBeGreaterThanOrEqual(2);
  });
});
