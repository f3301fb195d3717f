/**
 * The CPU reference maths of the renderer on synthetic scenes with known normals and light.
 */
import { describe, expect, it } from 'vitest';
import { shEval } from '../../src/core/sh.js';
import type { TargetLighting } from '../../src/core/types.js';
import { CpuRelighter } from '../../src/gpu/cpu-relighter.js';
import {
  DEFAULT_RELIGHT_PARAMS, SRGB8_TO_LINEAR, buildLowResGuide, computeRatioMap, encodeSrgb255, estimateSourceLighting,
  sampleBilinear, shLuminance, shadingNormalisation, softClipScale, srcCoord, srgbEncode, type PixelBuffer,
} from '../../src/gpu/relight-math.js';
import { directionFromAngles, directionalSh, sphereNormal, sphereScene } from '../../src/gpu/synthetic-scene.js';

const ALBEDO: [number, number, number] = [0.55, 0.45, 0.4];

/** Scales a white SH so that its mean irradiance over the sphere's visible normals is pi (see relight-math.ts). */
function normaliseOverSphere(sh: Float32Array, samples = 64): Float32Array {
  let s = 0, n = 0;
  const rgb = [0, 0, 0];
  for (let j = 0; j < samples; j++) for (let i = 0; i < samples; i++) {
    const nrm = sphereNormal(i + 0.5, j + 0.5, samples / 2, samples / 2, samples / 2);
    if (!nrm) continue;
    shEval(sh, nrm[0], nrm[1], nrm[2], rgb);
    s += rgb[1]!; n++;
  }
  const k = Math.PI / (s / n);
  return sh.map((v) => v * k);
}

const SOURCE = normaliseOverSphere(directionalSh(directionFromAngles(-35, 30), [1, 1, 1], [0.35, 0.35, 0.35]));
const TARGET = directionalSh(directionFromAngles(40, 10), [0.9, 0.8, 0.6], [0.3, 0.3, 0.35]);

function lighting(sh: Float32Array, patch: Partial<TargetLighting> = {}): TargetLighting {
  return { irradianceSh: sh, background: 'keep', backgroundDim: 0.5, strength: 1, ...patch };
}

function directRender(sh: ArrayLike<number>, nrm: [number, number, number]): [number, number, number] {
  const rgb = [0, 0, 0];
  shEval(sh, nrm[0], nrm[1], nrm[2], rgb);
  return [ALBEDO[0] * Math.max(rgb[0]!, 0) / Math.PI, ALBEDO[1] * Math.max(rgb[1]!, 0) / Math.PI, ALBEDO[2] * Math.max(rgb[2]!, 0) / Math.PI];
}

describe('source-light estimation', () => {
  it('recovers the luminance SH that lit a sphere, and the albedo chroma as the per-channel scale', () => {
    const scene = sphereScene({ widthPx: 96, heightPx: 96, geometryWidthPx: 96, geometryHeightPx: 96, maskWidthPx: 96, maskHeightPx: 96, lightSh: SOURCE, albedo: ALBEDO, kind: 'linear', radius: 0.45, centreY: 0.5 });
    const guide = buildLowResGuide(scene.frame, scene.mask, 96, 96);
    const est = estimateSourceLighting(guide, scene.geometry);
    expect(est).not.toBeNull();
    // Compare shading, not coefficients: on a hemisphere of normals some SH terms are nearly collinear.
    const lum = shLuminance(est!.sh);
    const lumAlbedo = 0.2126 * ALBEDO[0] + 0.7152 * ALBEDO[1] + 0.0722 * ALBEDO[2];
    let maxErr = 0;
    for (const [x, y] of [[0, 0], [0.5, 0.3], [-0.6, -0.2], [0.2, -0.7]] as const) {
      const nrm: [number, number, number] = [x, y, Math.sqrt(1 - x * x - y * y)];
      const expected = lumAlbedo * directRender(SOURCE, nrm)[1] / ALBEDO[1];
      const got = basis(nrm).reduce((s, b, k) => s + b * lum[k]!, 0);
      maxErr = Math.max(maxErr, Math.abs(got - expected) / expected);
    }
    expect(maxErr).toBeLessThan(0.01);
    expect(est!.sh[0]! / est!.sh[1]!).toBeCloseTo(ALBEDO[0] / ALBEDO[1], 3);
    expect(est!.sh[2]! / est!.sh[1]!).toBeCloseTo(ALBEDO[2] / ALBEDO[1], 3);
    expect(est!.relResidual).toBeLessThan(0.02);
  });

  it('returns null when too few person pixels are visible', () => {
    const scene = sphereScene({ widthPx: 64, heightPx: 64, geometryWidthPx: 64, geometryHeightPx: 64, maskWidthPx: 64, maskHeightPx: 64, lightSh: SOURCE, albedo: ALBEDO, kind: 'linear', radius: 0.05 });
    expect(estimateSourceLighting(buildLowResGuide(scene.frame, scene.mask, 64, 64), scene.geometry)).toBeNull();
  });
});

function basis([x, y, z]: [number, number, number]): number[] {
  return [0.282095, 0.488603 * y, 0.488603 * z, 0.488603 * x, 1.092548 * x * y, 1.092548 * y * z, 0.315392 * (3 * z * z - 1), 1.092548 * x * z, 0.546274 * (x * x - y * y)];
}

describe('relighting a sphere', () => {
  it('relit from light A to light B equals the direct rendering under B (geometry at frame resolution)', () => {
    const W = 128, H = 128;
    const scene = sphereScene({ widthPx: W, heightPx: H, geometryWidthPx: W, geometryHeightPx: H, maskWidthPx: W, maskHeightPx: H, lightSh: SOURCE, albedo: ALBEDO, kind: 'linear', radius: 0.45, centreY: 0.5 });
    const relighter = new CpuRelighter();
    const out = relighter.process(scene.frame, scene.mask, scene.geometry, lighting(TARGET)) as Extract<PixelBuffer, { kind: 'linear' }>;
    let maxErr = 0, sumErr = 0, n = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const nrm = sphereNormal(x + 0.5, y + 0.5, scene.cx, scene.cy, scene.r);
      if (!nrm || nrm[2] < 0.3) continue; // the silhouette's anti-aliased ring is a different test
      const exp = directRender(TARGET, nrm);
      for (let c = 0; c < 3; c++) {
        const e = Math.abs(out.data[(y * W + x) * 3 + c]! - exp[c]!);
        maxErr = Math.max(maxErr, e); sumErr += e; n++;
      }
    }
    expect(sumErr / n).toBeLessThan(2e-3);
    expect(maxErr).toBeLessThan(1e-2);
  });

  it('also holds with geometry at a quarter of the frame resolution (edge-aware upsampling), 8-bit sRGB', () => {
    const W = 256, H = 192;
    const scene = sphereScene({ widthPx: W, heightPx: H, geometryWidthPx: 64, geometryHeightPx: 48, maskWidthPx: 128, maskHeightPx: 96, lightSh: SOURCE, albedo: ALBEDO, kind: 'rgba8', radius: 0.42, centreY: 0.5 });
    const out = new CpuRelighter().process(scene.frame, scene.mask, scene.geometry, lighting(TARGET)) as Extract<PixelBuffer, { kind: 'rgba8' }>;
    let sumErr = 0, n = 0, maxErr = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const nrm = sphereNormal(x + 0.5, y + 0.5, scene.cx, scene.cy, scene.r);
      if (!nrm || nrm[2] < 0.3) continue;
      const exp = directRender(TARGET, nrm);
      for (let c = 0; c < 3; c++) {
        const e = Math.abs(out.data[(y * W + x) * 4 + c]! - encodeSrgb255(exp[c]!));
        sumErr += e; n++; maxErr = Math.max(maxErr, e);
      }
    }
    expect(sumErr / n).toBeLessThan(1.5); // code values
    expect(maxErr).toBeLessThan(8);
  });

  it('gives a constant ratio when the target light is the source light', () => {
    const scene = sphereScene({ widthPx: 96, heightPx: 96, geometryWidthPx: 48, geometryHeightPx: 48, maskWidthPx: 96, maskHeightPx: 96, lightSh: SOURCE, albedo: ALBEDO, kind: 'linear', radius: 0.45, centreY: 0.5 });
    const guide = buildLowResGuide(scene.frame, scene.mask, 48, 48);
    const est = estimateSourceLighting(guide, scene.geometry)!;
    const lum = shLuminance(est.sh);
    const target = SOURCE.map((v) => v * 1.7);
    const norm = shadingNormalisation(scene.geometry, guide, lum, target);
    const R = computeRatioMap(scene.geometry, lum, target, norm);
    const vals: number[] = [];
    for (let p = 0; p < 48 * 48; p++) if (scene.geometry.confidence[p]! > 0 && scene.geometry.normals[p * 3 + 2]! > 0.2) vals.push(R[p * 3 + 1]!);
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const dev = Math.max(...vals.map((v) => Math.abs(v - mean)));
    expect(dev / mean).toBeLessThan(0.01);
    expect(mean).toBeCloseTo(1.7, 1); // SOURCE's mean irradiance over the sphere is pi: "unit exposure" x 1.7
  });

  it('never leaves [0,1], changes each pixel by at most the ratio clamps, and rolls highlights off', () => {
    const W = 96, H = 96;
    const scene = sphereScene({ widthPx: W, heightPx: H, geometryWidthPx: 48, geometryHeightPx: 48, maskWidthPx: 96, maskHeightPx: 96, lightSh: SOURCE, albedo: [0.62, 0.6, 0.55], kind: 'linear', radius: 0.45, centreY: 0.5 });
    const harsh = directionalSh(directionFromAngles(80, -10), [40, 40, 40], [0, 0, 0]);
    const out = new CpuRelighter().process(scene.frame, scene.mask, scene.geometry, lighting(harsh)) as Extract<PixelBuffer, { kind: 'linear' }>;
    const inp = scene.frame.data as Float32Array;
    let atOne = 0, brightened = 0;
    const { ratioMin, ratioMax } = DEFAULT_RELIGHT_PARAMS;
    for (let i = 0; i < out.data.length; i++) {
      const o = out.data[i]!, v = inp[i]!;
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThanOrEqual(1);
      if (v > 1e-3) {
        expect(o / v).toBeGreaterThanOrEqual(ratioMin * 0.999);
        expect(o / v).toBeLessThanOrEqual(ratioMax * 1.001);
      }
      if (o >= 0.995) atOne++;
      if (o > v * 1.5) brightened++;
    }
    expect(brightened).toBeGreaterThan(500); // the harsh light did brighten the lit side...
    expect(atOne).toBe(0); // ...without clipping (or nearly clipping) anything
  });

  it('soft clip is the identity below the knee, continuous with slope 1 at it, and below 1 above', () => {
    expect(softClipScale(0.5, 0.4, 0.8)).toBe(1);
    const k = 0.8, e = 1e-4;
    expect(softClipScale(k + e, 0.3, k) * (k + e)).toBeCloseTo(k + e, 6);
    expect(softClipScale(3, 0.3, k) * 3).toBeLessThan(1);
    expect(softClipScale(3, 0.3, k) * 3).toBeGreaterThan(0.95);
    expect(softClipScale(2, 0.3, k) * 2).toBeLessThan(softClipScale(3, 0.3, k) * 3 - 0.005); // still graded
    // An input already above the knee is not compressed unless brightened.
    expect(softClipScale(0.9, 0.9, k)).toBe(1);
  });
});

describe('compositing and background modes', () => {
  const W = 160, H = 120;
  const scene = sphereScene({ widthPx: W, heightPx: H, geometryWidthPx: 64, geometryHeightPx: 48, maskWidthPx: 80, maskHeightPx: 60, lightSh: SOURCE, albedo: ALBEDO, kind: 'rgba8', body: true });
  const src = scene.frame as Extract<PixelBuffer, { kind: 'rgba8' }>;
  /** The mask as the compositor sees it: bilinear, pixel centres aligned. */
  const maskAt = (x: number, y: number) => sampleBilinear(scene.mask.data, 80, 60, srcCoord(x, W, 80), srcCoord(y, H, 60));
  const run = (patch: Partial<TargetLighting>) =>
    new CpuRelighter().process(src, scene.mask, scene.geometry, lighting(TARGET, patch)) as Extract<PixelBuffer, { kind: 'rgba8' }>;

  it('strength 0 returns the input exactly', () => {
    const out = run({ strength: 0, background: 'dim' });
    expect(Buffer.from(out.data).equals(Buffer.from(src.data))).toBe(true);
  });

  it("'keep' leaves every background pixel untouched and relights the person", () => {
    const out = run({ background: 'keep' });
    let bgChanged = 0, bg = 0, personChanged = 0, person = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 4, m = maskAt(x, y);
      const changed = out.data[i] !== src.data[i] || out.data[i + 1] !== src.data[i + 1] || out.data[i + 2] !== src.data[i + 2];
      if (m === 0) { bg++; if (changed) bgChanged++; }
      if (m === 1) { person++; if (changed) personChanged++; }
    }
    expect(bg).toBeGreaterThan(1000);
    expect(bgChanged).toBe(0);
    expect(personChanged / person).toBeGreaterThan(0.5);
  });

  it("'dim' scales the background by backgroundDim in linear light; 'relight' by the mean ratio (no normals)", () => {
    const dim = run({ background: 'dim', backgroundDim: 0.4, strength: 1 });
    const rel = run({ background: 'relight', strength: 1 });
    const r = new CpuRelighter();
    r.process(src, scene.mask, scene.geometry, lighting(TARGET, { background: 'relight' }));
    const meanRatio = r.lastDiagnostics().meanRatio;
    expect(meanRatio[0]).toBeGreaterThan(meanRatio[2]); // the warm target
    let checked = 0;
    for (let y = 0; y < H; y += 3) for (let x = 0; x < W; x += 3) {
      if (maskAt(x, y) !== 0) continue;
      const i = (y * W + x) * 4;
      for (let c = 0; c < 3; c++) {
        const lin = SRGB8_TO_LINEAR[src.data[i + c]!]!;
        expect(Math.abs(dim.data[i + c]! - Math.round(srgbEncode(lin * 0.4) * 255))).toBeLessThanOrEqual(1);
        const expRel = Math.round(encodeSrgb255(lin * meanRatio[c]!));
        // Soft clip may roll off brightened highlights; the checker background stays below the knee.
        expect(Math.abs(rel.data[i + c]! - expRel)).toBeLessThanOrEqual(1);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('has no halo: at the silhouette the edge-aware upsampling beats plain upsampling against the truth', () => {
    const W2 = 240, H2 = 180;
    const s2 = sphereScene({ widthPx: W2, heightPx: H2, geometryWidthPx: 48, geometryHeightPx: 36, maskWidthPx: 240, maskHeightPx: 180, lightSh: SOURCE, albedo: ALBEDO, kind: 'linear', radius: 0.4 });
    const errAtEdge = (guideSigma: number, maskSigma: number) => {
      const r = new CpuRelighter();
      r.configure({ params: { guideSigma, maskSigma } });
      const out = r.process(s2.frame, s2.mask, s2.geometry, lighting(TARGET, { background: 'dim', backgroundDim: 0.2 })) as Extract<PixelBuffer, { kind: 'linear' }>;
      let e = 0, n = 0;
      for (let y = 0; y < H2; y++) for (let x = 0; x < W2; x++) {
        const d = Math.hypot(x + 0.5 - s2.cx, y + 0.5 - s2.cy);
        if (d > s2.r - 1 || d < s2.r - 6) continue; // the band just inside the silhouette
        const nrm = sphereNormal(x + 0.5, y + 0.5, s2.cx, s2.cy, s2.r)!;
        const exp = directRender(TARGET, nrm);
        for (let c = 0; c < 3; c++) { e += Math.abs(out.data[(y * W2 + x) * 3 + c]! - exp[c]!); n++; }
      }
      return e / n;
    };
    const edgeAware = errAtEdge(DEFAULT_RELIGHT_PARAMS.guideSigma, DEFAULT_RELIGHT_PARAMS.maskSigma);
    const plain = errAtEdge(1e6, 1e6);
    expect(edgeAware).toBeLessThan(plain * 0.7);
  });
});
