/** Key light: direction convention, vMF band factors vs numerical integration, and a rendered lobe projected. */
import { describe, expect, test } from 'vitest';
import { radianceToIrradiance, SH_C0, shEval } from '../../src/core/sh.js';
import { directionFromAngles } from '../../src/lighting/env-map.js';
import { lightDirection, lobeRadianceSh, softnessToKappa, vmfBandFactors } from '../../src/lighting/key-light.js';
import { projectEnvMapToSh } from '../../src/lighting/sh-projection.js';

const vmf = (kappa: number, t: number): number => (kappa / (4 * Math.PI * Math.sinh(kappa))) * Math.exp(kappa * t);

describe('key light', () => {
  test('direction: azimuth 0 = from the camera, +90 = from image right, elevation +90 = from above', () => {
    const close = (a: number[], b: number[]): void => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 12));
    close(lightDirection(0, 0), [0, 0, 1]);
    close(lightDirection(90, 0), [1, 0, 0]);
    close(lightDirection(-90, 0), [-1, 0, 0]);
    close(lightDirection(180, 0), [0, 0, -1]);
    close(lightDirection(0, 90), [0, 1, 0]);
    close(lightDirection(45, 30), [Math.sin(Math.PI / 4) * Math.cos(Math.PI / 6), 0.5, Math.cos(Math.PI / 4) * Math.cos(Math.PI / 6)]);
  });

  test('vMF band factors match numerical integration h_l = 2 pi * integral f(t) P_l(t) dt', () => {
    for (const kappa of [1, 2.5, 8, 64]) {
      const n = 20000;
      let h0 = 0, h1 = 0, h2 = 0;
      for (let i = 0; i < n; i++) {
        const t = -1 + (2 * (i + 0.5)) / n, f = vmf(kappa, t) * 2 * Math.PI * (2 / n);
        h0 += f; h1 += f * t; h2 += f * (3 * t * t - 1) / 2;
      }
      const [a0, a1, a2] = vmfBandFactors(kappa);
      expect(a0).toBeCloseTo(h0, 4);
      expect(a1).toBeCloseTo(h1, 4);
      expect(a2).toBeCloseTo(h2, 4);
    }
  });

  test('softness maps 0..1 onto kappa 64..1, monotonically', () => {
    expect(softnessToKappa(0)).toBeCloseTo(64, 9);
    expect(softnessToKappa(1)).toBeCloseTo(1, 9);
    for (let s = 0; s < 1; s += 0.1) expect(softnessToKappa(s + 0.1)).toBeLessThan(softnessToKappa(s));
  });

  test('a rendered vMF lobe, projected from an equirect map, matches lobeRadianceSh', () => {
    const w = 512, h = 256, softness = 0.5, kappa = softnessToKappa(softness);
    const dir = lightDirection(-35, 20);
    const data = new Float32Array(w * h * 3);
    const d = [0, 0, 0];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      directionFromAngles((Math.PI * (y + 0.5)) / h, (2 * Math.PI * (x + 0.5)) / w - Math.PI, d);
      const v = 5 * vmf(kappa, d[0]! * dir[0] + d[1]! * dir[1] + d[2]! * dir[2]);
      data.set([v, v * 0.5, v * 0.25], (y * w + x) * 3);
    }
    const projected = projectEnvMapToSh({ widthPx: w, heightPx: h, data });
    const analytic = lobeRadianceSh(dir, [1, 0.5, 0.25], 5, softness);
    for (let i = 0; i < 27; i++) expect(Math.abs(projected[i]! - analytic[i]!), `coeff ${i}`).toBeLessThan(2e-3 * 5);
  });

  test('power is conserved across softness; softer lobes have a lower peak and less contrast', () => {
    const dir: [number, number, number] = [0, 0, 1];
    let lastPeak = Infinity, lastContrast = Infinity;
    for (let s = 0; s <= 1.0001; s += 0.125) {
      const sh = lobeRadianceSh(dir, [1, 1, 1], 2, s);
      expect(sh[0]).toBeCloseTo(2 * SH_C0, 6);
      const irr = radianceToIrradiance(sh);
      // Facing the light vs. a normal at 90 degrees (the terminator of a hard light).
      const peak = shEval(irr, 0, 0, 1)[0]!, side = shEval(irr, 1, 0, 0)[0]!;
      expect(peak).toBeLessThan(lastPeak);
      expect(peak / side).toBeLessThan(lastContrast);
      lastPeak = peak; lastContrast = peak / side;
    }
    expect(lastContrast).toBeLessThan(2); // softness 1: broad, wrapped light
    // softness 0 is practically a delta light: peak irradiance ~1.0625 P (the 9-term value).
    expect(shEval(radianceToIrradiance(lobeRadianceSh(dir, [1, 1, 1], 1, 0)), 0, 0, 1)[0]).toBeGreaterThan(1.02);
  });

  test('adds into an existing SH', () => {
    const out = new Float32Array(27).fill(1);
    lobeRadianceSh([0, 1, 0], [1, 1, 1], 1, 0.3, out);
    expect(out[0]).toBeCloseTo(1 + SH_C0, 6);
  });
});
