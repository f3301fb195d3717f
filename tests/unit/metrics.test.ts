import { describe, expect, it } from 'vitest';
import { ciede2000, meanDeltaE2000, palApply, palFit, palPsnr, psnr, srgbToLab, ssim } from '../../src/core/metrics.js';

/** Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula", Table 1: all 34 test pairs. */
const SHARMA: Array<[number, number, number, number, number, number, number]> = [
  [50.0, 2.6772, -79.7751, 50.0, 0.0, -82.7485, 2.0425],
  [50.0, 3.1571, -77.2803, 50.0, 0.0, -82.7485, 2.8615],
  [50.0, 2.8361, -74.02, 50.0, 0.0, -82.7485, 3.4412],
  [50.0, -1.3802, -84.2814, 50.0, 0.0, -82.7485, 1.0],
  [50.0, -1.1848, -84.8006, 50.0, 0.0, -82.7485, 1.0],
  [50.0, -0.9009, -85.5211, 50.0, 0.0, -82.7485, 1.0],
  [50.0, 0.0, 0.0, 50.0, -1.0, 2.0, 2.3669],
  [50.0, -1.0, 2.0, 50.0, 0.0, 0.0, 2.3669],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0009, 7.1792],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.001, 7.1792],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0011, 7.2195],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0012, 7.2195],
  [50.0, -0.001, 2.49, 50.0, 0.0009, -2.49, 4.8045],
  [50.0, -0.001, 2.49, 50.0, 0.001, -2.49, 4.8045],
  [50.0, -0.001, 2.49, 50.0, 0.0011, -2.49, 4.7461],
  [50.0, 2.5, 0.0, 50.0, 0.0, -2.5, 4.3065],
  [50.0, 2.5, 0.0, 73.0, 25.0, -18.0, 27.1492],
  [50.0, 2.5, 0.0, 61.0, -5.0, 29.0, 22.8977],
  [50.0, 2.5, 0.0, 56.0, -27.0, -3.0, 31.903],
  [50.0, 2.5, 0.0, 58.0, 24.0, 15.0, 19.4535],
  [50.0, 2.5, 0.0, 50.0, 3.1736, 0.5854, 1.0],
  [50.0, 2.5, 0.0, 50.0, 3.2972, 0.0, 1.0],
  [50.0, 2.5, 0.0, 50.0, 1.8634, 0.5757, 1.0],
  [50.0, 2.5, 0.0, 50.0, 3.2592, 0.335, 1.0],
  [60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644],
  [63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.263],
  [61.2901, 3.7196, -5.3901, 61.4292, 2.248, -4.962, 1.8731],
  [35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645],
  [22.7233, 20.0904, -46.694, 23.0331, 14.973, -42.5619, 2.0373],
  [36.4612, 47.858, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146],
  [90.8027, -2.0831, 1.441, 91.1528, -1.6435, 0.0447, 1.4441],
  [90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381],
  [6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377],
  [2.0776, 0.0795, -1.135, 0.9033, -0.0636, -0.5514, 0.9082],
];

/** Deterministic pseudo-random numbers (tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

describe('CIEDE2000', () => {
  it('matches all 34 reference pairs of Sharma et al. 2005 to 1e-4', () => {
    for (const [L1, a1, b1, L2, a2, b2, expected] of SHARMA) {
      expect(ciede2000([L1, a1, b1], [L2, a2, b2])).toBeCloseTo(expected, 4);
      expect(ciede2000([L2, a2, b2], [L1, a1, b1])).toBeCloseTo(expected, 4);
    }
  });

  it('converts sRGB to Lab like scikit-image rgb2lab (D65)', () => {
    // Reference: skimage.color.rgb2lab([[[0.8, 0.3, 0.2], [0.1, 0.5, 0.9]]]).
    const a = srgbToLab(0.8, 0.3, 0.2), b = srgbToLab(0.1, 0.5, 0.9);
    // skimage uses a 6-digit sRGB->XYZ matrix, ours the 7-digit one: they agree to a few 1e-3.
    [49.87995, 49.20671, 41.08852].forEach((v, i) => expect(Math.abs(a[i]! - v)).toBeLessThan(5e-3));
    [53.17117, 10.11184, -59.22771].forEach((v, i) => expect(Math.abs(b[i]! - v)).toBeLessThan(5e-3));
    expect(srgbToLab(1, 1, 1)[0]).toBeCloseTo(100, 4);
    expect(Math.abs(srgbToLab(1, 1, 1)[1])).toBeLessThan(1e-3);
  });

  it('is zero for identical images and grows with a colour shift', () => {
    const img = new Float32Array([0.2, 0.4, 0.6, 1, 0.9, 0.1, 0.3, 1]);
    expect(meanDeltaE2000(img, img, 4)).toBe(0);
    const shifted = img.map((v, i) => (i % 4 === 0 ? Math.min(1, v + 0.05) : v));
    const small = meanDeltaE2000(img, shifted, 4);
    const big = meanDeltaE2000(img, img.map((v, i) => (i % 4 === 0 ? Math.min(1, v + 0.2) : v)), 4);
    expect(small).toBeGreaterThan(0.5);
    expect(big).toBeGreaterThan(small * 2);
  });
});

describe('PAL', () => {
  it('recovers a known affine colour map exactly', () => {
    const rnd = lcg(7);
    const n = 500;
    const P = new Float32Array(n * 3);
    for (let i = 0; i < P.length; i++) P[i] = rnd();
    const A = [0.9, 0.1, -0.05, 0.02, 1.1, 0.03, -0.04, 0.2, 0.7];
    const b = [0.05, -0.02, 0.1];
    const T = new Float64Array(n * 3);
    for (let p = 0; p < n; p++) for (let i = 0; i < 3; i++) {
      T[p * 3 + i] = b[i]! + A[i * 3]! * P[p * 3]! + A[i * 3 + 1]! * P[p * 3 + 1]! + A[i * 3 + 2]! * P[p * 3 + 2]!;
    }
    const fit = palFit(P, T, 3, null, 0);
    for (let i = 0; i < 9; i++) expect(fit.A[i]).toBeCloseTo(A[i]!, 6);
    for (let i = 0; i < 3; i++) expect(fit.b[i]).toBeCloseTo(b[i]!, 6);
    expect(palPsnr(P, T, 3, null, 0)).toBeGreaterThan(100);
  });

  it('fits only over the region, and leaves outside pixels out of the score', () => {
    const P = new Float64Array([0.1, 0.2, 0.3, 0.4, 0.9]);
    const T = new Float64Array([0.3, 0.5, 0.7, 0.9, 0.0]); // T = 2P + 0.1 except the last pixel
    const region = new Uint8Array([1, 1, 1, 1, 0]);
    const fit = palFit(P, T, 1, region, 0);
    expect(fit.A[0]).toBeCloseTo(2, 9);
    expect(fit.b[0]).toBeCloseTo(0.1, 9);
    expect(palApply(fit, P)[4]).toBeCloseTo(1.9, 6);
    expect(palPsnr(P, T, 1, region, 0)).toBeGreaterThan(100);
    expect(palPsnr(P, T, 1, null, 0)).toBeLessThan(20);
  });

  it('PSNR has the textbook value for a uniform error', () => {
    const a = new Float32Array(100).fill(0.5);
    const b = new Float32Array(100).fill(0.6);
    expect(psnr(a, b, 1)).toBeCloseTo(20, 4); // 10 log10(1 / 0.01)
  });
});

describe('SSIM', () => {
  const W = 48, H = 40;
  const a = new Float64Array(W * H), b = new Float64Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = 0.5 + 0.4 * Math.sin(x * 0.3) * Math.cos(y * 0.2);
    a[y * W + x] = v;
    b[y * W + x] = Math.min(1, Math.max(0, v * 0.8 + 0.1 + 0.05 * Math.sin(x * 1.7 + y * 0.9)));
  }

  it('matches scikit-image structural_similarity (gaussian_weights, sigma 1.5, population covariance)', () => {
    // python: structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
    // data_range=1.0) on the same pattern = 0.8932183820347038.
    expect(ssim(a, b, W, H)).toBeCloseTo(0.8932183820347038, 6);
  });

  it('is 1 for identical images and falls with noise', () => {
    expect(ssim(a, a, W, H)).toBeCloseTo(1, 12);
    const rnd = lcg(3);
    const noisy1 = a.map((v) => v + (rnd() - 0.5) * 0.05);
    const noisy2 = a.map((v) => v + (rnd() - 0.5) * 0.3);
    const s1 = ssim(a, noisy1, W, H), s2 = ssim(a, noisy2, W, H);
    expect(s1).toBeLessThan(1);
    expect(s2).toBeLessThan(s1);
  });
});
