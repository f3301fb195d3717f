/**
 * CPU renderer benchmark, before vs after the speed-up, in one process: the frozen plain passes
 * (tests/unit/render-cpu-reference.ts, "old") against the product's (src/gpu, "new"), interleaved frame by frame
 * (alternating which goes first) so that machine load hits both alike. Pure: runs in Node and in a page.
 * Driven by render-cpu-bench.mjs (see there for why it does not go through Vite's module runner).
 *
 * Inputs: synthetic 8-bit frames (sphere head + body over a textured background, sensor noise that changes
 * every frame), geometry at the default grid (long side 128), a 256-px segmenter-sized mask, default preset-like
 * lighting. Two masks: 'clean' (exact 0 outside the person) and 'floor' (a noise floor of 0..0.006 outside it,
 * as a raw segmenter confidence may have: about two thirds of the background is then above maskEpsilon and
 * goes through the upsampling, the worst case for the composite).
 */
import type { Mask, TargetLighting } from '../../src/core/types.js';
import { CpuRelighter } from '../../src/gpu/cpu-relighter.js';
import { backgroundMultiplier, buildLowResGuide, compositeFrame, type PixelBuffer } from '../../src/gpu/relight-math.js';
import { directionFromAngles, directionalSh, sphereScene } from '../../src/gpu/synthetic-scene.js';
import { LegacyCpuRelighter, legacyBuildLowResGuide, legacyCompositeFrame } from '../unit/render-cpu-reference.js';
import { mulberry32 as rng } from '../support/prng.js';

export interface StageTiming {
  readonly oldMs: { min: number; median: number };
  readonly newMs: { min: number; median: number };
  /** old / new, of the medians. */
  readonly speedup: number;
}

export interface RenderCpuBenchRow {
  readonly size: string;
  readonly mask: 'clean' | 'floor';
  /** Fraction of full-res pixels with mask >= maskEpsilon (the ones the upsampling runs on). */
  readonly foreground: number;
  readonly process: StageTiming;
  readonly composite: StageTiming;
  readonly guide: StageTiming;
  /** Largest |old - new| over every output byte of every timed frame (expected 0). */
  readonly maxDiff: number;
}

/** CPU time where the runtime has it (Node: excludes time descheduled by other processes), else wall time. */
export function clockKind(): 'cpu' | 'wall' {
  return (globalThis as { process?: { cpuUsage?: unknown } }).process?.cpuUsage ? 'cpu' : 'wall';
}

function now(): number {
  const p = (globalThis as { process?: { cpuUsage(): { user: number; system: number } } }).process;
  if (p?.cpuUsage) {
    const u = p.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  return performance.now();
}

function stats(a: number[]): { min: number; median: number } {
  const s = [...a].sort((x, y) => x - y);
  return { min: s[0]!, median: s[s.length >> 1]! };
}

function timing(oldT: number[], newT: number[]): StageTiming {
  const o = stats(oldT), n = stats(newT);
  return { oldMs: o, newMs: n, speedup: o.median / n.median };
}

export function runRenderCpuBench(opts: { frames?: number; sizes?: [number, number][] } = {}): RenderCpuBenchRow[] {
  const frames = opts.frames ?? 30;
  const rows: RenderCpuBenchRow[] = [];
  for (const [W, H] of opts.sizes ?? [[640, 480], [1280, 720]]) {
    const gw = 128, gh = Math.round((128 * H) / W);
    const maskW = 256, maskH = W / H > 1.5 ? 144 : 256;
    const scene = sphereScene({
      widthPx: W, heightPx: H, geometryWidthPx: gw, geometryHeightPx: gh, maskWidthPx: maskW, maskHeightPx: maskH,
      lightSh: directionalSh(directionFromAngles(-35, 30), [1, 1, 1], [0.3, 0.3, 0.3]), albedo: [0.55, 0.45, 0.4],
      kind: 'rgba8', body: true, radius: 0.3,
    });
    const base = scene.frame.data as Uint8ClampedArray;
    const rand = rng(W * 7 + H);
    // Sensor noise, different in each of 4 frames (cycled), so the temporal smoothing sees a live signal.
    const noisy = Array.from({ length: 4 }, () => {
      const d = Uint8ClampedArray.from(base);
      for (let i = 0; i < d.length; i++) if ((i & 3) !== 3) d[i] = d[i]! + Math.round((rand() - 0.5) * 6);
      return { kind: 'rgba8', widthPx: W, heightPx: H, data: d } as PixelBuffer;
    });
    const lighting: TargetLighting = {
      irradianceSh: directionalSh(directionFromAngles(40, 10), [0.9, 0.8, 0.6], [0.3, 0.3, 0.35]),
      background: 'keep', backgroundDim: 0.5, strength: 1,
    };
    for (const maskKind of ['clean', 'floor'] as const) {
      const mask: Mask = maskKind === 'clean' ? scene.mask : {
        ...scene.mask,
        data: scene.mask.data.map((v) => (v > 0 ? v : rand() * 0.006)),
      };
      const eps = 1 / 512;
      let fg = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const mx = Math.min(maskW - 1, Math.floor(((x + 0.5) * maskW) / W)), my = Math.min(maskH - 1, Math.floor(((y + 0.5) * maskH) / H));
          if (mask.data[my * maskW + mx]! >= eps) fg++;
        }
      }
      const oldR = new LegacyCpuRelighter(), newR = new CpuRelighter();
      const outOld: PixelBuffer = { kind: 'rgba8', widthPx: W, heightPx: H, data: new Uint8ClampedArray(W * H * 4) };
      const outNew: PixelBuffer = { kind: 'rgba8', widthPx: W, heightPx: H, data: new Uint8ClampedArray(W * H * 4) };
      const t = { po: [] as number[], pn: [] as number[], co: [] as number[], cn: [] as number[], go: [] as number[], gn: [] as number[] };
      let maxDiff = 0;
      const warm = 5;
      for (let f = 0; f < frames + warm; f++) {
        const src = noisy[f % noisy.length]!;
        const runOld = () => { const a = now(); oldR.process(src, mask, scene.geometry, lighting, outOld); return now() - a; };
        const runNew = () => { const a = now(); newR.process(src, mask, scene.geometry, lighting, outNew); return now() - a; };
        let to: number, tn: number;
        if (f % 2) { to = runOld(); tn = runNew(); } else { tn = runNew(); to = runOld(); }
        for (let i = 0; i < outOld.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(outOld.data[i]! - outNew.data[i]!));
        // The two passes that dominate, alone, on this frame's inputs.
        const guide = buildLowResGuide(src, mask, gw, gh);
        const ratio = new Float32Array(gw * gh * 3).map((_, i) => 0.8 + 0.4 * Math.sin(i * 0.05));
        const inp = { src, mask, guide, ratio, background: backgroundMultiplier('keep', 0.5, [1, 1, 1]), strength: 1 };
        const a0 = now(); legacyCompositeFrame(inp, outOld); const a1 = now(); compositeFrame(inp, outNew); const a2 = now();
        legacyBuildLowResGuide(src, mask, gw, gh, guide); const a3 = now(); buildLowResGuide(src, mask, gw, gh, guide); const a4 = now();
        if (f >= warm) {
          t.po.push(to); t.pn.push(tn); t.co.push(a1 - a0); t.cn.push(a2 - a1); t.go.push(a3 - a2); t.gn.push(a4 - a3);
        }
      }
      rows.push({
        size: `${W}x${H}`, mask: maskKind, foreground: fg / (W * H),
        process: timing(t.po, t.pn), composite: timing(t.co, t.cn), guide: timing(t.go, t.gn), maxDiff,
      });
    }
  }
  return rows;
}
