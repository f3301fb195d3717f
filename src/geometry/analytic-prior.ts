/**
 * The analytic geometry prior (what the student model distils):
 * - face: MediaPipe face landmarks -> landmark-mesh normals rasterised with the canonical triangles
 *   (face-raster.ts), confidence 1 inside the face, feathered to 0 at its border;
 * - everything else of the person (hair, neck, body): silhouette inflation of the person mask
 *   (silhouette-normals.ts), confidence 0.5 x mask;
 * - blend: n = normalize(cf * n_face + (1 - cf) * cs * n_sil), confidence cf + (1 - cf) * cs, so the feathered
 *   face confidence gives a seamless transition;
 * - temporal EMA (normal-history.ts), reset on large face or mask motion.
 * Every call returns GeometryMaps on the geometry grid (geometry-grid.ts: whole frame, long side 128 by default).
 *
 * `SilhouetteEstimator` (silhouette-estimator.ts) is the mask-only fallback.
 */
import { describeError, RelightError } from '../core/errors.js';
import type { GeometryMaps, Mask } from '../core/types.js';
import type { GeometryEstimator } from './estimator.js';
import { FaceLandmarks, type FaceLandmarkResult, type FaceLandmarksOptions, type LandmarkDetector } from './face-landmarks.js';
import { FaceRasterizer, type FaceRasterOptions } from './face-raster.js';
import { geometryGridFor, type GeometryGrid, type GridSizeOptions } from './geometry-grid.js';
import { NormalHistory, type TemporalOptions } from './normal-history.js';
import { blendFaceOverSilhouette, MotionGate } from './prior-blend.js';
import { SilhouetteInflator, type SilhouetteOptions } from './silhouette-normals.js';

export interface AnalyticPriorOptions {
  /** Landmark source; default a tasks-vision `FaceLandmarks` built from `faceLandmarks`. */
  landmarks?: LandmarkDetector;
  faceLandmarks?: FaceLandmarksOptions;
  grid?: GridSizeOptions;
  face?: FaceRasterOptions;
  silhouette?: SilhouetteOptions;
  temporal?: TemporalOptions;
  /** Reset the temporal history when the face centre moves more than this fraction of the face size. Default 0.15. */
  faceMotionResetFrac?: number;
  /** Reset when more than this fraction of the person's grid pixels flip in/out of the mask. Default 0.25. */
  maskChangeResetFrac?: number;
}

/** Per-step timings of the last estimate, ms. */
export interface AnalyticPriorTimings {
  landmarksMs: number;
  faceRasterMs: number;
  silhouetteMs: number;
  blendMs: number;
  totalMs: number;
}

/** The unsmoothed layers of the last estimate (copies), for pseudo-labels and debugging. */
export interface PriorLayers {
  readonly grid: GeometryGrid;
  readonly faceNormals: Float32Array | null;
  readonly faceConfidence: Float32Array | null;
  readonly silhouetteNormals: Float32Array;
  readonly silhouetteConfidence: Float32Array;
  /** The mask on the grid. */
  readonly mask: Float32Array;
  readonly blendedNormals: Float32Array;
  readonly blendedConfidence: Float32Array;
  readonly landmarks: FaceLandmarkResult | null;
}

/**
 * The prior as it makes the student's pseudo ground truth (scripts/dump-priors.mjs): every image on its own
 * (landmarks in IMAGE mode, i.e. face detection each time; no temporal filter) on a square grid. The bench times
 * this configuration too (`student_speedup_vs_teacher_priors`).
 */
export function teacherPriorOptions(gridSizePx = 256): AnalyticPriorOptions {
  return { grid: { widthPx: gridSizePx, heightPx: gridSizePx }, temporal: { tauMs: 0 }, faceLandmarks: { runningMode: 'IMAGE' } };
}

export class AnalyticPriorEstimator implements GeometryEstimator {
  readonly name = 'analytic-prior';
  private readonly detector: LandmarkDetector;
  private readonly rasterizer = new FaceRasterizer();
  private readonly inflator = new SilhouetteInflator();
  private readonly history: NormalHistory;
  private readonly motion: MotionGate;
  private blendN = new Float32Array(0);
  private blendC = new Float32Array(0);
  private timings: AnalyticPriorTimings = { landmarksMs: 0, faceRasterMs: 0, silhouetteMs: 0, blendMs: 0, totalMs: 0 };
  private layers: (() => PriorLayers) | null = null;
  private disposed = false;
  private landmarkFailures = 0;

  constructor(private readonly options: AnalyticPriorOptions = {}) {
    this.detector = options.landmarks ?? new FaceLandmarks(options.faceLandmarks);
    this.history = new NormalHistory(options.temporal);
    this.motion = new MotionGate(options.faceMotionResetFrac, options.maskChangeResetFrac);
  }

  init(): Promise<void> {
    return this.detector.init();
  }

  async estimate(frame: VideoFrame, mask: Mask, timestampMs: number): Promise<GeometryMaps> {
    if (this.disposed) throw new RelightError('disposed', '[AnalyticPriorEstimator] disposed');
    const t0 = performance.now();
    const grid = geometryGridFor(frame.displayWidth, frame.displayHeight, this.options.grid);
    let landmarks: FaceLandmarkResult | null = null;
    try {
      landmarks = await this.detector.detect(frame, timestampMs);
    } catch (e) {
      if (e instanceof RelightError && e.code === 'disposed') throw e;
      // Fail soft: one bad landmark call degrades this frame to the silhouette prior.
      if (this.landmarkFailures++ < 3) console.warn(`[AnalyticPriorEstimator] landmarks failed, silhouette only: ${describeError(e)}`);
    }
    const t1 = performance.now();
    const face = landmarks ? this.rasterizer.rasterize(landmarks.points, grid, this.options.face) : null;
    const hasFace = !!face && face.coveredPx > 0;
    const t2 = performance.now();
    const sil = this.inflator.inflate(mask, grid, this.options.silhouette);
    const t3 = performance.now();
    const n = grid.widthPx * grid.heightPx;
    if (this.blendC.length !== n) {
      this.blendN = new Float32Array(3 * n);
      this.blendC = new Float32Array(n);
    }
    blendFaceOverSilhouette(hasFace ? face.normals : null, hasFace ? face.confidence : null, sil.normals, sil.confidence, this.blendN, this.blendC);
    const largeMotion = this.motion.check(sil.mask, landmarks?.points ?? null, grid.frameAspect);
    const smoothed = this.history.update(grid, this.blendN, this.blendC, timestampMs, largeMotion);
    const t4 = performance.now();
    this.timings = { landmarksMs: t1 - t0, faceRasterMs: t2 - t1, silhouetteMs: t3 - t2, blendMs: t4 - t3, totalMs: t4 - t0 };
    // Copies are made only if someone asks (pseudo-labelling), not per frame.
    const faceN = hasFace ? face.normals : null, faceC = hasFace ? face.confidence : null;
    const silN = sil.normals, silC = sil.confidence, gridMask = sil.mask, bN = this.blendN, bC = this.blendC;
    this.layers = () => ({
      grid,
      faceNormals: faceN ? faceN.slice() : null,
      faceConfidence: faceC ? faceC.slice() : null,
      silhouetteNormals: silN.slice(),
      silhouetteConfidence: silC.slice(),
      mask: gridMask.slice(),
      blendedNormals: bN.slice(),
      blendedConfidence: bC.slice(),
      landmarks,
    });
    return { widthPx: grid.widthPx, heightPx: grid.heightPx, normals: smoothed.normals, confidence: smoothed.confidence, source: this.name };
  }

  lastTimings(): AnalyticPriorTimings {
    return { ...this.timings };
  }

  /**
   * The unsmoothed layers of the last estimate (copies). Valid until the next `estimate` call (the buffers are
   * reused), so call it right after `estimate` resolves.
   */
  lastLayers(): PriorLayers | null {
    return this.layers ? this.layers() : null;
  }

  /** Forget temporal history (e.g. on a camera switch). */
  resetHistory(): void {
    this.history.reset();
    this.motion.reset();
  }

  backend(): string {
    return 'cpu';
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.layers = null;
    this.detector.dispose();
  }
}
