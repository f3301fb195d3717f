/**
 * `StudentEstimator`: the distilled ONNX student (models/student.onnx, models/MODELS.md) through onnxruntime-web.
 *
 * Per call: VideoFrame -> letterboxed 128x128 RGBA (browser scaler) + mask -> input tensor (student-io.ts) ->
 * inference -> GeometryMaps on the frame's content grid (e.g. 128x96 for 4:3).
 * - The model runs on every `everyNFrames`-th call (default 1: RelightStage already schedules it every
 *   `settings.modelEveryNFrames` frames); other calls return the smoothed last output, re-masked with the
 *   current mask so edges follow the segmenter.
 * - Temporal smoothing: exponential, time-based (keep = exp(-dt / smoothingTauMs)); reset on a frame-size change
 *   or a gap longer than `resetAfterMs`.
 * - Backpressure: a call that arrives while an inference is in flight gets the last output (never queues).
 * - Every ORT tensor is disposed after use and counted by the leak tracker ('OrtTensor').
 *
 * Ownership: BORROWS the frame and the mask (the frame is read synchronously into a canvas before any await);
 * returns new arrays the caller owns.
 */
import type { GeometryMaps, Mask } from '../core/types.js';
import type { GeometryEstimator } from './estimator.js';
import { RelightError, describeError } from '../core/errors.js';
import { noteClosed, noteOpened } from '../core/leak-tracker.js';
import {
  blendGeometryInto, frameToModelRgba, letterboxLayout, maskOnContent, packStudentInput, remaskGeometry,
  sameLayout, studentOutputToGeometry, STUDENT_INPUT_SIZE_PX, type LetterboxLayout,
} from './student-io.js';
import { createStudentSession, studentModelUrl, type StudentSession } from './student-session.js';

export interface StudentEstimatorOptions {
  /** Where the model and ORT's wasm are served (see STUDENT_ASSET_FILES); default: the bundle's URLs. */
  assetBaseUrl?: string | undefined;
  /** Explicit model URL or bytes (tests); overrides assetBaseUrl for the model. */
  model?: string | Uint8Array;
  backend?: 'auto' | 'wasm' | 'webgpu';
  /** Square input side the model was exported with. Default 128. */
  inputSizePx?: number;
  /** Run the model on every Nth call; the calls between return the smoothed last output. Default 1. */
  everyNFrames?: number;
  /** Time constant of the temporal EMA, ms (0 = off). Default 50. */
  smoothingTauMs?: number;
  /** Forget the history after a gap this long, ms. Default 500. */
  resetAfterMs?: number;
}

/** Milliseconds of the last call that ran the model, by step. */
export interface StudentTimings {
  /** Frame -> model-size RGBA (browser scaler + readback) -> input tensor. */
  prepareMs: number;
  /** session.run. */
  inferenceMs: number;
  /** Output planes -> GeometryMaps, smoothing, masking. */
  postMs: number;
}

interface SmoothState {
  layout: LetterboxLayout;
  normals: Float32Array;
  confidence: Float32Array;
  albedo: Float32Array;
  timestampMs: number;
}

export class StudentEstimator implements GeometryEstimator {
  readonly name = 'student';
  private session: StudentSession | null = null;
  private canvas: OffscreenCanvas | null = null;
  private input: Float32Array | null = null;
  private state: SmoothState | null = null;
  private calls = 0;
  private busy = false;
  private inflight: Promise<unknown> | null = null;
  private disposed = false;
  private readonly size: number;
  private lastInferenceMs = 0;
  private timings: StudentTimings = { prepareMs: 0, inferenceMs: 0, postMs: 0 };
  private inferences = 0;

  constructor(private readonly options: StudentEstimatorOptions = {}) {
    this.size = options.inputSizePx ?? STUDENT_INPUT_SIZE_PX;
  }

  async init(): Promise<void> {
    if (this.session) return;
    const model = this.options.model ?? studentModelUrl(this.options.assetBaseUrl);
    try {
      this.session = await createStudentSession(model, { backend: this.options.backend ?? 'auto', assetBaseUrl: this.options.assetBaseUrl });
    } catch (e) {
      throw new RelightError('geometry-failed', `[StudentEstimator] cannot load the student model: ${describeError(e)}`, { cause: e });
    }
    if (this.disposed) {
      void this.session.release();
      this.session = null;
      throw new RelightError('disposed', '[StudentEstimator] disposed during init');
    }
    this.canvas = new OffscreenCanvas(this.size, this.size);
    this.input = new Float32Array(4 * this.size * this.size);
  }

  backend(): string {
    return this.session?.backend ?? 'none';
  }

  /** Number of model runs so far (the other calls reused the smoothed output). */
  inferenceCount(): number {
    return this.inferences;
  }

  /** Milliseconds of the last inference (session.run only). */
  lastInferenceTimeMs(): number {
    return this.lastInferenceMs;
  }

  async estimate(frame: VideoFrame, mask: Mask, timestampMs: number): Promise<GeometryMaps> {
    if (this.disposed) throw new RelightError('disposed', '[StudentEstimator] disposed');
    const s = this.session;
    if (!s || !this.canvas || !this.input) throw new RelightError('geometry-failed', '[StudentEstimator] estimate before init');
    const layout = letterboxLayout(frame.displayWidth, frame.displayHeight, this.size);
    const maskContent = maskOnContent(mask, layout);
    const every = Math.max(1, Math.floor(this.options.everyNFrames ?? 1));
    const fresh = this.state && sameLayout(this.state.layout, layout) &&
      timestampMs - this.state.timestampMs <= (this.options.resetAfterMs ?? 500) && timestampMs >= this.state.timestampMs;
    const due = (this.calls++ % every) === 0;
    if (fresh && (this.busy || !due)) return remaskGeometry(this.state!, layout, maskContent, this.name);

    // Read the frame before the first await: the caller may close it once we yield.
    const tPrep = performance.now();
    const rgba = frameToModelRgba(frame, layout, this.canvas);
    let prepareMs = performance.now() - tPrep;
    // No usable history and a run in flight (first frames, size change): wait for it rather than run the same
    // session twice at once or repack the shared input buffer under it.
    while (this.inflight) await this.inflight.catch(() => undefined);
    if (this.disposed) throw new RelightError('disposed', '[StudentEstimator] disposed');
    const tPack = performance.now();
    const data = packStudentInput(rgba, mask, layout, this.input!);
    prepareMs += performance.now() - tPack;
    this.busy = true;
    let raw;
    try {
      const run = this.infer(s, data);
      this.inflight = run;
      raw = await run;
    } catch (e) {
      if (e instanceof RelightError) throw e;
      throw new RelightError('geometry-failed', `[StudentEstimator] inference failed: ${describeError(e)}`, { cause: e });
    } finally {
      this.busy = false;
      this.inflight = null;
    }
    if (this.disposed) throw new RelightError('disposed', '[StudentEstimator] disposed during inference');
    const tPost = performance.now();
    // Unmasked maps are smoothed; the current mask is applied on every output.
    const ones = new Float32Array(layout.contentWidthPx * layout.contentHeightPx).fill(1);
    const next = studentOutputToGeometry(raw, layout, ones, this.name);
    const tau = this.options.smoothingTauMs ?? 50;
    const st = this.state;
    if (st && sameLayout(st.layout, layout) && tau > 0 && timestampMs >= st.timestampMs &&
      timestampMs - st.timestampMs <= (this.options.resetAfterMs ?? 500)) {
      blendGeometryInto(st, next, Math.exp(-(timestampMs - st.timestampMs) / tau));
      st.timestampMs = timestampMs;
    } else {
      this.state = { layout, normals: next.normals, confidence: next.confidence, albedo: next.albedo!, timestampMs };
    }
    const result = remaskGeometry(this.state!, layout, maskContent, this.name);
    this.timings = { prepareMs, inferenceMs: this.lastInferenceMs, postMs: performance.now() - tPost };
    return result;
  }

  lastTimings(): StudentTimings {
    return { ...this.timings };
  }

  private async infer(s: StudentSession, data: Float32Array) {
    const input = new s.ort.Tensor('float32', data, [1, 4, this.size, this.size]);
    noteOpened('OrtTensor');
    let outputs: Record<string, { data: unknown; dispose(): void }> | null = null;
    try {
      const t0 = performance.now();
      outputs = await s.session.run({ [s.inputName]: input }) as unknown as Record<string, { data: unknown; dispose(): void }>;
      this.lastInferenceMs = performance.now() - t0;
      this.inferences++;
      noteOpened('OrtTensor', Object.keys(outputs).length);
      const get = (name: string): Float32Array => {
        const t = outputs![name];
        if (!t || !(t.data instanceof Float32Array)) throw new RelightError('geometry-failed', `[StudentEstimator] model has no float32 output "${name}"`);
        return new Float32Array(t.data);   // copy: the tensor's buffer is released below
      };
      return { normals: get('normals'), confidence: get('confidence'), albedo: get('albedo') };
    } finally {
      input.dispose();
      noteClosed('OrtTensor');
      if (outputs) {
        for (const t of Object.values(outputs)) {
          t.dispose();
          noteClosed('OrtTensor');
        }
      }
    }
  }

  /** Forgets the temporal history (e.g. after a camera switch). */
  reset(): void {
    this.state = null;
    this.calls = 0;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.state = null;
    this.input = null;
    this.canvas = null;
    const s = this.session;
    this.session = null;
    // Never release the session under a running inference: wait for it (its result is dropped).
    const pending = this.inflight ?? Promise.resolve();
    if (s) {
      void pending.catch(() => undefined).then(() => s.release())
        .catch((e: unknown) => console.warn(`[StudentEstimator] release failed: ${describeError(e)}`));
    }
  }
}
