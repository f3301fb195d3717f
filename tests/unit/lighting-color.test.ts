/** Colour helpers: exact sRGB curve, blackbody colours on the published locus, white balance and warmth. */
import { describe, expect, test } from 'vitest';
import {
  kelvinToLinearRgb, linearToSrgb, linearToSrgb8, luminance, planckianXy, srgb8ToLinear, srgbToLinear, warmthToRgb,
} from '../../src/core/color.js';

describe('sRGB transfer', () => {
  test('known values and round trip', () => {
    expect(srgbToLinear(0.5)).toBeCloseTo(0.214041, 6);
    expect(linearToSrgb(0.18)).toBeCloseTo(0.461356, 5);
    expect(srgbToLinear(0.04)).toBeCloseTo(0.04 / 12.92, 9); // linear toe
    for (let i = 0; i <= 1000; i++) expect(linearToSrgb(srgbToLinear(i / 1000))).toBeCloseTo(i / 1000, 9);
    expect(srgb8ToLinear(0)).toBe(0);
    expect(srgb8ToLinear(255)).toBeCloseTo(1, 12);
    expect(linearToSrgb8(srgb8ToLinear(128))).toBe(128);
    expect([linearToSrgb(-1), linearToSrgb(7)]).toEqual([0, 1]);
  });
});

describe('colour temperature', () => {
  test('Planckian locus matches published chromaticities', () => {
    // CIE 1931 xy of blackbodies (e.g. Wyszecki & Stiles tables): 2856 K ~ illuminant A.
    const check = (k: number, x: number, y: number): void => {
      const [px, py] = planckianXy(k);
      expect(Math.abs(px - x), `${k} K x`).toBeLessThan(0.002);
      expect(Math.abs(py - y), `${k} K y`).toBeLessThan(0.002);
    };
    check(2856, 0.4476, 0.4074);
    check(4000, 0.3805, 0.3768);
    check(6500, 0.3135, 0.3236);
    check(10000, 0.2807, 0.2884);
  });

  test('6500 K is neutral; all colours have luminance 1', () => {
    kelvinToLinearRgb(6500).forEach((v) => expect(v).toBeCloseTo(1, 9));
    for (let k = 1500; k <= 12000; k += 250) expect(luminance(...kelvinToLinearRgb(k))).toBeCloseTo(1, 9);
  });

  test('warm below 6500 K, cool above, monotonic in between', () => {
    const [r27, g27, b27] = kelvinToLinearRgb(2700);
    expect(r27).toBeGreaterThan(g27);
    expect(g27).toBeGreaterThan(b27);
    expect(b27 / r27).toBeLessThan(0.4); // tungsten is strongly orange against a daylight white balance
    const [r10, , b10] = kelvinToLinearRgb(10000);
    expect(b10).toBeGreaterThan(r10);
    let last = Infinity;
    for (let k = 1500; k <= 12000; k += 100) {
      const [r, , b] = kelvinToLinearRgb(k);
      const ratio = r / Math.max(b, 1e-6);
      expect(ratio, `${k} K`).toBeLessThanOrEqual(last);
      last = ratio;
    }
  });

  test('warmth: 0 neutral, +1 warm (~3400 K), -1 cool, luminance kept', () => {
    expect(warmthToRgb(0)).toEqual([1, 1, 1]);
    const warm = warmthToRgb(1), cool = warmthToRgb(-1);
    expect(warm[0] / warm[2]).toBeGreaterThan(1.8);
    expect(cool[2] / cool[0]).toBeGreaterThan(1.2);
    expect(luminance(...warm)).toBeCloseTo(1, 9);
    expect(luminance(...cool)).toBeCloseTo(1, 9);
    kelvinToLinearRgb(1e6 / (1e6 / 6500 + 140)).forEach((v, i) => expect(warm[i]).toBeCloseTo(v, 9));
  });
});
