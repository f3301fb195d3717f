/**
 * The relighting stage: geometry estimator (student -> analytic prior -> silhouette, whichever starts) + renderer
 * (tier table: WebGPU or CPU) + target lighting resolved from the settings.
 *
 * The geometry model runs every `settings.modelEveryNFrames` frames and never blocks rendering: while it is busy,
 * frames are relit with its last (temporally smoothed) output. The estimator gets its own clone of the frame, so
 * this stage never keeps the borrowed input frame past `process`.
 */
import type { FrameStage, StageInput, StageTimings } from './stage.js';
import type { StageOptions, GeometryKind } from './factories.js';
import type { GeometryEstimator } from '../geometry/estimator.js';
import type { Renderer } from '../gpu/renderer.js';
import type { GeometryMaps, TargetLighting } from '../core/types.js';
import type { RelightSettings } from '../core/settings.js';
import { resolveLighting, type CustomLighting } from '../lighting/resolve.js';
import { closeTracked, trackOpen } from '../core/leak-tracker.js';
import { RelightError, describeError } from '../core/errors.js';
import { createRenderer } from '../gpu/renderer-factory.js';
import type { RenderTier } from '../core/tiers.js';
import { exposureNeutralSh } from '../gpu/relight-math.js';

const ESTIMATOR_CHAIN: Record<GeometryKind, GeometryKind[]> = {
  student: ['student', 'analytic', 'silhouette'],
  analytic: ['analytic', 'silhouette'],
  silhouette: ['silhouette'],
};

async function createEstimator(kind: GeometryKind, options: StageOptions, tier: RenderTier): Promise<GeometryEstimator> {
  const grid = { longSidePx: tier.geometrySizePx };
  switch (kind) {
    case 'student': {
      const { StudentEstimator } = await import('../geometry/student-estimator.js');
      return new StudentEstimator({ assetBaseUrl: options.assetBaseUrl });
    }
    case 'analytic': {
      const { AnalyticPriorEstimator } = await import('../geometry/analytic-prior.js');
      return new AnalyticPriorEstimator({ faceLandmarks: { assetBaseUrl: options.assetBaseUrl }, grid });
    }
    case 'silhouette': {
      const { SilhouetteEstimator } = await import('../geometry/silhouette-estimator.js');
      return new SilhouetteEstimator({ grid });
    }
  }
}

export class RelightStage implements FrameStage {
  readonly name = 'relight';
  private estimator: GeometryEstimator | null = null;
  private renderer: Renderer | null = null;
  private geometry: GeometryMaps | null = null;
  private geometryInFlight: Promise<void> | null = null;
  private geometryError: unknown = null;
  private geometryMs = 0;
  private lightingKey = '';
  private lighting: TargetLighting | null = null;
  private custom: CustomLighting | undefined;
  private notes: string[] = [];
  private timings: StageTimings = {};
  private disposed = false;
  private tier: RenderTier | null = null;
  private smoothing = -1;
  /** The target made exposure-neutral over the current geometry's normals, cached per (geometry, lighting). */
  private neutral: { geometry: GeometryMaps; lighting: TargetLighting; intensity: number; result: TargetLighting } | null = null;

  constructor(private readonly options: StageOptions) {}

  async init(): Promise<void> {
    const { renderer, tier, fallbackReason } = await createRenderer();
    this.renderer = renderer;
    this.tier = tier;
    if (fallbackReason) this.notes.push(fallbackReason);
    this.options.onProgress?.('renderer', 1);
    for (const kind of ESTIMATOR_CHAIN[this.options.geometry]) {
      try {
        this.options.onProgress?.(`geometry:${kind}`, 0);
        const est = await createEstimator(kind, this.options, tier);
        await est.init();
        this.estimator = est;
        this.options.onProgress?.(`geometry:${kind}`, 1);
        break;
      } catch (e) {
        this.notes.push(`${kind} unavailable: ${describeError(e)}`);
        console.warn(`[RelightStage] geometry "${kind}" failed to start, trying the next: ${describeError(e)}`);
      }
    }
    if (!this.estimator) throw new RelightError('geometry-failed', `no geometry estimator could start (${this.notes.join('; ')})`);
  }

  setCustomLighting(irradianceSh: Float32Array | null): void {
    this.custom = irradianceSh ? { irradianceSh } : undefined;
    this.lightingKey = '';
  }

  async process({ frame, mask, settings, frameIndex }: StageInput): Promise<VideoFrame> {
    if (!mask || !settings.enabled || !this.renderer || !this.estimator) return trackOpen('VideoFrame', frame.clone());
    if (this.geometryError) {
      const e = this.geometryError;
      this.geometryError = null;
      throw new RelightError('geometry-failed', `geometry estimate failed: ${describeError(e)}`, { cause: e });
    }
    const t0 = performance.now();
    if (settings.smoothing !== this.smoothing) {
      this.smoothing = settings.smoothing;
      this.renderer.configure({ smoothing: settings.smoothing });
    }
    // The tier sets the fastest cadence this device can afford; the user may ask for a slower one.
    const everyN = Math.max(settings.modelEveryNFrames, this.tier?.minModelEveryNFrames ?? 1);
    if (!this.geometry) {
      await this.runGeometry(frame, mask);
    } else if (!this.geometryInFlight && frameIndex % everyN === 0) {
      this.geometryInFlight = this.runGeometry(frame, mask).finally(() => (this.geometryInFlight = null));
    }
    if (!this.geometry) throw new RelightError('geometry-failed', 'no geometry for the first frame');
    const lighting = this.exposureNeutral(this.resolve(settings), this.geometry, settings.intensity);
    const t1 = performance.now();
    const out = await this.renderer.render(frame, mask, this.geometry, lighting);
    const r = this.renderer.lastTimings();
    this.timings = { geometryMs: this.geometryMs, waitGeometryMs: t1 - t0, renderMs: performance.now() - t1, ...prefix(r) };
    return out;
  }

  /** Runs the estimator on a clone of the frame (closed when done) and swaps in the result. */
  private async runGeometry(frame: VideoFrame, mask: StageInput['mask']): Promise<void> {
    const clone = trackOpen('VideoFrame', frame.clone());
    const t0 = performance.now();
    try {
      const g = await this.estimator!.estimate(clone, mask!, frame.timestamp / 1000);
      if (!this.disposed) this.geometry = g;
      this.geometryMs = performance.now() - t0;
    } catch (e) {
      this.geometryError = e;
    } finally {
      closeTracked('VideoFrame', clone);
    }
  }

  /**
   * Presets are normalised over a hemisphere of normals; a person's normals mostly face the camera, where a key
   * light is brighter than that average, so unadjusted presets brightened faces (x1.47 in the skin-tone eval).
   * Scaling the target so its mean irradiance over THIS person's normals is pi keeps their mean brightness (and so
   * their skin tone's lightness): the light redistributes and tints, and `intensity` alone sets the exposure.
   */
  private exposureNeutral(lighting: TargetLighting, geometry: GeometryMaps, intensity: number): TargetLighting {
    const c = this.neutral;
    if (c && c.geometry === geometry && c.lighting === lighting && c.intensity === intensity) return c.result;
    const sh = exposureNeutralSh(lighting.irradianceSh, geometry);
    for (let i = 0; i < sh.length; i++) sh[i] = sh[i]! * intensity;
    const result: TargetLighting = { ...lighting, irradianceSh: sh };
    this.neutral = { geometry, lighting, intensity, result };
    return result;
  }

  private resolve(settings: RelightSettings): TargetLighting {
    const key = JSON.stringify([settings.preset, settings.intensity, settings.warmth, settings.yawDeg, settings.pitchDeg,
      settings.fill, settings.keyLight, settings.background, settings.backgroundDim, settings.strength]);
    if (key !== this.lightingKey || !this.lighting) {
      this.lighting = resolveLighting(settings, this.custom);
      this.lightingKey = key;
    }
    return this.lighting;
  }

  reset(): void {
    this.geometry = null;
    this.renderer?.reset();
  }

  lastTimings(): StageTimings {
    return this.timings;
  }

  backend(): string {
    const parts = [`${this.renderer?.backend ?? 'none'}${this.tier ? ` (${this.tier.id})` : ''}`, this.estimator ? `${this.estimator.name}/${this.estimator.backend()}` : 'no-geometry'];
    return parts.join(' + ');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.estimator?.dispose();
    this.renderer?.dispose();
    this.estimator = null;
    this.renderer = null;
    this.geometry = null;
  }
}

function prefix(t: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(t)) if (typeof v === 'number') out[`render.${k}`] = v;
  return out;
}
