/**
 * The per-frame relighting pipeline on the CPU, with its temporal state: relight-math.ts steps 1-5 plus the
 * temporal smoothing of temporal.ts. Pure (no VideoFrame, no DOM), so Node tests and the Yale B evaluation run
 * exactly what `CpuRenderer` runs in the browser. `WebGpuRenderer` runs steps 2-3's per-frame constants through
 * `prepareFrameConstants` below, so both renderers share the estimate and its smoothing code.
 */
import { ShSmoother, smoothRatioMap } from '../core/temporal.js';
import type { GeometryMaps, Mask, TargetLighting } from '../core/types.js';
import {
  DEFAULT_RELIGHT_PARAMS, backgroundMultiplier, buildLowResGuide, compositeFrame, computeRatioMap,
  estimateSourceLighting, shLuminance, shadingNormalisation,
  type LowResGuide, type PixelBuffer, type RatioNormalisation, type RelightParams, type SourceLighting,
} from './relight-math.js';

export interface RelightTuning {
  /** Temporal smoothing 0 (none) .. 0.95 (heavy); settings.smoothing. */
  readonly smoothing: number;
  readonly params: Readonly<RelightParams>;
}

export const DEFAULT_TUNING: Readonly<RelightTuning> = Object.freeze({ smoothing: 0.7, params: DEFAULT_RELIGHT_PARAMS });

/** What the last frame estimated, for stats and tests. */
export interface RelightDiagnostics {
  /** The smoothed source SH actually used (27 floats), or null before the first frame. */
  readonly sourceSh: Float32Array | null;
  /** Pixels that fed the last estimate (0 when the estimate failed and the previous one was reused). */
  readonly estimatePixels: number;
  readonly estimateRelResidual: number;
  readonly meanRatio: readonly [number, number, number];
  readonly meanSource: number;
}

/**
 * Source estimate -> SH smoothing -> normalisation; shared by both renderers. With no usable estimate and no
 * history (no person yet), the source is taken to be the target itself, which makes R the mean ratio: the
 * person keeps their shading instead of being relit from a guess.
 */
export function prepareFrameConstants(
  guide: LowResGuide,
  geometry: GeometryMaps,
  lighting: TargetLighting,
  smoother: ShSmoother,
  tuning: Readonly<RelightTuning>,
): { sourceLum: Float32Array; norm: RatioNormalisation; estimate: SourceLighting | null; sourceSh: Float32Array } {
  const estimate = estimateSourceLighting(guide, geometry, tuning.params);
  let sourceSh: Float32Array;
  if (estimate) sourceSh = smoother.update(estimate.sh, tuning.smoothing);
  else sourceSh = smoother.current() ?? lighting.irradianceSh;
  const sourceLum = shLuminance(sourceSh);
  const norm = shadingNormalisation(geometry, guide, sourceLum, lighting.irradianceSh, tuning.params);
  return { sourceLum, norm, estimate, sourceSh };
}

export class CpuRelighter {
  private readonly smoother = new ShSmoother();
  /** Ping-pong history: [current, previous] guides and smoothed ratio maps. */
  private guides: [LowResGuide | null, LowResGuide | null] = [null, null];
  private ratios: [Float32Array | null, Float32Array | null] = [null, null];
  private rawRatio: Float32Array | null = null;
  private hasHistory = false;
  private diagnostics: RelightDiagnostics = { sourceSh: null, estimatePixels: 0, estimateRelResidual: 0, meanRatio: [1, 1, 1], meanSource: 0 };
  /** Split of the last process() call, ms. */
  readonly timings = { estimateMs: 0, shadeMs: 0 };

  constructor(private tuning: Readonly<RelightTuning> = DEFAULT_TUNING) {}

  configure(patch: { smoothing?: number; params?: Partial<RelightParams> }): void {
    this.tuning = {
      smoothing: patch.smoothing ?? this.tuning.smoothing,
      params: { ...this.tuning.params, ...(patch.params ?? {}) },
    };
  }

  reset(): void {
    this.smoother.reset();
    this.hasHistory = false;
  }

  lastDiagnostics(): RelightDiagnostics {
    return this.diagnostics;
  }

  /**
   * Relights `src` into `dst` (allocated to match when omitted). BORROWS everything; returns dst.
   * Geometry and mask maps cover the whole frame (any resolution/aspect; see renderer.ts).
   */
  process(src: PixelBuffer, mask: Mask, geometry: GeometryMaps, lighting: TargetLighting, dst?: PixelBuffer): PixelBuffer {
    const t0 = now();
    const gw = geometry.widthPx, gh = geometry.heightPx;
    const out = dst ?? allocLike(src);
    const last = this.guides[0];
    if (!last || last.widthPx !== gw || last.heightPx !== gh) this.hasHistory = false;
    // Ping-pong: write this frame's guide into the buffer of two frames ago; guides[0] (last frame) is kept.
    const guide = buildLowResGuide(src, mask, gw, gh, this.guides[1] ?? undefined);
    const { sourceLum, norm, estimate, sourceSh } = prepareFrameConstants(guide, geometry, lighting, this.smoother, this.tuning);
    const t1 = now();
    this.rawRatio = computeRatioMap(geometry, sourceLum, lighting.irradianceSh, norm, this.tuning.params, this.rawRatio ?? undefined);
    const smoothed = this.ratios[1] && this.ratios[1].length === this.rawRatio.length ? this.ratios[1] : new Float32Array(this.rawRatio.length);
    smoothRatioMap({
      ratio: this.rawRatio,
      previousRatio: this.hasHistory ? this.ratios[0] : null,
      guide: guide.data,
      previousGuide: this.hasHistory ? this.guides[0]!.data : null,
      widthPx: gw,
      heightPx: gh,
      smoothing: this.tuning.smoothing,
      motion: this.tuning.params,
    }, smoothed);
    compositeFrame({
      src, mask, guide, ratio: smoothed,
      background: backgroundMultiplier(lighting.background, lighting.backgroundDim, norm.meanRatio),
      strength: Math.min(1, Math.max(0, lighting.strength)),
    }, out, this.tuning.params);
    // Ping-pong: this frame becomes "previous"; the old previous buffers are reused next frame.
    this.guides = [guide, this.guides[0]];
    this.ratios = [smoothed, this.ratios[0]];
    this.hasHistory = true;
    this.diagnostics = {
      sourceSh: Float32Array.from(sourceSh),
      estimatePixels: estimate?.pixels ?? 0,
      estimateRelResidual: estimate?.relResidual ?? 0,
      meanRatio: norm.meanRatio,
      meanSource: norm.meanSource,
    };
    const t2 = now();
    this.timings.estimateMs = t1 - t0;
    this.timings.shadeMs = t2 - t1;
    return out;
  }
}

function allocLike(src: PixelBuffer): PixelBuffer {
  if (src.kind === 'rgba8') return { kind: 'rgba8', widthPx: src.widthPx, heightPx: src.heightPx, data: new Uint8ClampedArray(src.data.length) };
  return { kind: 'linear', widthPx: src.widthPx, heightPx: src.heightPx, channels: src.channels, data: new Float32Array(src.data.length) };
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
