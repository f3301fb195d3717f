/**
 * SH rotation: exactness (rotated function evaluated at R d equals the original at d), per-band energy
 * invariance, identities (yaw 360, inverse rotations), the yaw/pitch sign conventions of the settings, and
 * agreement with rotating the panorama's pixels (a column shift is an exact yaw).
 */
import { describe, expect, test } from 'vitest';
import { shEval } from '../../src/core/sh.js';
import type { EnvMap } from '../../src/lighting/env-map.js';
import { lightDirection, lobeRadianceSh } from '../../src/lighting/key-light.js';
import { projectEnvMapToSh } from '../../src/lighting/sh-projection.js';
import type { Mat3 } from '../../src/lighting/sh-rotation.js';
import { applyMat3, rotateSh, rotateShYawPitch, yawPitchRotation } from '../../src/lighting/sh-rotation.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function randomSh(r: () => number): Float32Array {
  return Float32Array.from({ length: 27 }, () => r() * 2 - 1);
}

function randomUnit(r: () => number): [number, number, number] {
  const z = r() * 2 - 1, a = r() * 2 * Math.PI, s = Math.sqrt(1 - z * z);
  return [s * Math.cos(a), s * Math.sin(a), z];
}

/** A random rotation from three random yaw/pitch steps (covers all of SO(3) well enough for a test). */
function randomRotation(r: () => number): Mat3 {
  const mul = (a: Mat3, b: Mat3): Mat3 => Array.from({ length: 9 }, (_, i) => {
    const row = Math.floor(i / 3), col = i % 3;
    return a[row * 3]! * b[col]! + a[row * 3 + 1]! * b[3 + col]! + a[row * 3 + 2]! * b[6 + col]!;
  }) as unknown as Mat3;
  const step = (): Mat3 => yawPitchRotation(r() * 360 - 180, r() * 180 - 90);
  return mul(step(), mul(step(), step()));
}

function bandEnergy(sh: ArrayLike<number>, c: number): [number, number, number] {
  const e: [number, number, number] = [0, 0, 0];
  [0, 1, 1, 1, 2, 2, 2, 2, 2].forEach((band, k) => { e[band]! += sh[k * 3 + c]! ** 2; });
  return e;
}

describe('rotateSh', () => {
  test('exact: the rotated function at R d equals the original at d (random SH, rotations, directions)', () => {
    const r = rng(42);
    for (let trial = 0; trial < 50; trial++) {
      const sh = randomSh(r), m = randomRotation(r), rot = rotateSh(sh, m);
      for (let j = 0; j < 10; j++) {
        const d = randomUnit(r), rd = applyMat3(m, ...d);
        const a = shEval(sh, ...d), b = shEval(rot, ...rd);
        for (let c = 0; c < 3; c++) expect(Math.abs(a[c]! - b[c]!)).toBeLessThan(1e-5);
      }
    }
  });

  test('per-band energy is preserved', () => {
    const r = rng(7);
    for (let trial = 0; trial < 50; trial++) {
      const sh = randomSh(r), rot = rotateSh(sh, randomRotation(r));
      for (let c = 0; c < 3; c++) {
        const a = bandEnergy(sh, c), b = bandEnergy(rot, c);
        for (let band = 0; band < 3; band++) expect(Math.abs(a[band]! - b[band]!)).toBeLessThan(1e-5 * (1 + a[band]!));
      }
    }
  });

  test('yaw 360 is the identity; yaw then -yaw, pitch then -pitch undo each other', () => {
    const r = rng(3);
    const sh = randomSh(r);
    const close = (a: ArrayLike<number>, b: ArrayLike<number>): void => {
      for (let i = 0; i < 27; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
    };
    close(rotateShYawPitch(sh, 360, 0), sh);
    close(rotateShYawPitch(sh, -180, 0), rotateShYawPitch(sh, 180, 0));
    close(rotateShYawPitch(rotateShYawPitch(sh, 73, 0), -73, 0), sh);
    close(rotateShYawPitch(rotateShYawPitch(sh, 0, 41), 0, -41), sh);
    close(rotateShYawPitch(sh, 0, 0), sh);
  });

  test('sign conventions: yaw +90 moves a frontal light to image right (+x), pitch +30 raises it by 30 degrees', () => {
    const front = lobeRadianceSh([0, 0, 1], [1, 1, 1], 1, 0);
    const peak = (sh: ArrayLike<number>): number[] => {
      const v = [sh[9]!, sh[3]!, sh[6]!]; // band-1 = the lobe's axis for a zonal lobe
      const n = Math.hypot(v[0]!, v[1]!, v[2]!);
      return v.map((x) => x / n);
    };
    const yawed = peak(rotateShYawPitch(front, 90, 0));
    lightDirection(90, 0).forEach((v, i) => expect(yawed[i]).toBeCloseTo(v, 5));
    const pitched = peak(rotateShYawPitch(front, 0, 30));
    lightDirection(0, 30).forEach((v, i) => expect(pitched[i]).toBeCloseTo(v, 5));
    // Yaw first, then pitch: a frontal light ends at azimuth 40 and is then tilted up by 20 degrees about x.
    const m = yawPitchRotation(40, 20);
    const both = peak(rotateSh(front, m));
    applyMat3(m, 0, 0, 1).forEach((v, i) => expect(both[i]).toBeCloseTo(v, 5));
    expect(applyMat3(m, 0, 0, 1)[0]).toBeCloseTo(Math.sin((40 * Math.PI) / 180), 6); // pitch about x keeps x
  });

  test('yaw equals turning the panorama: a shift by k columns is a yaw of k * 360 / width degrees', () => {
    const w = 64, h = 32, r = rng(11);
    const data = Float32Array.from({ length: w * h * 3 }, () => r());
    const env: EnvMap = { widthPx: w, heightPx: h, data };
    const k = 8; // 45 degrees
    // Yaw +a increases azimuth (toward +x, which is u = 0.25): content moves left in the image.
    const shifted = new Float32Array(data.length);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      shifted.set(data.subarray((y * w + ((x + k) % w)) * 3, (y * w + ((x + k) % w)) * 3 + 3), (y * w + x) * 3);
    }
    const a = rotateShYawPitch(projectEnvMapToSh(env), (k * 360) / w, 0);
    const b = projectEnvMapToSh({ widthPx: w, heightPx: h, data: shifted });
    for (let i = 0; i < 27; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-4);
  });
});
