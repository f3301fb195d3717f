/**
 * The engine: one frame in, one frame out, through segmentation -> mask smoothing -> the processing stage.
 * It is host-agnostic: the same class runs inside the worker (WorkerProcessor) and on the page's main thread
 * (LocalProcessor), so "one pipeline, several execution hosts" holds by construction.
 *
 * Ownership: `process` CONSUMES the input frame (it is closed in `finally`) and returns a new frame owned by the
 * caller. On error it throws; the host reports it and the relighter passes the original frame through.
 */
import { closeTracked, trackOpen } from '../core/leak-tracker.js';
import { RelightError, describeError } from '../core/errors.js';
import type { RelightSettings } from '../core/settings.js';
import type { Mask } from '../core/types.js';
import type { FrameStage } from './stage.js';
import type { Segmenter } from '../segmentation/segmenter.js';
import { MaskSmoother } from '../segmentation/mask-smoother.js';
import { createSegmenter, createStage, type SegmenterKind, type StageKind, type GeometryKind } from './factories.js';

export interface EngineConfig {
  stage: StageKind;
  segmenter: SegmenterKind;
  geometry: GeometryKind;
  /** Base URL where models/ and wasm are served; undefined = resolved by the bundler. */
  assetBaseUrl?: string;
  settings: RelightSettings;
  /** The camera's frame size if known: picks the segmentation model and shapes the warm-up frame. */
  frameSizeHint?: { widthPx: number; heightPx: number };
}

export interface EngineInfo {
  stage: string;
  segmenter: string;
  backend: string;
}

export type FaultKind = 'stage-throw' | 'segmenter-throw' | 'hang' | 'crash';

export interface EngineTimings {
  segmentMs: number;
  stageMs: number;
  totalMs: number;
  [step: string]: number;
}

export class Engine {
  private segmenter: Segmenter | null = null;
  private stage: FrameStage | null = null;
  private readonly smoother = new MaskSmoother();
  private settings: RelightSettings;
  private frameIndex = 0;
  private fault: FaultKind | null = null;
  private timings: EngineTimings = { segmentMs: 0, stageMs: 0, totalMs: 0 };
  private disposed = false;
  private customLighting: Float32Array | null = null;

  constructor(private readonly config: EngineConfig) {
    this.settings = config.settings;
  }

  async init(onProgress?: (what: string, fraction: number) => void): Promise<EngineInfo> {
    try {
      onProgress?.('segmenter', 0);
      this.segmenter = await createSegmenter(this.config.segmenter, this.config.assetBaseUrl, hintAspect(this.config.frameSizeHint));
      await this.segmenter.init();
      onProgress?.('segmenter', 1);
    } catch (e) {
      throw new RelightError('segmenter-failed', `segmenter failed to start: ${describeError(e)}`, { cause: e });
    }
    try {
      onProgress?.('stage', 0);
      this.stage = await createStage(this.config.stage, {
        geometry: this.config.geometry,
        assetBaseUrl: this.config.assetBaseUrl,
        onProgress,
      });
      await this.stage.init();
      if (this.customLighting) this.stage.setCustomLighting?.(this.customLighting);
      onProgress?.('stage', 1);
    } catch (e) {
      throw new RelightError('stage-failed', `stage "${this.config.stage}" failed to start: ${describeError(e)}`, { cause: e });
    }
    await this.warmUp();
    return this.info();
  }

  /**
   * One frame through segmentation and the stage before we report ready: the first inference of each model is
   * several times slower (graph set-up, wasm tier-up), and it must not hit a live frame's timeout.
   */
  private async warmUp(): Promise<void> {
    // The camera's shape (so the segmentation model that will serve it is the one warmed up), 640 wide.
    const aspect = hintAspect(this.config.frameSizeHint) ?? 4 / 3;
    const w = 640, h = Math.max(2, Math.min(1280, 2 * Math.round(320 / aspect)));
    const pixels = new Uint8ClampedArray(w * h * 4).fill(128);
    const frame = trackOpen('VideoFrame', new VideoFrame(pixels, { format: 'RGBA', codedWidth: w, codedHeight: h, timestamp: 0 }));
    try {
      const out = await this.process(frame);
      closeTracked('VideoFrame', out);
    } finally {
      this.frameIndex = 0;
      this.smoother.reset();
      this.stage?.reset?.();
    }
  }

  info(): EngineInfo {
    return {
      stage: this.stage?.name ?? this.config.stage,
      segmenter: this.segmenter?.backend() ?? 'none',
      backend: this.stage?.backend() ?? 'none',
    };
  }

  updateSettings(settings: RelightSettings): void {
    this.settings = settings;
  }

  setCustomLighting(irradianceSh: Float32Array | null): void {
    this.customLighting = irradianceSh;
    this.stage?.setCustomLighting?.(irradianceSh);
  }

  injectFault(kind: FaultKind | null): void {
    this.fault = kind;
  }

  lastTimings(): EngineTimings {
    return this.timings;
  }

  async process(frame: VideoFrame): Promise<VideoFrame> {
    const t0 = performance.now();
    try {
      if (this.disposed || !this.segmenter || !this.stage) throw new RelightError('disposed', 'engine is not running');
      const index = this.frameIndex++;
      if (this.fault === 'segmenter-throw') throw new RelightError('segmenter-failed', 'injected segmenter fault');
      let mask: Mask | null = null;
      const tSeg = performance.now();
      try {
        const raw = await this.segmenter.segment(frame, frame.timestamp / 1000);
        mask = this.smoother.push(raw, this.settings.smoothing);
      } catch (e) {
        throw new RelightError('segmenter-failed', `segmentation failed: ${describeError(e)}`, { cause: e });
      }
      const tStage = performance.now();
      if (this.fault === 'stage-throw') throw new RelightError('stage-failed', 'injected stage fault');
      let out: VideoFrame;
      try {
        out = await this.stage.process({ frame, mask, settings: this.settings, frameIndex: index });
      } catch (e) {
        if (e instanceof RelightError) throw e;
        throw new RelightError('stage-failed', `stage "${this.stage.name}" failed: ${describeError(e)}`, { cause: e });
      }
      const tEnd = performance.now();
      this.timings = {
        ...this.stage.lastTimings(),
        segmentMs: tStage - tSeg,
        stageMs: tEnd - tStage,
        totalMs: tEnd - t0,
      };
      return out;
    } finally {
      closeTracked('VideoFrame', frame);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stage?.dispose();
    this.segmenter?.dispose();
    this.stage = null;
    this.segmenter = null;
  }
}

/** width / height of a usable size hint, else undefined. */
function hintAspect(hint: EngineConfig['frameSizeHint']): number | undefined {
  if (!hint || !(hint.widthPx > 0) || !(hint.heightPx > 0)) return undefined;
  const aspect = hint.widthPx / hint.heightPx;
  return Number.isFinite(aspect) ? aspect : undefined;
}
