/**
 * Face landmarks from a camera frame: tasks-vision 1.1.0 `FaceLandmarker` (VIDEO mode, CPU delegate) with the
 * `face_landmarker.task` that scripts/build-face-landmarker.mjs builds from @mediapipe/face_mesh (no network).
 * Works on a page and in a module worker: the wasm loader is installed through the segmentation seam's
 * `createVisionTask`, which also serialises task creation per realm (tasks-vision's `ModuleFactory` global is
 * shared, so the segmenter and this must not be created at the same moment).
 *
 * Output convention (`FaceLandmarkResult.points`, 3 floats per point): x, y normalised to the frame (0..1, origin
 * top-left, +y down), z MediaPipe's relative depth (scaled like x, i.e. in units of the frame width; smaller =
 * closer to the camera). 478 points: the 468 mesh points (canonical-mesh.generated.ts numbering) + 10 iris
 * points, which with our model are only eye-contour averages (do not use them for gaze).
 */
import { FaceLandmarker as MpFaceLandmarker } from '@mediapipe/tasks-vision';
import { RelightError, describeError } from '../core/errors.js';
import { createVisionTask, resolveSegmenterAssets } from '../segmentation/mediapipe-assets.js';

export const FACE_LANDMARK_COUNT = 478;
export const FACE_MESH_POINT_COUNT = 468;

/** File layout under an `assetBaseUrl` (same base and wasm layout as the segmenter's SEGMENTER_ASSET_FILES). */
export const FACE_LANDMARKER_ASSET_FILE = 'models/face_landmarker.task';

export interface FaceLandmarkResult {
  /** FACE_LANDMARK_COUNT x (x, y, z), see the file comment for units. */
  readonly points: Float32Array;
  /** Frame size the points were measured on. */
  readonly frameWidthPx: number;
  readonly frameHeightPx: number;
}

/** The landmark role, so estimators can be tested with synthetic landmarks. */
export interface LandmarkDetector {
  init(): Promise<void>;
  /** BORROWS `frame`. Null when no face is found. `timestampMs` should increase (video mode). */
  detect(frame: VideoFrame, timestampMs: number): Promise<FaceLandmarkResult | null>;
  backend(): string;
  dispose(): void;
}

export interface FaceLandmarksOptions {
  /** Base URL of a copied asset tree (extension, embedder); default: URLs resolved by the bundler. */
  assetBaseUrl?: string;
  /** Explicit model URL (overrides assetBaseUrl for the model). */
  modelUrl?: string;
  minDetectionConfidence?: number;
  minPresenceConfidence?: number;
  minTrackingConfidence?: number;
  /**
   * 'VIDEO' (default): tracks the face from frame to frame (cheaper, steadier). 'IMAGE': every call detects from
   * scratch, independent of earlier calls (for unrelated stills, e.g. pseudo-labelling a photo set).
   */
  runningMode?: 'VIDEO' | 'IMAGE';
}

function defaultModelUrl(): string {
  // Literal `new URL(..., import.meta.url)` so Vite emits the generated file as an asset in builds.
  return new URL('../../models/generated/face_landmarker.task', import.meta.url).href;
}

export function resolveFaceLandmarkerModelUrl(opts: FaceLandmarksOptions = {}): string {
  if (opts.modelUrl) return new URL(opts.modelUrl, globalThis.location?.href).href;
  if (opts.assetBaseUrl) {
    const base = new URL(opts.assetBaseUrl.endsWith('/') ? opts.assetBaseUrl : `${opts.assetBaseUrl}/`, globalThis.location?.href);
    return new URL(FACE_LANDMARKER_ASSET_FILE, base).href;
  }
  return defaultModelUrl();
}

/** tasks-vision FaceLandmarker, VIDEO mode by default, CPU delegate (the GPU delegate reads back slowly on SwiftShader). */
export class FaceLandmarks implements LandmarkDetector {
  private landmarker: MpFaceLandmarker | null = null;
  private initPromise: Promise<void> | null = null;
  private disposed = false;
  private lastTimestampMs = -Infinity;

  constructor(private readonly options: FaceLandmarksOptions = {}) {}

  init(): Promise<void> {
    this.initPromise ??= this.create();
    return this.initPromise;
  }

  private async create(): Promise<void> {
    const modelUrl = resolveFaceLandmarkerModelUrl(this.options);
    const { wasmLoaderUrl, wasmBinaryUrl } = resolveSegmenterAssets('general', this.options.assetBaseUrl);
    let model: Uint8Array;
    try {
      const res = await fetch(modelUrl);
      if (!res.ok) throw new Error(`HTTP ${res.status} (run \`npm run build:models\`?)`);
      model = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new RelightError('geometry-failed', `[FaceLandmarks] cannot fetch ${modelUrl}: ${describeError(e)}`, { cause: e });
    }
    try {
      const landmarker = await createVisionTask({ wasmLoaderUrl, wasmBinaryUrl }, (fileset) =>
        MpFaceLandmarker.createFromOptions(fileset, {
          baseOptions: { modelAssetBuffer: model, delegate: 'CPU' },
          runningMode: this.options.runningMode ?? 'VIDEO',
          numFaces: 1,
          minFaceDetectionConfidence: this.options.minDetectionConfidence ?? 0.5,
          minFacePresenceConfidence: this.options.minPresenceConfidence ?? 0.5,
          minTrackingConfidence: this.options.minTrackingConfidence ?? 0.5,
          outputFaceBlendshapes: false,
          outputFacialTransformationMatrixes: false,
        }));
      if (this.disposed) {
        landmarker.close();
        return;
      }
      this.landmarker = landmarker;
    } catch (e) {
      if (e instanceof RelightError && e.code !== 'segmenter-failed') throw e;
      throw new RelightError('geometry-failed', `[FaceLandmarks] cannot create FaceLandmarker: ${describeError(e)}`, { cause: e });
    }
  }

  async detect(frame: VideoFrame, timestampMs: number): Promise<FaceLandmarkResult | null> {
    if (this.disposed) throw new RelightError('disposed', '[FaceLandmarks] disposed');
    if (!this.landmarker) await this.init();
    const landmarker = this.landmarker;
    if (!landmarker) throw new RelightError('disposed', '[FaceLandmarks] disposed during init');
    // VIDEO mode rejects non-increasing timestamps; a restarted clock must not kill the call.
    const ts = timestampMs > this.lastTimestampMs ? timestampMs : this.lastTimestampMs + 1;
    this.lastTimestampMs = ts;
    let result;
    try {
      result = this.options.runningMode === 'IMAGE' ? landmarker.detect(frame) : landmarker.detectForVideo(frame, ts);
    } catch (e) {
      throw new RelightError('geometry-failed', `[FaceLandmarks] detectForVideo failed: ${describeError(e)}`, { cause: e });
    }
    const face = result.faceLandmarks[0];
    if (!face || face.length < FACE_MESH_POINT_COUNT) return null;
    const points = new Float32Array(FACE_LANDMARK_COUNT * 3);
    const n = Math.min(face.length, FACE_LANDMARK_COUNT);
    for (let i = 0; i < n; i++) {
      const p = face[i]!;
      points[3 * i] = p.x;
      points[3 * i + 1] = p.y;
      points[3 * i + 2] = p.z;
    }
    return { points, frameWidthPx: frame.displayWidth, frameHeightPx: frame.displayHeight };
  }

  backend(): string {
    return 'mediapipe-cpu';
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.landmarker?.close();
    this.landmarker = null;
  }
}
