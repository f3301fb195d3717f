/**
 * resolveLighting / lightingFromEnvMap: normalisation (front mean irradiance pi for every preset and file),
 * what each setting does to the target irradiance, fallbacks, and agreement between the precomputed table and
 * decoding the same EXR at run time.
 */
import { describe, expect, test, vi } from 'vitest';
import { luminance } from '../../src/core/color.js';
import { DEFAULT_SETTINGS, resolveSettings } from '../../src/core/settings.js';
import type { RelightSettings } from '../../src/core/settings.js';
import { shEval } from '../../src/core/sh.js';
import { loadPmndrsEnvMap } from '../../src/lighting/env-sh-generator.js';
import { PRESETS } from '../../src/lighting/presets.js';
import {
  frontMeanIrradiance, lightingFromEnvMap, meanIrradiance, presetEnvironmentSh, resolveLighting,
} from '../../src/lighting/resolve.js';
import { rotateShYawPitch } from '../../src/lighting/sh-rotation.js';

const settings = (patch: Record<string, unknown> = {}): RelightSettings => resolveSettings(patch);
const irr = (s: RelightSettings): Float32Array => resolveLighting(s).irradianceSh;

function lumAt(sh: ArrayLike<number>, n: readonly number[]): number {
  const e = shEval(sh, n[0]!, n[1]!, n[2]!);
  return luminance(e[0]!, e[1]!, e[2]!);
}

/** Brute-force mean over z > 0 normals, to check the closed form used for normalising. */
function bruteFrontMean(sh: ArrayLike<number>): number {
  let sum = 0, n = 0;
  for (let i = 0; i < 4000; i++) {
    const z = (i + 0.5) / 4000, a = i * Math.PI * (3 - Math.sqrt(5)), r = Math.sqrt(1 - z * z);
    sum += lumAt(sh, [r * Math.cos(a), r * Math.sin(a), z]);
    n++;
  }
  return sum / n;
}

/** Band-1 direction (azimuth, degrees, settings convention) of irradiance SH. */
function azimuthOf(sh: ArrayLike<number>): number {
  const x = luminance(sh[9]!, sh[10]!, sh[11]!), z = luminance(sh[6]!, sh[7]!, sh[8]!);
  return (Math.atan2(x, z) * 180) / Math.PI;
}

describe('normalisation', () => {
  test('every preset: mean irradiance over camera-facing normals is pi (closed form = brute force)', () => {
    for (const p of PRESETS) {
      const sh = irr(settings({ preset: p.id }));
      expect(frontMeanIrradiance(sh), p.id).toBeCloseTo(Math.PI, 4);
      expect(bruteFrontMean(sh) / Math.PI, p.id).toBeCloseTo(1, 3);
    }
  });

  test('presets are of comparable brightness at the frontal normal (within 0.4..2 x pi)', () => {
    for (const p of PRESETS) {
      const front = lumAt(irr(settings({ preset: p.id })), [0, 0, 1]);
      expect(front / Math.PI, p.id).toBeGreaterThan(0.4);
      expect(front / Math.PI, p.id).toBeLessThan(2);
    }
  });

  test('intensity scales everything linearly; warmth and the key light do not change the front mean', () => {
    const base = irr(settings());
    const double = irr(settings({ intensity: 2 }));
    for (let i = 0; i < 27; i++) expect(double[i]).toBeCloseTo(2 * base[i]!, 5);
    expect(frontMeanIrradiance(irr(settings({ warmth: 1 })))).toBeCloseTo(Math.PI, 4);
    expect(frontMeanIrradiance(irr(settings({ keyLight: { enabled: true, intensity: 4 } })))).toBeCloseTo(Math.PI, 4);
  });

  test('lightingFromEnvMap: a constant map gives irradiance pi on every normal', () => {
    const data = new Float32Array(64 * 32 * 3).fill(7);
    const { irradianceSh } = lightingFromEnvMap({ widthPx: 64, heightPx: 32, data });
    for (const n of [[0, 0, 1], [0, 0, -1], [0, 1, 0], [1, 0, 0]]) expect(lumAt(irradianceSh, n)).toBeCloseTo(Math.PI, 4);
  });

  test('decoding an EXR at run time gives the same lighting as the precomputed table', async () => {
    const fromFile = lightingFromEnvMap(await loadPmndrsEnvMap('studio')).irradianceSh;
    const fromTable = presetEnvironmentSh({ ...PRESETS[0]!, envName: 'studio', yawDeg: 0, pitchDeg: 0 });
    const s = Math.PI / frontMeanIrradiance(fromTable);
    for (let i = 0; i < 27; i++) expect(fromFile[i]).toBeCloseTo(fromTable[i]! * s, 4);
  }, 60_000);
});

describe('settings -> lighting', () => {
  test('warmth +1 is warmer and -1 cooler at the frontal normal', () => {
    const rb = (w: number): number => {
      const e = shEval(irr(settings({ warmth: w })), 0, 0, 1);
      return e[0]! / e[2]!;
    };
    expect(rb(1)).toBeGreaterThan(1.5 * rb(0));
    expect(rb(-1)).toBeLessThan(0.85 * rb(0));
  });

  test('yaw turns the preset rig: the dominant light azimuth moves by the yaw', () => {
    const before = azimuthOf(irr(settings({ preset: 'soft-window' })));
    const after = azimuthOf(irr(settings({ preset: 'soft-window', yawDeg: 60 })));
    let delta = after - before;
    delta = ((delta + 540) % 360) - 180;
    expect(delta).toBeCloseTo(60, 0);
  });

  test('pitch turns the rig about x: pitch -90 brings the sky of a top-lit preset to the front', () => {
    const ref = irr(settings({ preset: 'overcast-outdoor' }));
    expect(lumAt(ref, [0, 1, 0])).toBeGreaterThan(1.5 * lumAt(ref, [0, 0, 1]));
    // Pitch +p turns +z toward +y, so -90 turns +y (the sky) to +z (facing the camera).
    const sh = irr(settings({ preset: 'overcast-outdoor', pitchDeg: -90 }));
    expect(lumAt(sh, [0, 0, 1])).toBeGreaterThan(1.5 * lumAt(sh, [0, 1, 0]));
    expect(lumAt(sh, [0, 0, 1])).toBeGreaterThan(1.5 * lumAt(sh, [0, 0, -1]));
  });

  test('the user key light brightens the side it comes from; intensity 0 is the same as disabled', () => {
    const off = irr(settings({ preset: 'neutral' }));
    const right = irr(settings({ preset: 'neutral', keyLight: { enabled: true, azimuthDeg: 90, elevationDeg: 0, intensity: 2, softness: 0.2 } }));
    const ratio = (sh: ArrayLike<number>): number => lumAt(sh, [1, 0, 0]) / lumAt(sh, [-1, 0, 0]);
    expect(ratio(right)).toBeGreaterThan(1.8 * ratio(off)); // neutral has much fill: 0.95 -> 1.95 measured
    const zero = irr(settings({ preset: 'neutral', keyLight: { enabled: true, intensity: 0 } }));
    for (let i = 0; i < 27; i++) expect(zero[i]).toBeCloseTo(off[i]!, 6);
    // A warm key tints the lit side.
    const warm = irr(settings({ preset: 'neutral', keyLight: { enabled: true, azimuthDeg: 90, intensity: 3, colorTempK: 2500 } }));
    const e = shEval(warm, 1, 0, 0);
    expect(e[0]! / e[2]!).toBeGreaterThan(1.5);
  });

  test('fill lowers the contrast', () => {
    const contrast = (fill: number): number => {
      const sh = irr(settings({ preset: 'dramatic-side', fill }));
      return lumAt(sh, [-1, 0, 0]) / lumAt(sh, [1, 0, 0]);
    };
    expect(contrast(0)).toBeGreaterThan(contrast(0.5));
    expect(contrast(0.5)).toBeGreaterThan(contrast(1));
  });

  test('background, backgroundDim and strength pass through', () => {
    const t = resolveLighting(settings({ background: 'dim', backgroundDim: 0.3, strength: 0.5 }));
    expect([t.background, t.backgroundDim, t.strength]).toEqual(['dim', 0.3, 0.5]);
    expect(t.irradianceSh).toBeInstanceOf(Float32Array);
    expect(t.irradianceSh).toHaveLength(27);
  });

  test('custom lighting is used for preset "custom"; without it, or for an unknown id, the default preset', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const data = new Float32Array(64 * 32 * 3);
    for (let i = 0; i < data.length; i += 3) data.set(i < data.length / 2 ? [1, 0.2, 0.1] : [0.05, 0.05, 0.05], i); // red sky
    const custom = lightingFromEnvMap({ widthPx: 64, heightPx: 32, data });
    const withCustom = irr({ ...settings(), preset: 'custom' } as RelightSettings);
    const t = resolveLighting(settings({ preset: 'custom' }), custom).irradianceSh;
    const up = shEval(t, 0, 1, 0);
    expect(up[0]! / up[2]!).toBeGreaterThan(3);
    expect(frontMeanIrradiance(t)).toBeCloseTo(Math.PI, 4);
    const def = irr(settings());
    for (let i = 0; i < 27; i++) expect(withCustom[i]).toBeCloseTo(def[i]!, 6);
    const unknown = irr(settings({ preset: 'no-such-preset' }));
    for (let i = 0; i < 27; i++) expect(unknown[i]).toBeCloseTo(def[i]!, 6);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^\[resolveLighting\] unknown preset "no-such-preset"/));
    warn.mockRestore();
  });

  test('the result never aliases the table or the custom input', () => {
    const custom = lightingFromEnvMap({ widthPx: 16, heightPx: 8, data: new Float32Array(16 * 8 * 3).fill(1) });
    const copy = Float32Array.from(custom.irradianceSh);
    const t = resolveLighting(settings({ preset: 'custom', intensity: 3 }), custom);
    t.irradianceSh.fill(0);
    expect(Array.from(custom.irradianceSh)).toEqual(Array.from(copy));
    expect(meanIrradiance(irr(settings()))).toBeGreaterThan(0);
  });

  test('rotation commutes with the pipeline: a preset turned by yaw equals its irradiance SH rotated', () => {
    // No user key light or warmth: fill is uniform and normalisation is a scalar, so only the rig rotates.
    const base = irr(settings({ preset: 'golden-hour' }));
    const turned = irr(settings({ preset: 'golden-hour', yawDeg: 30 }));
    const expected = rotateShYawPitch(base, 30, 0);
    const s = Math.PI / frontMeanIrradiance(expected);
    for (let i = 0; i < 27; i++) expect(turned[i]).toBeCloseTo(expected[i]! * s, 4);
  });

  test('cheap enough to run per settings change: < 1 ms per call', () => {
    const s = settings({ preset: 'rim-light', keyLight: { enabled: true } });
    for (let i = 0; i < 200; i++) resolveLighting(s);
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) resolveLighting(s);
    const perCallMs = (performance.now() - t0) / 2000;
    console.log(`[lighting-resolve] resolveLighting ${(perCallMs * 1000).toFixed(1)} us per call`);
    expect(perCallMs).toBeLessThan(1);
  });

  test('DEFAULT_SETTINGS resolve without warnings', () => {
    const warn = vi.spyOn(console, 'warn');
    resolveLighting(DEFAULT_SETTINGS);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});
