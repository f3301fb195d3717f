/**
 * Frozen copies of the CPU renderer's passes as they were before the speed-up of the CPU tier (git d485eaa:
 * src/gpu/relight-math.ts, src/core/temporal.ts, src/gpu/cpu-relighter.ts), in their plain per-pixel form. Not
 * used by the product. They are the reference that tests/unit/render-cpu-fast.test.ts holds the optimised
 * `buildLowResGuide`, `compositeFrame` and `smoothRatioMap` to (bit for bit), and the "before" of
 * tests/bench/render-cpu-bench.mjs. Helpers that did not change (sRGB tables, readLinear, soft clip, srcCoord, the SH
 * estimate, the ratio map, localMotionPx...) are imported from the product modules: only the loops that were
 * rewritten are frozen here.
 */
import { ShSmoother, globalMotionPx, localMotionPx, type RatioSmoothingInputs } from '../../src/core/temporal.js';
import type { GeometryMaps, Mask, TargetLighting } from '../../src/core/types.js';
import { DEFAULT_TUNING, prepareFrameConstants, type RelightTuning } from '../../src/gpu/cpu-relighter.js';
import {
  DEFAULT_RELIGHT_PARAMS, LUMA_B, LUMA_G, LUMA_R, SRGB8_TO_LINEAR, cellRange, encodeSrgb255, guideValue, luminance,
  backgroundMultiplier, computeRatioMap, readLinear, sampleBilinear, smoothstep, softClipScale, srcCoord,
  type CompositeInputs, type LowResGuide, type PixelBuffer, type RelightParams,
} from '../../src/gpu/relight-math.js';

/** Per-axis bilinear taps (as before: allocated per call). */
interface AxisTaps { i0: Int32Array; i1: Int32Array; f: Float32Array }

function axisTaps(dstN: number, srcN: number): AxisTaps {
  const i0 = new Int32Array(dstN), i1 = new Int32Array(dstN), f = new Float32Array(dstN);
  for (let i = 0; i < dstN; i++) {
    const u = Math.min(Math.max(srcCoord(i, dstN, srcN), 0), srcN - 1);
    const a = Math.floor(u);
    i0[i] = a;
    i1[i] = Math.min(a + 1, srcN - 1);
    f[i] = u - a;
  }
  return { i0, i1, f };
}

export function legacyBuildLowResGuide(src: PixelBuffer, mask: Mask, lowW: number, lowH: number, out?: LowResGuide): LowResGuide {
  const W = src.widthPx, H = src.heightPx;
  const g = out && out.widthPx === lowW && out.heightPx === lowH ? out : { widthPx: lowW, heightPx: lowH, data: new Float32Array(lowW * lowH * 4) };
  const px = new Float64Array(3);
  for (let j = 0; j < lowH; j++) {
    const [y0, y1] = cellRange(j, lowH, H);
    const mv = srcCoord(j, lowH, mask.heightPx);
    for (let i = 0; i < lowW; i++) {
      const [x0, x1] = cellRange(i, lowW, W);
      let r = 0, gg = 0, b = 0;
      if (src.kind === 'rgba8') {
        const d = src.data;
        for (let y = y0; y < y1; y++) {
          for (let o = (y * W + x0) * 4, e = (y * W + x1) * 4; o < e; o += 4) {
            r += SRGB8_TO_LINEAR[d[o]!]!; gg += SRGB8_TO_LINEAR[d[o + 1]!]!; b += SRGB8_TO_LINEAR[d[o + 2]!]!;
          }
        }
      } else {
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            readLinear(src, y * W + x, px);
            r += px[0]!; gg += px[1]!; b += px[2]!;
          }
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (j * lowW + i) * 4;
      g.data[o] = r / n;
      g.data[o + 1] = gg / n;
      g.data[o + 2] = b / n;
      g.data[o + 3] = sampleBilinear(mask.data, mask.widthPx, mask.heightPx, srcCoord(i, lowW, mask.widthPx), mv);
    }
  }
  return g;
}

function tent(d: number): number {
  const a = 1.5 - Math.abs(d);
  return a > 0 ? a : 0;
}

export function legacyCompositeFrame(inp: CompositeInputs, dst: PixelBuffer, params: Readonly<RelightParams> = DEFAULT_RELIGHT_PARAMS): void {
  const { src, mask, guide, ratio, background, strength } = inp;
  const W = src.widthPx, H = src.heightPx, gw = guide.widthPx, gh = guide.heightPx;
  if (dst.widthPx !== W || dst.heightPx !== H || dst.kind !== src.kind) throw new Error('[RelightMath] dst must match src');
  if (ratio.length !== gw * gh * 3) throw new Error('[RelightMath] ratio map size does not match the guide');
  const mx = axisTaps(W, mask.widthPx), my = axisTaps(H, mask.heightPx);
  // Per-column / per-row JBU taps (clamped index, tent weight) so the inner loop has no divisions.
  const colIdx = new Int32Array(W * 3), colW = new Float64Array(W * 3);
  for (let x = 0; x < W; x++) {
    const u = srcCoord(x, W, gw);
    const c = Math.floor(u + 0.5);
    for (let t = 0; t < 3; t++) {
      const i = c - 1 + t;
      colIdx[x * 3 + t] = Math.min(Math.max(i, 0), gw - 1) * 5;
      colW[x * 3 + t] = tent(u - i);
    }
  }
  const rowIdx = new Int32Array(H * 3), rowW = new Float64Array(H * 3);
  for (let y = 0; y < H; y++) {
    const v = srcCoord(y, H, gh);
    const c = Math.floor(v + 0.5);
    for (let t = 0; t < 3; t++) {
      const j = c - 1 + t;
      rowIdx[y * 3 + t] = Math.min(Math.max(j, 0), gh - 1) * gw * 5;
      rowW[y * 3 + t] = tent(v - j);
    }
  }
  // Packed taps: guide value, mask, ratio r, g, b (f32, as the shader reads them from f32 textures).
  const taps = new Float32Array(gw * gh * 5);
  for (let p = 0; p < gw * gh; p++) {
    taps[p * 5] = guideValue(guide.data[p * 4]!, guide.data[p * 4 + 1]!, guide.data[p * 4 + 2]!);
    taps[p * 5 + 1] = guide.data[p * 4 + 3]!;
    taps[p * 5 + 2] = ratio[p * 3]!;
    taps[p * 5 + 3] = ratio[p * 3 + 1]!;
    taps[p * 5 + 4] = ratio[p * 3 + 2]!;
  }
  const invSg2 = 1 / (params.guideSigma * params.guideSigma);
  const invSm2 = 1 / (params.maskSigma * params.maskSigma);
  const eps = params.maskEpsilon, knee = params.highlightKnee;
  const s = strength;
  const bR = background[0] - 1, bG = background[1] - 1, bB = background[2] - 1;
  const mdat = mask.data, mW = mask.widthPx;
  const rgba8 = src.kind === 'rgba8';
  const sIn = src.kind === 'rgba8' ? src.data : null;
  const dOut = dst.kind === 'rgba8' ? dst.data : null;
  // Background (m < eps) multipliers and, for 8-bit input, their per-channel tables.
  const bgMr = 1 + s * bR, bgMg = 1 + s * bG, bgMb = 1 + s * bB;
  const bgSeparable = bgMr <= 1 && bgMg <= 1 && bgMb <= 1;
  let bgLut: Uint8Array | null = null;
  if (rgba8 && bgSeparable) {
    bgLut = new Uint8Array(768);
    for (let v = 0; v < 256; v++) {
      const l = SRGB8_TO_LINEAR[v]!;
      bgLut[v] = Math.round(encodeSrgb255(l * bgMr));
      bgLut[256 + v] = Math.round(encodeSrgb255(l * bgMg));
      bgLut[512 + v] = Math.round(encodeSrgb255(l * bgMb));
    }
  }
  const px = new Float64Array(3);
  for (let y = 0; y < H; y++) {
    const my0 = my.i0[y]! * mW, my1 = my.i1[y]! * mW, fy = my.f[y]!;
    const ry0 = rowIdx[y * 3]!, ry1 = rowIdx[y * 3 + 1]!, ry2 = rowIdx[y * 3 + 2]!;
    const wy0 = rowW[y * 3]!, wy1 = rowW[y * 3 + 1]!, wy2 = rowW[y * 3 + 2]!;
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const fx = mx.f[x]!;
      const mx0 = mx.i0[x]!, mx1 = mx.i1[x]!;
      let m = (mdat[my0 + mx0]! * (1 - fx) + mdat[my0 + mx1]! * fx) * (1 - fy) + (mdat[my1 + mx0]! * (1 - fx) + mdat[my1 + mx1]! * fx) * fy;
      m = m < 0 ? 0 : m > 1 ? 1 : m;
      if (m < eps && bgLut && sIn && dOut) {
        const o = i * 4;
        dOut[o] = bgLut[sIn[o]!]!;
        dOut[o + 1] = bgLut[256 + sIn[o + 1]!]!;
        dOut[o + 2] = bgLut[512 + sIn[o + 2]!]!;
        dOut[o + 3] = sIn[o + 3]!;
        continue;
      }
      let r: number, g: number, b: number;
      if (sIn) {
        r = SRGB8_TO_LINEAR[sIn[i * 4]!]!; g = SRGB8_TO_LINEAR[sIn[i * 4 + 1]!]!; b = SRGB8_TO_LINEAR[sIn[i * 4 + 2]!]!;
      } else {
        readLinear(src, i, px);
        r = px[0]!; g = px[1]!; b = px[2]!;
      }
      let Mr = bgMr, Mg = bgMg, Mb = bgMb;
      if (m >= eps) {
        const yv = LUMA_R * r + LUMA_G * g + LUMA_B * b;
        const gv = yv > 0 ? Math.sqrt(yv) : 0;
        let sw = 0, ar = 0, ag = 0, ab = 0;
        const cx0 = colIdx[x * 3]!, cx1 = colIdx[x * 3 + 1]!, cx2 = colIdx[x * 3 + 2]!;
        const wx0 = colW[x * 3]!, wx1 = colW[x * 3 + 1]!, wx2 = colW[x * 3 + 2]!;
        for (let ty = 0; ty < 3; ty++) {
          const wy = ty === 0 ? wy0 : ty === 1 ? wy1 : wy2;
          if (wy === 0) continue;
          const row = ty === 0 ? ry0 : ty === 1 ? ry1 : ry2;
          for (let tx = 0; tx < 3; tx++) {
            const wx = tx === 0 ? wx0 : tx === 1 ? wx1 : wx2;
            if (wx === 0) continue;
            const q = row + (tx === 0 ? cx0 : tx === 1 ? cx1 : cx2);
            const dg = gv - taps[q]!;
            const dm = m - taps[q + 1]!;
            const t = 1 + dg * dg * invSg2 + dm * dm * invSm2;
            const w = wx * wy * (1 / (t * t) + 1e-4);
            sw += w;
            ar += w * taps[q + 2]!;
            ag += w * taps[q + 3]!;
            ab += w * taps[q + 4]!;
          }
        }
        const im = 1 - m;
        Mr = 1 + s * (m * (ar / sw - 1) + im * bR);
        Mg = 1 + s * (m * (ag / sw - 1) + im * bG);
        Mb = 1 + s * (m * (ab / sw - 1) + im * bB);
      }
      let or = r * Mr, og = g * Mg, ob = b * Mb;
      const outMax = or > og ? (or > ob ? or : ob) : og > ob ? og : ob;
      const inMax = r > g ? (r > b ? r : b) : g > b ? g : b;
      if (outMax > knee && outMax > inMax) {
        const k = softClipScale(outMax, inMax, knee);
        or *= k; og *= k; ob *= k;
      }
      if (dOut && sIn) {
        dOut[i * 4] = Math.round(encodeSrgb255(or));
        dOut[i * 4 + 1] = Math.round(encodeSrgb255(og));
        dOut[i * 4 + 2] = Math.round(encodeSrgb255(ob));
        dOut[i * 4 + 3] = sIn[i * 4 + 3]!;
      } else {
        writeLinear(dst, i, or, og, ob);
      }
    }
  }
}

function writeLinear(dst: PixelBuffer, i: number, r: number, g: number, b: number): void {
  if (dst.kind === 'rgba8') throw new Error('[RelightMath] writeLinear is for linear buffers');
  const c = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
  if (dst.channels === 3) {
    dst.data[i * 3] = c(r); dst.data[i * 3 + 1] = c(g); dst.data[i * 3 + 2] = c(b);
  } else {
    dst.data[i] = c(luminance(r, g, b));
  }
}

export function legacySmoothRatioMap(inp: RatioSmoothingInputs, out: Float32Array): number {
  const { ratio, previousRatio: pr, guide, previousGuide: pg, widthPx: w, heightPx: h, motion } = inp;
  const n = w * h;
  if (ratio.length !== n * 3 || guide.length !== n * 4) throw new Error('[smoothRatioMap] sizes do not match');
  if (!pr || !pg || pr.length !== ratio.length || pg.length !== guide.length) {
    if (out !== ratio) out.set(ratio);
    return 0;
  }
  const keep = 1 - smoothstep(motion.motionLo, motion.motionHi, globalMotionPx(guide, pg, w, h));
  const s = Math.min(0.99, Math.max(0, inp.smoothing)) * keep;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const a = s * (1 - smoothstep(motion.motionLo, motion.motionHi, localMotionPx(guide, pg, w, h, x, y, motion)));
      for (let c = 0; c < 3; c++) {
        const i = p * 3 + c;
        out[i] = ratio[i]! + (pr[i]! - ratio[i]!) * a;
      }
    }
  }
  return keep;
}

/** CpuRelighter.process as it was (same temporal state and ping-pong), on the frozen passes above. */
export class LegacyCpuRelighter {
  private readonly smoother = new ShSmoother();
  private guides: [LowResGuide | null, LowResGuide | null] = [null, null];
  private ratios: [Float32Array | null, Float32Array | null] = [null, null];
  private rawRatio: Float32Array | null = null;
  private hasHistory = false;

  constructor(private readonly tuning: Readonly<RelightTuning> = DEFAULT_TUNING) {}

  process(src: PixelBuffer, mask: Mask, geometry: GeometryMaps, lighting: TargetLighting, dst: PixelBuffer): PixelBuffer {
    const gw = geometry.widthPx, gh = geometry.heightPx;
    const last = this.guides[0];
    if (!last || last.widthPx !== gw || last.heightPx !== gh) this.hasHistory = false;
    const guide = legacyBuildLowResGuide(src, mask, gw, gh, this.guides[1] ?? undefined);
    const { sourceLum, norm } = prepareFrameConstants(guide, geometry, lighting, this.smoother, this.tuning);
    this.rawRatio = computeRatioMap(geometry, sourceLum, lighting.irradianceSh, norm, this.tuning.params, this.rawRatio ?? undefined);
    const smoothed = this.ratios[1] && this.ratios[1].length === this.rawRatio.length ? this.ratios[1] : new Float32Array(this.rawRatio.length);
    legacySmoothRatioMap({
      ratio: this.rawRatio,
      previousRatio: this.hasHistory ? this.ratios[0] : null,
      guide: guide.data,
      previousGuide: this.hasHistory ? this.guides[0]!.data : null,
      widthPx: gw,
      heightPx: gh,
      smoothing: this.tuning.smoothing,
      motion: this.tuning.params,
    }, smoothed);
    legacyCompositeFrame({
      src, mask, guide, ratio: smoothed,
      background: backgroundMultiplier(lighting.background, lighting.backgroundDim, norm.meanRatio),
      strength: Math.min(1, Math.max(0, lighting.strength)),
    }, dst, this.tuning.params);
    this.guides = [guide, this.guides[0]];
    this.ratios = [smoothed, this.ratios[0]];
    this.hasHistory = true;
    return dst;
  }
}
