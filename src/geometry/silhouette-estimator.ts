/**
 * `SilhouetteEstimator`: the cheapest GeometryEstimator, no face model and no wasm: person mask -> inflated
 * normals (silhouette-normals.ts) with the same temporal smoothing and grid as the analytic prior. Under 1 ms at
 * 128x96 on this machine; use it when the face model cannot load or the device tier is lowest.
 */
import { RelightError } from '../core/errors.js';
import type { GeometryMaps, Mask } from '../core/types.js';
import type { GeometryEstimator } from './estimator.js';
import { geometryGridFor, type GridSizeOptions } from './geometry-grid.js';
import { NormalHistory, type TemporalOptions } from './normal-history.js';
import { MotionGate } from './prior-blend.js';
import { SilhouetteInflator, type SilhouetteOptions } from './silhouette-normals.js';

export interface SilhouetteEstimatorOptions {
  grid?: GridSizeOptions;
  silhouette?: SilhouetteOptions;
  temporal?: TemporalOptions;
  maskChangeResetFrac?: number;
}

export class SilhouetteEstimator implements GeometryEstimator {
  readonly name = 'silhouette';
  private readonly inflator = new SilhouetteInflator();
  private readonly history: NormalHistory;
  private readonly motion: MotionGate;
  private disposed = false;
  private lastMs = 0;

  constructor(private readonly options: SilhouetteEstimatorOptions = {}) {
    this.history = new NormalHistory(options.temporal);
    this.motion = new MotionGate(Infinity, options.maskChangeResetFrac);
  }

  async init(): Promise<void> {}

  async estimate(frame: VideoFrame, mask: Mask, timestampMs: number): Promise<GeometryMaps> {
    if (this.disposed) throw new RelightError('disposed', '[SilhouetteEstimator] disposed');
    const t0 = performance.now();
    const grid = geometryGridFor(frame.displayWidth, frame.displayHeight, this.options.grid);
    const sil = this.inflator.inflate(mask, grid, this.options.silhouette);
    const reset = this.motion.check(sil.mask, null, grid.frameAspect);
    const smoothed = this.history.update(grid, sil.normals, sil.confidence, timestampMs, reset);
    this.lastMs = performance.now() - t0;
    return { widthPx: grid.widthPx, heightPx: grid.heightPx, normals: smoothed.normals, confidence: smoothed.confidence, source: this.name };
  }

  lastTimings(): { silhouetteMs: number; totalMs: number } {
    return { silhouetteMs: this.lastMs, totalMs: this.lastMs };
  }

  backend(): string {
    return 'cpu';
  }

  dispose(): void {
    this.disposed = true;
  }
}
