/**
 * Temporal smoothing of geometry maps (pure): a per-pixel exponential moving average of normals and confidence,
 * with a time constant rather than a per-frame factor so it behaves the same at 15 and 30 fps. Normals are
 * averaged weighted by confidence and renormalised; a pixel the new frame does not know keeps its old normal while
 * its confidence decays. `reset` (large motion, a cut, a new grid, a long gap) starts from the new frame.
 */
import { sameGrid, type GeometryGrid } from './geometry-grid.js';

export interface TemporalOptions {
  /** EMA time constant in ms; 0 disables smoothing. Default 50 (about 0.5 weight on the new frame at 30 fps). */
  tauMs?: number;
  /** A gap longer than this (or time going backwards) resets the history. Default 500. */
  resetGapMs?: number;
}

export interface SmoothedMaps {
  /** Fresh arrays owned by the caller. */
  readonly normals: Float32Array;
  readonly confidence: Float32Array;
  /** True when this call started a new history (no blending happened). */
  readonly wasReset: boolean;
}

export class NormalHistory {
  private grid: GeometryGrid | null = null;
  private normals = new Float32Array(0);
  private confidence = new Float32Array(0);
  private lastTimestampMs = NaN;

  constructor(private readonly options: TemporalOptions = {}) {}

  reset(): void {
    this.grid = null;
    this.lastTimestampMs = NaN;
  }

  update(grid: GeometryGrid, normals: Float32Array, confidence: Float32Array, timestampMs: number, forceReset = false): SmoothedMaps {
    const tau = this.options.tauMs ?? 50;
    const gap = this.options.resetGapMs ?? 500;
    const dt = timestampMs - this.lastTimestampMs;
    const restart = forceReset || tau <= 0 || !sameGrid(this.grid, grid) || !(dt >= 0) || dt > gap;
    this.lastTimestampMs = timestampMs;
    if (restart) {
      this.grid = grid;
      this.normals = normals.slice();
      this.confidence = confidence.slice();
      return { normals: normals.slice(), confidence: confidence.slice(), wasReset: true };
    }
    const alpha = 1 - Math.exp(-Math.max(dt, 1) / tau);
    const hn = this.normals;
    const hc = this.confidence;
    for (let i = 0; i < hc.length; i++) {
      const cNew = confidence[i]!;
      const cOld = hc[i]!;
      const wNew = alpha * cNew;
      const wOld = (1 - alpha) * cOld;
      let c = alpha * cNew + (1 - alpha) * cOld;
      const j = 3 * i;
      // Ghosts of a moved person fade out; below 1e-3 they are gone (no endless exponential tail).
      if (c < 1e-3) c = 0;
      if (c === 0 || wNew + wOld <= 0) {
        hn[j] = hn[j + 1] = hn[j + 2] = 0;
        hc[i] = c;
        continue;
      }
      const x = wNew * normals[j]! + wOld * hn[j]!;
      const y = wNew * normals[j + 1]! + wOld * hn[j + 1]!;
      const z = wNew * normals[j + 2]! + wOld * hn[j + 2]!;
      const l = Math.hypot(x, y, z);
      if (l > 1e-8) {
        hn[j] = x / l;
        hn[j + 1] = y / l;
        hn[j + 2] = z / l;
      }
      hc[i] = c;
    }
    return { normals: hn.slice(), confidence: hc.slice(), wasReset: false };
  }
}
