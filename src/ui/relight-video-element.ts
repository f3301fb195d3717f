/**
 * `<rl-relight-video>`: the embeddable relighter. A telepresence app drops it in, gives it a MediaStream
 * (`el.srcObject = stream`) or lets it open the camera (`camera` attribute or `el.start()`), and takes the relit
 * stream from `el.relitStream` (or the `rl-ready` event) for its RTCPeerConnection. The element shows the relit
 * self-view, and optionally the settings panel (`controls`) and the status line (`status`).
 *
 * Lifetime: a reactive controller (`RelighterController`, below) owns the relighter and, when the element opened
 * it, the camera. Removing the element from the DOM disposes the relighter and stops that camera; a stream the host
 * passed in is never stopped by the element (the host owns it). Moving the element (remove + insert in the same
 * task) keeps everything running: teardown waits one microtask to see whether the element came back.
 *
 * Settings: `el.settings` is one full, validated `RelightSettings` (setting it fills missing keys from the defaults
 * and throws `SettingsError` on bad input, changing nothing); `el.updateSettings(patch)` merges a patch. Like every
 * rl-* element, events fire for user actions in the panel only, never because a property was set.
 */
import { css, html, nothing, type PropertyValues, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { createRelighter, type Relighter, type RelighterOptions, type RelighterStats, type RelighterEvents } from '../pipeline/relighter.js';
import { applyPatch, resolveSettings, type RelightSettings } from '../core/settings.js';
import { RelightError, describeError } from '../core/errors.js';
import { GEOMETRY_KINDS, SEGMENTER_KINDS, STAGE_KINDS, type GeometryKind, type SegmenterKind, type StageKind } from '../pipeline/factories.js';
import type { HostKind } from '../pipeline/processor.js';
import type { WorkerFactory } from '../worker/worker-processor.js';
import { ThemedElement } from './themed-element.js';
import { fire, type SettingsErrorDetail, type SettingsPatch } from './settings-events.js';
import type { RelighterStatsView } from './status-element.js';
import type { PresetItem } from './preset-picker-element.js';
import './status-element.js';

// ---- event details

export interface ReadyDetail {
  /** The relit stream (video: the relit track; audio: the input's audio tracks, unchanged). */
  stream: MediaStream;
  relighter: Relighter;
}
export type FallbackDetail = RelighterEvents['fallback'];
export type RecoveredDetail = RelighterEvents['recovered'];
export type ModeDetail = RelighterEvents['mode'];
export type ProgressDetail = RelighterEvents['progress'];
export interface StatsDetail {
  stats: RelighterStats;
}
export interface RelightErrorDetail {
  /** 'camera' (getUserMedia failed: denied, no device, busy) or a RelightErrorCode. */
  code: string;
  message: string;
  error: unknown;
}

declare global {
  interface HTMLElementTagNameMap {
    'rl-relight-video': RelightVideoElement;
  }
  interface HTMLElementEventMap {
    'rl-ready': CustomEvent<ReadyDetail>;
    'rl-fallback': CustomEvent<FallbackDetail>;
    'rl-recovered': CustomEvent<RecoveredDetail>;
    'rl-mode': CustomEvent<ModeDetail>;
    'rl-progress': CustomEvent<ProgressDetail>;
    'rl-stats': CustomEvent<StatsDetail>;
    'rl-error': CustomEvent<RelightErrorDetail>;
  }
}

/** The 640x480 at 30 fps the engine is tuned for; `ideal` so any camera opens. */
export const DEFAULT_CAMERA_CONSTRAINTS: MediaStreamConstraints = Object.freeze({
  video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } },
  audio: false,
});

/** The status line's view of the relighter's stats: the host where it runs (or the mode while nothing runs). */
export function toStatsView(s: RelighterStats): RelighterStatsView {
  return {
    mode: s.host === 'none' ? s.mode : s.host,
    backend: s.backend,
    fps: s.fps,
    stageMs: s.stageMs,
    ...(s.loading ? { loading: s.loading } : {}),
    ...(s.fallbackReason ? { fallbackReason: s.fallbackReason } : {}),
  };
}

// ---- the controller

/** What a running relighter was built from; a change of any field means a new relighter. */
export interface RelighterRunKey {
  source: MediaStream | 'camera';
  assetBaseUrl: string | undefined;
  host: 'auto' | HostKind;
  stage: StageKind | undefined;
  segmenter: SegmenterKind | undefined;
  geometry: GeometryKind | undefined;
  workerFactory: WorkerFactory | undefined;
}

export interface RelighterControllerCallbacks {
  /** Options for the next relighter (settings are read at creation time, so they are current). */
  settings(): RelightSettings;
  cameraConstraints(): MediaStreamConstraints;
  onStarted(relighter: Relighter): void;
  onStopped(): void;
  onError(detail: RelightErrorDetail): void;
  onEvent<K extends keyof RelighterEvents>(type: K, detail: RelighterEvents[K], relighter: Relighter): void;
}

function sameKey(a: RelighterRunKey | null, b: RelighterRunKey | null): boolean {
  if (!a || !b) return a === b;
  return a.source === b.source && a.assetBaseUrl === b.assetBaseUrl && a.host === b.host && a.stage === b.stage &&
    a.segmenter === b.segmenter && a.geometry === b.geometry && a.workerFactory === b.workerFactory;
}

function stopTracks(stream: MediaStream | null): void {
  for (const t of stream?.getTracks() ?? []) t.stop();
}

function isLive(stream: MediaStream): boolean {
  const v = stream.getVideoTracks();
  return v.length > 0 && v.every((t) => t.readyState === 'live');
}

/**
 * Owns one relighter at a time and the camera it opened. Starts and stops run one after another on a queue, so a
 * flurry of property changes never leaves two relighters (or two cameras) alive; a request that a newer one
 * supersedes gives up at its next await and releases what it had opened.
 */
export class RelighterController implements ReactiveController {
  relighter: Relighter | null = null;
  private ownedCamera: MediaStream | null = null;
  private runningInput: MediaStream | null = null;
  private targetKey: RelighterRunKey | null = null;
  private generation = 0;
  private queue: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly callbacks: RelighterControllerCallbacks,
  ) {
    host.addController(this);
  }

  /** True while a relighter runs or is being started. */
  get active(): boolean {
    return this.targetKey !== null;
  }

  /** The stream the running relighter reads (the host's, or the camera opened here). */
  get input(): MediaStream | null {
    return this.relighter ? this.runningInput : null;
  }

  /** True when the camera in use was opened here (and so is stopped here). */
  get ownsCamera(): boolean {
    return this.ownedCamera !== null;
  }

  hostDisconnected(): void {
    // A move (remove + insert in one task) reconnects before this runs: keep the pipeline then.
    queueMicrotask(() => {
      if (!this.host.isConnected) void this.stop();
    });
  }

  /**
   * Makes sure a relighter runs for `key`: a no-op when one already runs or is starting for the same key, or when
   * the last start for it failed (a denied camera must not be retried on every render) unless `retry`.
   */
  ensure(key: RelighterRunKey, retry = false): void {
    if (sameKey(key, this.targetKey) && !(retry && !this.relighter)) return;
    this.targetKey = key;
    const gen = ++this.generation;
    this.enqueue(() => this.startFor(key, gen));
  }

  /** Disposes the relighter and stops the camera it opened. Resolves when both are done. */
  stop(): Promise<void> {
    this.targetKey = null;
    ++this.generation;
    this.enqueue(() => this.teardown(false));
    return this.settled();
  }

  /** Resolves once every queued start/stop has run. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** The relighter ended outside the controller (its output track was stopped, or `dispose()` was called). */
  private endedElsewhere(relighter: Relighter): void {
    if (relighter !== this.relighter) return;
    this.targetKey = null;
    ++this.generation;
    this.enqueue(() => this.teardown(false));
  }

  private enqueue(op: () => Promise<void>): void {
    this.queue = this.queue.then(op).catch((e: unknown) => {
      console.error('[RelighterController] unexpected error', e);
    });
  }

  private async startFor(key: RelighterRunKey, gen: number): Promise<void> {
    // Keep our camera across a restart that still wants it (e.g. a new asset base): no camera light flicker.
    await this.teardown(key.source === 'camera');
    if (gen !== this.generation) return;
    let input: MediaStream;
    if (key.source === 'camera') {
      if (!this.ownedCamera || !isLive(this.ownedCamera)) {
        stopTracks(this.ownedCamera);
        this.ownedCamera = null;
        let camera: MediaStream;
        try {
          camera = await navigator.mediaDevices.getUserMedia(this.callbacks.cameraConstraints());
        } catch (error) {
          if (gen === this.generation) this.failed(gen, { code: 'camera', message: `cannot open the camera: ${describeError(error)}`, error });
          return;
        }
        if (gen !== this.generation) {
          stopTracks(camera);
          return;
        }
        this.ownedCamera = camera;
      }
      input = this.ownedCamera;
    } else {
      stopTracks(this.ownedCamera);
      this.ownedCamera = null;
      input = key.source;
    }
    let relighter: Relighter;
    try {
      const options: RelighterOptions = { settings: this.callbacks.settings(), host: key.host };
      if (key.assetBaseUrl) options.assetBaseUrl = key.assetBaseUrl;
      if (key.stage) options.stage = key.stage;
      if (key.segmenter) options.segmenter = key.segmenter;
      if (key.geometry) options.geometry = key.geometry;
      if (key.workerFactory) options.workerFactory = key.workerFactory;
      relighter = await createRelighter(input, options);
    } catch (error) {
      this.failed(gen, { code: error instanceof RelightError ? error.code : 'unsupported', message: describeError(error), error });
      return;
    }
    if (gen !== this.generation) {
      await relighter.dispose();
      return;
    }
    this.relighter = relighter;
    this.runningInput = input;
    for (const type of ['stats', 'fallback', 'recovered', 'mode', 'progress'] as const) {
      this.unsubscribe.push(relighter.on(type, (detail) => {
        this.callbacks.onEvent(type, detail as never, relighter);
        if (type === 'mode' && (detail as ModeDetail).mode === 'stopped') this.endedElsewhere(relighter);
      }));
    }
    this.callbacks.onStarted(relighter);
  }

  private failed(gen: number, detail: RelightErrorDetail): void {
    console.warn(`[RelighterController] ${detail.message}`);
    if (gen === this.generation) {
      // Stay stopped until something changes (a retry on every render would spin on a denied camera).
      stopTracks(this.ownedCamera);
      this.ownedCamera = null;
    }
    this.callbacks.onError(detail);
  }

  /** Teardown order: our listeners, the relighter (it releases the worker and GPU), then our camera. */
  private async teardown(keepCamera: boolean): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    const relighter = this.relighter;
    this.relighter = null;
    this.runningInput = null;
    if (relighter) {
      await relighter.dispose();
      this.callbacks.onStopped();
    }
    if (!keepCamera) {
      stopTracks(this.ownedCamera);
      this.ownedCamera = null;
    }
  }
}

// ---- the element

type Requested = 'auto' | 'started' | 'stopped';

/** Retries of the panel's lazy import: 1 + 2 + 4 + 8 s. */
const PANEL_LOAD_RETRIES = 4;

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T | undefined {
  if (value === undefined || value === '') return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  console.warn(`[RelightVideoElement] ignoring ${what}="${value}": expected one of ${allowed.join(', ')}`);
  return undefined;
}

/**
 * A relit self-view that produces the relit MediaStream.
 *
 * @fires rl-ready - `{stream, relighter}`: the relit stream is ready to send (frames flow at once; they are the
 *   camera's own until the models have loaded, see `rl-mode`)
 * @fires rl-mode - `{mode, host, reason?}`: 'starting' | 'processing' | 'passthrough' | 'disabled' | 'stopped'
 * @fires rl-fallback - `{code, message}`: processing failed; the call keeps the camera frames and the pipeline
 *   rebuilds itself
 * @fires rl-recovered - `{host, backend}`: processing resumed after a fallback
 * @fires rl-progress - `{what, fraction}`: model loading
 * @fires rl-stats - `{stats}` (RelighterStats), once a second
 * @fires rl-settings-change - a validated `Partial<RelightSettings>` after the user changed the panel (already applied)
 * @fires rl-settings-error - `{message, rejected}`: an invalid `settings` attribute or panel change (not applied)
 * @fires rl-error - `{code, message, error}`: the relighter could not start (code 'camera': getUserMedia failed)
 * @csspart layout - the outer flex container (video column + panel)
 * @csspart stage - the video column (video + status)
 * @csspart video - the relit <video>
 * @csspart status - the rl-status (with the `status` attribute)
 * @csspart controls - the rl-controls panel (with the `controls` attribute)
 * @cssprop --rl-video-fit - object-fit of the video (default `cover`)
 * @cssprop --rl-video-aspect - aspect ratio of the video box (default `4 / 3`)
 * @cssprop --rl-video-bg - background behind the video (default `#000`)
 * @cssprop --rl-radius - corner radius (shared with the other rl-* elements)
 * @cssprop --rl-accent - accent colour of the panel (and the other `--rl-*` tokens of src/ui/README.md)
 */
@customElement('rl-relight-video')
export class RelightVideoElement extends ThemedElement {
  static override styles = [
    ThemedElement.styles,
    css`
      :host {
        display: block;
      }
      .layout {
        display: flex;
        flex-wrap: wrap;
        align-items: flex-start;
        gap: 12px;
      }
      .stage {
        flex: 1 1 320px;
        min-width: 0;
        display: grid;
        gap: 8px;
      }
      video {
        display: block;
        width: 100%;
        height: auto;
        aspect-ratio: var(--rl-video-aspect, 4 / 3);
        object-fit: var(--rl-video-fit, cover);
        background: var(--rl-video-bg, #000);
        border-radius: var(--_radius);
      }
      :host([mirrored]) video {
        transform: scaleX(-1);
      }
      rl-controls {
        flex: 0 1 340px;
      }
    `,
  ];

  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'settings'];
  }

  /** Open the camera when connected (unless `srcObject` is set, which wins). */
  @property({ type: Boolean, reflect: true }) camera = false;
  /** Show the settings panel (<rl-controls>), loaded on first use. */
  @property({ type: Boolean, reflect: true }) controls = false;
  /** Show the status line (<rl-status>) under the video. */
  @property({ type: Boolean, reflect: true }) status = false;
  /** Mirror the self-view (display only: the relit stream is never mirrored). */
  @property({ type: Boolean, reflect: true }) mirrored = false;
  /** Base URL where the host serves wasm/ and models/ itself (createRelighter's `assetBaseUrl`). */
  @property({ attribute: 'asset-base' }) assetBase?: string;
  /** Where the engine runs: 'auto' (a worker, else this thread), 'worker' or 'main'. */
  @property() host: 'auto' | HostKind = 'auto';
  /** Engine stage: 'relight' (default), 'exposure' or 'null' (diagnosis). */
  @property() stage?: string;
  /** Person segmenter: 'mediapipe' (default) or 'ellipse' (a fixed ellipse, for tests). */
  @property() segmenter?: string;
  /** Face geometry: 'student' (default), 'analytic' or 'silhouette'. */
  @property() geometry?: string;
  /** Panel heading. */
  @property() heading = 'Relight';
  /** getUserMedia constraints used when the element opens the camera (read at each start). */
  @property({ attribute: false }) cameraConstraints: MediaStreamConstraints = DEFAULT_CAMERA_CONSTRAINTS;
  /** Custom worker factory (e.g. a blob: worker for a cross-origin library URL); default: the bundled worker. */
  @property({ attribute: false }) workerFactory?: WorkerFactory;

  @state() private statsView: RelighterStatsView | undefined;
  @state() private presets: PresetItem[] = [];
  @state() private stream: MediaStream | null = null;

  private srcStream: MediaStream | null = null;
  private current: RelightSettings = resolveSettings();
  private requested: Requested = 'auto';
  private panelLoad: Promise<void> | null = null;
  private lastError: RelightErrorDetail | null = null;
  /** start() asks the controller to try again even if the same start failed before (camera now allowed). */
  private retryNext = false;

  private readonly controller = new RelighterController(this, {
    settings: () => this.current,
    cameraConstraints: () => this.cameraConstraints,
    onStarted: (relighter) => {
      this.lastError = null;
      this.stream = relighter.stream;
      this.current = relighter.settings;
      this.statsView = toStatsView(relighter.stats());
      fire<ReadyDetail>(this, 'rl-ready', { stream: relighter.stream, relighter });
    },
    onStopped: () => {
      this.stream = null;
      this.statsView = undefined;
    },
    onError: (detail) => {
      this.lastError = detail;
      fire<RelightErrorDetail>(this, 'rl-error', detail);
    },
    onEvent: (type, detail, relighter) => {
      if (type === 'stats') {
        this.statsView = toStatsView(detail as RelighterStats);
        fire<StatsDetail>(this, 'rl-stats', { stats: detail as RelighterStats });
        return;
      }
      this.statsView = toStatsView(relighter.stats());
      if (type === 'mode' && (detail as ModeDetail).mode === 'stopped' && relighter === this.controller.relighter) {
        // Ended from outside (the host stopped the relit track): stay stopped until start() or a new srcObject.
        this.requested = 'stopped';
      }
      fire(this, `rl-${type}`, detail);
    },
  });

  /** The input stream the host provides (not stopped by the element). Setting it (re)starts the relighter. */
  get srcObject(): MediaStream | null {
    return this.srcStream;
  }
  set srcObject(stream: MediaStream | null) {
    if (stream === this.srcStream) return;
    this.srcStream = stream;
    if (stream && this.requested === 'stopped') this.requested = 'auto';
    this.requestUpdate();
  }

  /** The stream being relit: `srcObject`, or the camera the element opened; null while stopped. */
  get inputStream(): MediaStream | null {
    return this.controller.input;
  }

  /** The relit stream, or null while stopped. The same stream is passed to `rl-ready`. */
  get relitStream(): MediaStream | null {
    return this.controller.relighter?.stream ?? null;
  }

  /** The running relighter (stats, setEnvironment, whenProcessing, ...), or null while stopped. */
  get relighter(): Relighter | null {
    return this.controller.relighter;
  }

  /** The current settings (full, validated). Kept across restarts. */
  get settings(): Readonly<RelightSettings> {
    return this.controller.relighter?.settings ?? this.current;
  }
  /** Replaces the settings: missing keys take the defaults. Throws SettingsError on bad input (nothing changes). */
  set settings(value: unknown) {
    this.applySettings(resolveSettings(value));
  }

  /** Merges a settings patch (nested keyLight merged too). Throws SettingsError on bad input (nothing changes). */
  updateSettings(patch: unknown): void {
    this.applySettings(applyPatch(this.settings, patch));
  }

  /**
   * Starts relighting: the `srcObject` if set, else the camera (opened here, stopped by `stop()` or removal).
   * Resolves with the relit stream; rejects when the camera cannot be opened or the element is not connected.
   */
  async start(): Promise<MediaStream> {
    if (!this.isConnected) throw new RelightError('disposed', '[RelightVideoElement] start() needs the element in the document');
    this.requested = 'started';
    this.lastError = null;
    this.retryNext = true;
    this.requestUpdate();
    await this.updateComplete;
    await this.controller.settled();
    const stream = this.relitStream;
    if (stream) return stream;
    const e = this.lastError as RelightErrorDetail | null;
    throw e?.error instanceof Error ? e.error : new RelightError('disposed', e?.message ?? '[RelightVideoElement] stopped before it started');
  }

  /** Disposes the relighter and stops the camera the element opened. `start()` or a new `srcObject` restarts. */
  async stop(): Promise<void> {
    this.requested = 'stopped';
    this.requestUpdate();
    await this.controller.stop();
  }

  /** Lights with a user's .hdr/.exr environment map (see Relighter.setEnvironment); selects preset 'custom'. */
  async setEnvironment(data: ArrayBuffer | Blob, name?: string): Promise<void> {
    const relighter = this.controller.relighter;
    if (!relighter) throw new RelightError('disposed', '[RelightVideoElement] setEnvironment() needs a running relighter');
    await relighter.setEnvironment(data, name);
    this.current = relighter.settings;
    this.requestUpdate();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Reconnected after a removal: reconcile again (a start may be needed).
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Really removed (not moved): a later insertion starts again only if the attributes or srcObject say so.
    queueMicrotask(() => {
      if (!this.isConnected && this.requested === 'started') this.requested = 'auto';
    });
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name !== 'settings' || value === null || value === old) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
      this.settings = parsed;
    } catch (e) {
      const message = `settings attribute: ${describeError(e)}`;
      console.warn(`[RelightVideoElement] ignored an invalid ${message}`);
      fire<SettingsErrorDetail>(this, 'rl-settings-error', { message, rejected: parsed ?? value });
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.controls && !this.panelLoad) this.panelLoad = this.loadPanel();
    super.willUpdate(changed);
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    this.reconcile();
  }

  protected override render() {
    const t = this.theme;
    return html`
      <div class="layout" part="layout">
        <div class="stage" part="stage">
          <video part="video" aria-label="Relit video" autoplay muted playsinline .srcObject=${this.stream}></video>
          ${this.status ? html`<rl-status part="status" theme=${t} .stats=${this.statsView}></rl-status>` : nothing}
        </div>
        ${this.controls
          ? html`<rl-controls
              part="controls"
              theme=${t}
              heading=${this.heading}
              .settings=${this.settings}
              .presets=${this.presets}
              @rl-settings-change=${this.onPanelChange}
            ></rl-controls>`
          : nothing}
      </div>
    `;
  }

  private applySettings(next: RelightSettings): void {
    // relighter.update validates again and throws before changing anything; `current` follows only on success.
    this.controller.relighter?.update(next);
    this.current = next;
    this.requestUpdate();
  }

  private readonly onPanelChange = (e: CustomEvent<SettingsPatch>): void => {
    // The panel's event stops here; ours says the change is applied (or rl-settings-error says why not).
    e.stopPropagation();
    try {
      this.updateSettings(e.detail);
    } catch (err) {
      const message = describeError(err);
      console.warn(`[RelightVideoElement] the relighter refused a panel change: ${message}`);
      fire<SettingsErrorDetail>(this, 'rl-settings-error', { message, rejected: e.detail });
      return;
    }
    fire<SettingsPatch>(this, 'rl-settings-change', e.detail);
  };

  /**
   * The panel and its preset thumbnails (~160 ms to render) load only when `controls` is first set. A failed load
   * is retried a few times with backoff (a dev server that re-optimises its dependencies answers the first
   * request with an error), then given up with an error in the console: the video works without the panel.
   */
  private async loadPanel(attempt = 0): Promise<void> {
    try {
      const [, items] = await Promise.all([import('./controls-element.js'), import('./lighting-preset-items.js')]);
      this.presets = items.lightingPresetItems(128);
    } catch (e) {
      if (attempt >= PANEL_LOAD_RETRIES) {
        console.error('[RelightVideoElement] could not load the controls panel', e);
        return;
      }
      console.warn(`[RelightVideoElement] loading the controls panel failed (${describeError(e)}); retrying`);
      await new Promise((r) => setTimeout(r, 1000 * 2 ** attempt));
      return this.loadPanel(attempt + 1);
    }
  }

  private desiredSource(): MediaStream | 'camera' | null {
    if (this.requested === 'stopped') return null;
    if (this.srcStream) return this.srcStream;
    return this.camera || this.requested === 'started' ? 'camera' : null;
  }

  private reconcile(): void {
    if (!this.isConnected) return;
    const source = this.desiredSource();
    if (!source) {
      if (this.controller.active) void this.controller.stop();
      return;
    }
    const retry = this.retryNext;
    this.retryNext = false;
    const host = oneOf(this.host, ['auto', 'worker', 'main'] as const, 'host') ?? 'auto';
    this.controller.ensure({
      source,
      assetBaseUrl: this.assetBase || undefined,
      host,
      stage: oneOf(this.stage, STAGE_KINDS, 'stage'),
      segmenter: oneOf(this.segmenter, SEGMENTER_KINDS, 'segmenter'),
      geometry: oneOf(this.geometry, GEOMETRY_KINDS, 'geometry'),
      workerFactory: this.workerFactory,
    }, retry);
  }
}
