/**
 * Temporal smoothing (src/core/temporal.ts) alone and inside the CPU relighter: less flicker on static content,
 * no ghosting where things move.
 */
import { describe, expect, it } from 'vitest';
import { ShSmoother, flickerIndex, smoothRatioMap } from '../../src/core/temporal.js';
import type { TargetLighting } from '../../src/core/types.js';
import { CpuRelighter } from '../../src/gpu/cpu-relighter.js';
import type { PixelBuffer } from '../../src/gpu/relight-math.js';
import { directionFromAngles, directionalSh, sphereScene, type SphereScene } from '../../src/gpu/synthetic-scene.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

const SOURCE = directionalSh(directionFromAngles(-30, 25), [1.6, 1.6, 1.6], [0.4, 0.4, 0.4]);
const TARGET: TargetLighting = {
  irradianceSh: directionalSh(directionFromAngles(45, 15), [1.8, 1.6, 1.3], [0.25, 0.25, 0.3]),
  background: 'keep', backgroundDim: 0.5, strength: 1,
};

describe('ShSmoother', () => {
  it('averages noise down but follows a real change of light at once', () => {
    const rnd = lcg(1);
    const sm = new ShSmoother();
    const base = Array.from({ length: 27 }, (_, i) => 1 + (i % 3) * 0.1);
    let rawVar = 0, smoothVar = 0;
    for (let t = 0; t < 200; t++) {
      const est = base.map((v) => v * (1 + (rnd() - 0.5) * 0.1));
      const out = sm.update(est, 0.8);
      if (t > 20) {
        rawVar += (est[0]! - base[0]!) ** 2;
        smoothVar += (out[0]! - base[0]!) ** 2;
      }
    }
    expect(smoothVar).toBeLessThan(rawVar * 0.3);
    const jumped = base.map((v) => v * 3);
    const out = sm.update(jumped, 0.8);
    expect(Math.abs(out[0]! - jumped[0]!) / jumped[0]!).toBeLessThan(0.02);
  });
});

describe('smoothRatioMap', () => {
  it('blends where the frame is static and takes the new ratio where it moved', () => {
    const guidePrev = new Float32Array([0.2, 0.2, 0.2, 1, 0.2, 0.2, 0.2, 1]);
    const guide = new Float32Array([0.2, 0.2, 0.2, 1, 0.6, 0.6, 0.6, 1]); // pixel 1 changed a lot
    const prev = new Float32Array([1, 1, 1, 1, 1, 1]);
    const cur = new Float32Array([2, 2, 2, 2, 2, 2]);
    const out = new Float32Array(6);
    const motion = { motionLo: 0.15, motionHi: 0.5, motionEpsGuide: 0.02, motionEpsMask: 0.05 };
    const keep = smoothRatioMap({ ratio: cur, previousRatio: prev, guide, previousGuide: guidePrev, widthPx: 2, heightPx: 1, smoothing: 0.75, motion }, out);
    expect(keep).toBe(1); // the mask did not move
    expect(out[0]).toBeCloseTo(1.25, 6); // 0.75 of the old value kept
    expect(out[3]).toBeCloseTo(2, 6);
  });
});

describe('flickerIndex', () => {
  const frame = (vals: number[]) => ({ widthPx: vals.length, heightPx: 1, data: vals });
  it('is 1 for identical sequences, 0 for a frozen output, 2 for doubled temporal differences', () => {
    const a = [frame([0.1, 0.5]), frame([0.2, 0.4]), frame([0.15, 0.45])];
    const mask = [1, 1];
    expect(flickerIndex(a, a, mask)).toBe(1);
    expect(flickerIndex(a, [frame([0.3, 0.3]), frame([0.3, 0.3]), frame([0.3, 0.3])], mask)).toBe(0);
    const doubled = a.map((f) => frame(Array.from(f.data, (v) => 2 * v)));
    expect(flickerIndex(a, doubled, mask)).toBeCloseTo(2, 10);
    // Only static pixels count: a pixel outside the mask may change freely.
    const wild = [frame([0.1, 0]), frame([0.2, 1]), frame([0.15, 0])];
    expect(flickerIndex(a, wild, [1, 0])).toBeCloseTo(1, 10);
  });
});

/** A sequence of frames of a (static or moving) sphere with per-frame normal jitter and sensor noise. */
function sequence(frames: number, opts: { moveXPx?: number; normalJitter?: number; seed?: number }): SphereScene[] {
  const rnd = lcg(opts.seed ?? 5);
  const out: SphereScene[] = [];
  for (let t = 0; t < frames; t++) {
    const jitter = opts.normalJitter ?? 0;
    const s = sphereScene({
      widthPx: 160, heightPx: 120, geometryWidthPx: 64, geometryHeightPx: 48, maskWidthPx: 80, maskHeightPx: 60,
      lightSh: SOURCE, albedo: [0.55, 0.42, 0.36], kind: 'rgba8', radius: 0.3,
      centreX: 0.35 + ((opts.moveXPx ?? 0) * t) / 160,
      normalNoise: () => [(rnd() - 0.5) * jitter, (rnd() - 0.5) * jitter, (rnd() - 0.5) * jitter],
    });
    // Sensor noise: +-2 code values, so the input's own static flicker is not zero.
    const d = (s.frame as Extract<PixelBuffer, { kind: 'rgba8' }>).data;
    for (let i = 0; i < d.length; i++) if (i % 4 !== 3) d[i] = d[i]! + Math.round((rnd() - 0.5) * 4);
    out.push(s);
  }
  return out;
}

function relightSequence(seq: SphereScene[], smoothing: number, params = {}): Uint8ClampedArray[] {
  const r = new CpuRelighter();
  r.configure({ smoothing, params });
  return seq.map((s) => Uint8ClampedArray.from((r.process(s.frame, s.mask, s.geometry, TARGET) as Extract<PixelBuffer, { kind: 'rgba8' }>).data));
}

describe('temporal smoothing in the relighter', () => {
  it('reduces the flicker that jittery normals cause on a static person', () => {
    const seq = sequence(12, { normalJitter: 0.4 });
    const s0 = seq[0]!;
    const personStatic = new Uint8Array(160 * 120);
    for (let y = 0; y < 120; y++) for (let x = 0; x < 160; x++) {
      if (Math.hypot(x + 0.5 - s0.cx, y + 0.5 - s0.cy) < s0.r * 0.9) personStatic[y * 160 + x] = 1;
    }
    const framesIn = seq.map((s) => ({ widthPx: 160, heightPx: 120, data: (s.frame as Extract<PixelBuffer, { kind: 'rgba8' }>).data }));
    const asFrames = (outs: Uint8ClampedArray[]) => outs.map((d) => ({ widthPx: 160, heightPx: 120, data: d }));
    const raw = flickerIndex(framesIn, asFrames(relightSequence(seq, 0)), personStatic);
    const smooth = flickerIndex(framesIn, asFrames(relightSequence(seq, 0.85)), personStatic);
    console.log(`[render-temporal] flicker index, jittery normals: smoothing 0 -> ${raw.toFixed(2)}, 0.85 -> ${smooth.toFixed(2)}`);
    expect(raw).toBeGreaterThan(1.5); // the jitter is visible without smoothing...
    expect(smooth).toBeLessThan(raw * 0.6); // ...and smoothing removes most of it
  });

  it('does not ghost: a moving sphere ends up where it is, unlike a plain EMA', () => {
    const seq = sequence(10, { moveXPx: 3 });
    const last = seq[seq.length - 1]!;
    const fresh = relightSequence([last], 0)[0]!;
    const aware = relightSequence(seq, 0.9).at(-1)!;
    const plainEma = relightSequence(seq, 0.9, { motionLo: 10, motionHi: 20 }).at(-1)!;
    const diff = (a: Uint8ClampedArray) => {
      let s = 0, n = 0;
      for (let i = 0; i < a.length; i++) if (i % 4 !== 3) { s += Math.abs(a[i]! - fresh[i]!); n++; }
      return s / n;
    };
    console.log(`[render-temporal] moving sphere, mean |out - fresh| (code values): motion-aware ${diff(aware).toFixed(3)}, plain EMA ${diff(plainEma).toFixed(3)}`);
    expect(diff(aware)).toBeLessThan(0.3);
    expect(diff(plainEma)).toBeGreaterThan(diff(aware) * 3);
  });
});
