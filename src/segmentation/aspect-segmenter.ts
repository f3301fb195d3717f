/**
 * The product's segmenter: MediaPipe's selfie model in the variant that fits the shape of the camera's frames.
 * Wide frames (aspect >= 1.5: 16:9, 16:10) go to the landscape model (256x144 input), others (4:3, 5:4, portrait)
 * to the general one (256x256). Measured in Chromium on 16:9 crops of 44 real portraits and 9 talking-head clip
 * frames at 1280x720 (2026-11-24, CPU): the two masks agree (median IoU 0.987, the landscape one a little tighter
 * around loose hair), and the landscape model takes 11.5 ms per frame against 17.6 ms.
 *
 * The variant for the first frames comes from `frameAspectHint` (the camera's settings), so the engine's warm-up
 * already runs the right one. When the frames' shape changes (a camera switch), the other variant starts and warms
 * up on a clone of that frame in the background while the current one keeps serving every frame; it takes over
 * once warm and the old one is disposed. A variant that fails to start is not tried again: the current one goes
 * on (its masks are valid for any frame shape, only slower or coarser) and the failure is logged; at start-up the
 * other variant is tried before giving up.
 *
 * Ownership: as the Segmenter seam says (borrows the frame; the clone for a warm-up is its own and is closed).
 */
import type { Mask } from '../core/types.js';
import { RelightError, describeError } from '../core/errors.js';
import { closeTracked, trackOpen } from '../core/leak-tracker.js';
import type { Segmenter } from './segmenter.js';
import type { SegmenterModelVariant } from './mediapipe-assets.js';

/** Frames at least this wide (width / height) use the landscape model. */
export const LANDSCAPE_MIN_ASPECT = 1.5;

export function variantForAspect(aspect: number | undefined): SegmenterModelVariant {
  return aspect !== undefined && Number.isFinite(aspect) && aspect >= LANDSCAPE_MIN_ASPECT ? 'landscape' : 'general';
}

export interface AspectAwareSegmenterOptions {
  /** Expected width / height of the frames (the camera's settings); undefined = the general model until frames say. */
  frameAspectHint?: number;
  /** Makes (does not start) a segmenter for one variant: MediaPipeSegmenter in the product, a double in tests. */
  createVariant: (variant: SegmenterModelVariant) => Segmenter;
}

interface Slot {
  readonly variant: SegmenterModelVariant;
  readonly segmenter: Segmenter;
}

export class AspectAwareSegmenter implements Segmenter {
  private current: Slot | null = null;
  private initPromise: Promise<void> | null = null;
  /** The variant starting in the background, if any. */
  private pending: SegmenterModelVariant | null = null;
  private readonly failed = new Set<SegmenterModelVariant>();
  private disposed = false;
  /** Variant switches completed (for stats and tests). */
  switches = 0;

  constructor(private readonly options: AspectAwareSegmenterOptions) {}

  /**
   * Starts the hinted variant; if that fails (e.g. a host that serves only the general model), the other one: a
   * call must not lose its segmentation to a missing optional file. Fails only when neither starts.
   */
  init(): Promise<void> {
    this.initPromise ??= (async () => {
      const first = variantForAspect(this.options.frameAspectHint);
      let slot: Slot | null = null;
      let firstError: unknown = null;
      for (const variant of [first, first === 'general' ? 'landscape' : 'general'] as const) {
        const candidate = this.make(variant);
        try {
          await candidate.segmenter.init();
          slot = candidate;
          break;
        } catch (e) {
          candidate.segmenter.dispose();
          if (firstError !== null) break;
          firstError = e;
          this.failed.add(variant);
          console.warn(`[AspectAwareSegmenter] the ${variant} model failed to start, trying the other: ${describeError(e)}`);
        }
      }
      if (!slot) {
        this.failed.clear();
        this.initPromise = null;
        throw firstError;
      }
      if (this.disposed) {
        slot.segmenter.dispose();
        throw new RelightError('disposed', '[AspectAwareSegmenter] disposed during init');
      }
      this.current = slot;
    })();
    return this.initPromise;
  }

  async segment(frame: VideoFrame, timestampMs: number): Promise<Mask> {
    if (this.disposed) throw new RelightError('disposed', '[AspectAwareSegmenter] segment() after dispose()');
    if (!this.current) await this.init();
    const current = this.current!;
    const wanted = variantForAspect(frame.displayWidth / frame.displayHeight);
    if (wanted !== current.variant && this.pending === null && !this.failed.has(wanted)) this.startSwitch(wanted, frame, timestampMs);
    return current.segmenter.segment(frame, timestampMs);
  }

  /** Starts `variant` and runs it once on a clone of `frame`; swaps it in when that worked. Never throws. */
  private startSwitch(variant: SegmenterModelVariant, frame: VideoFrame, timestampMs: number): void {
    this.pending = variant;
    let warmFrame: VideoFrame;
    try {
      warmFrame = trackOpen('VideoFrame', frame.clone());
    } catch (e) {
      this.pending = null;
      this.failed.add(variant);
      console.warn(`[AspectAwareSegmenter] cannot switch to the ${variant} model: ${describeError(e)}`);
      return;
    }
    const slot = this.make(variant);
    void (async () => {
      try {
        await slot.segmenter.init();
        await slot.segmenter.segment(warmFrame, timestampMs);
      } finally {
        closeTracked('VideoFrame', warmFrame);
      }
    })().then(
      () => {
        this.pending = null;
        if (this.disposed) {
          slot.segmenter.dispose();
          return;
        }
        const old = this.current;
        this.current = slot;
        this.switches++;
        old?.segmenter.dispose();
      },
      (e: unknown) => {
        this.pending = null;
        slot.segmenter.dispose();
        if (this.disposed) return;
        this.failed.add(variant);
        console.warn(`[AspectAwareSegmenter] the ${variant} model failed to start, staying on ${this.current?.variant}: ${describeError(e)}`);
      },
    );
  }

  private make(variant: SegmenterModelVariant): Slot {
    return { variant, segmenter: this.options.createVariant(variant) };
  }

  /** The variant serving frames now. */
  variant(): SegmenterModelVariant | null {
    return this.current?.variant ?? null;
  }

  backend(): string {
    return this.current?.segmenter.backend() ?? 'mediapipe (starting)';
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.current?.segmenter.dispose();
    this.current = null;
  }
}
