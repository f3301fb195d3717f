/**
 * The relighter: camera MediaStream in, relit MediaStream out. The public API of the library (src/index.ts).
 *
 * Frame flow (main thread): FrameSource -> route() -> FrameProcessor (worker or this thread) -> in-order output
 * chain -> FrameSink. The main thread keeps every original frame until its processed twin is written, so any
 * failure (thrown stage, segmenter error, worker crash or hang, lost GPU) writes the original instead: the call
 * never breaks, the failure is reported (`fallback` event + stats), and the pipeline rebuilds itself with backoff.
 *
 * Backpressure: at most two frames are in the processor; one more waits, and a newer frame replaces it (the
 * newest frame wins, the replaced one is counted as dropped).
 */
import { applyPatch, resolveSettings, type RelightSettings } from '../core/settings.js';
import { RelightError, describeError } from '../core/errors.js';
import { closeTracked, openCounts, trackOpen } from '../core/leak-tracker.js';
import { InsertableStreamsSource, VideoElementSource, hasInsertableStreams, type FrameSource } from './frame-source.js';
import { CanvasSink, GeneratorSink, type FrameSink } from './frame-sink.js';
import { LocalProcessor, type FrameProcessor, type HostKind } from './processor.js';
import type { EngineConfig, EngineTimings, FaultKind } from './engine.js';
import type { GeometryKind, SegmenterKind, StageKind } from './factories.js';
import { WorkerProcessor, type WorkerFactory } from '../worker/worker-processor.js';
import { RgbaReader, frameFromRgba } from './frame-pixels.js';

export interface RelighterOptions {
  /** Initial settings (a patch over the defaults); validated. */
  settings?: unknown;
  /** Where the engine runs. 'auto' = worker, or this thread when a worker cannot start (CSP). */
  host?: 'auto' | HostKind;
  stage?: StageKind;
  segmenter?: SegmenterKind;
  geometry?: GeometryKind;
  /** Frame plumbing: insertable streams where available, else <video> -> canvas. */
  plumbing?: 'auto' | 'insertable-streams' | 'element';
  /** Base URL of models/ and wasm when the host serves them itself. */
  assetBaseUrl?: string;
  workerFactory?: WorkerFactory;
  frameTimeoutMs?: number;
  initTimeoutMs?: number;
  /** Rebuild backoff after a failure: initial delay, doubled per consecutive failure up to max. */
  backoffMs?: { initial: number; max: number };
}

export type RelighterMode = 'starting' | 'processing' | 'passthrough' | 'disabled' | 'stopped';

export interface RelighterStats {
  mode: RelighterMode;
  host: HostKind | 'none';
  /** Stage backend, e.g. 'webgpu', 'cpu'; 'passthrough' when nothing processes. */
  backend: string;
  stage: string;
  segmenter: string;
  plumbing: string;
  widthPx: number;
  heightPx: number;
  /** Output frames in the last second. */
  fps: number;
  inputFps: number;
  framesIn: number;
  framesOut: number;
  framesDropped: number;
  /** Frames written unprocessed because of a failure or while (re)starting. */
  passthroughFrames: number;
  /** Last frame's timings by step, ms (segmentMs, stageMs, totalMs, ...), plus roundTripMs (host incl. transfer). */
  stageMs: Record<string, number>;
  /** Mean time from a frame's arrival to its write, ms (EMA). */
  latencyMs: number;
  loading?: { what: string; fraction: number };
  fallbackReason?: string;
  lastError?: { code: string; message: string; atMs: number };
  failures: number;
  leaks: { main: Record<string, number>; worker: Record<string, number> };
}

export interface RelighterEvents {
  stats: RelighterStats;
  fallback: { code: string; message: string };
  recovered: { host: HostKind; backend: string };
  mode: { mode: RelighterMode; host: HostKind | 'none'; reason?: string };
  progress: { what: string; fraction: number };
}

export interface Relighter {
  readonly stream: MediaStream;
  readonly settings: Readonly<RelightSettings>;
  /** Validates and applies a settings patch (throws SettingsError on bad input; nothing changes then). */
  update(patch: unknown): void;
  stats(): RelighterStats;
  on<K extends keyof RelighterEvents>(type: K, listener: (detail: RelighterEvents[K]) => void): () => void;
  /** Resolves when frames are being processed (or immediately if they already are). */
  whenProcessing(timeoutMs?: number): Promise<void>;
  /**
   * Lights the person with the user's own environment map (.hdr or .exr bytes) and selects preset 'custom'.
   * Rejects with RelightError('invalid-hdr') and a clear message on a bad file; the current lighting stays.
   */
  setEnvironment(data: ArrayBuffer | Blob, name?: string): Promise<void>;
  /** Development/testing: make the processor fail as `kind` says. */
  injectFault(kind: FaultKind | null): void;
  dispose(): Promise<void>;
}

export async function createRelighter(input: MediaStream, options: RelighterOptions = {}): Promise<Relighter> {
  const r = new RelighterImpl(input, options);
  r.start();
  return r;
}

class RelighterImpl implements Relighter {
  readonly stream: MediaStream;
  settings: RelightSettings;
  private readonly camera: MediaStreamTrack;
  private readonly source: FrameSource;
  private readonly sink: FrameSink;
  private processor: FrameProcessor | null = null;
  private processorHost: HostKind | 'none' = 'none';
  private forcedHost: HostKind | null;
  private hostReason: string | undefined;
  private mode: RelighterMode = 'starting';
  private info = { stage: 'none', segmenter: 'none', backend: 'passthrough' };
  private inFlight = 0;
  private waiting: VideoFrame | null = null;
  private outChain: Promise<void> = Promise.resolve();
  private disposed = false;
  private failures = 0;
  private consecutiveFailures = 0;
  private goodFramesSinceBuild = 0;
  private rebuildTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Map<string, Set<(d: unknown) => void>>();
  private readonly outTimes: number[] = [];
  private readonly inTimes: number[] = [];
  private s = {
    framesIn: 0, framesOut: 0, framesDropped: 0, passthroughFrames: 0, latencyMs: 0,
    stageMs: {} as Record<string, number>,
    loading: undefined as { what: string; fraction: number } | undefined,
    fallbackReason: undefined as string | undefined,
    lastError: undefined as { code: string; message: string; atMs: number } | undefined,
  };
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private processingWaiters: (() => void)[] = [];
  private pendingFault: FaultKind | null = null;
  private customLighting: Float32Array | null = null;
  private readonly options: RelighterOptions;
  private readonly onCspViolation = (e: SecurityPolicyViolationEvent) => {
    if (e.effectiveDirective === 'worker-src' || e.effectiveDirective === 'script-src' || e.effectiveDirective === 'child-src') {
      if (String(e.blockedURI).startsWith('blob') || /worker/i.test(String(e.sourceFile ?? ''))) {
        this.hostReason = `the page's Content-Security-Policy (${e.effectiveDirective}) blocks our worker`;
      }
    }
  };

  constructor(input: MediaStream, options: RelighterOptions) {
    this.options = options;
    this.settings = resolveSettings(options.settings ?? {});
    const camera = input.getVideoTracks()[0];
    if (!camera) throw new RelightError('unsupported', 'the input stream has no video track');
    this.camera = camera;
    this.forcedHost = options.host && options.host !== 'auto' ? options.host : null;
    const plumbing = options.plumbing ?? 'auto';
    const useInsertable = plumbing === 'insertable-streams' || (plumbing === 'auto' && hasInsertableStreams());
    if (useInsertable && !hasInsertableStreams()) throw new RelightError('unsupported', 'insertable streams are not available here');
    const cs = camera.getSettings();
    this.source = useInsertable ? new InsertableStreamsSource(camera) : new VideoElementSource(camera);
    this.sink = useInsertable ? new GeneratorSink() : new CanvasSink(cs.width ?? 640, cs.height ?? 480, cs.frameRate ?? 30);
    this.stream = new MediaStream([this.sink.track, ...input.getAudioTracks()]);
    this.patchOutputTrack();
    if (typeof addEventListener === 'function') addEventListener('securitypolicyviolation', this.onCspViolation as EventListener);
  }

  start(): void {
    void this.pump();
    void this.build();
    this.statsTimer = setInterval(() => this.emit('stats', this.stats()), 1000);
  }

  // ---- public API

  update(patch: unknown): void {
    const next = applyPatch(this.settings, patch);
    const wasEnabled = this.settings.enabled;
    this.settings = next;
    this.processor?.updateSettings(next);
    if (wasEnabled !== next.enabled) this.setMode(next.enabled ? (this.processor ? 'processing' : 'starting') : 'disabled');
  }

  stats(): RelighterStats {
    const now = performance.now();
    const cs = this.camera.getSettings();
    return {
      mode: this.mode,
      host: this.processorHost,
      backend: this.mode === 'processing' ? this.info.backend : 'passthrough',
      stage: this.info.stage,
      segmenter: this.info.segmenter,
      plumbing: this.source.kind,
      widthPx: cs.width ?? 0,
      heightPx: cs.height ?? 0,
      fps: countSince(this.outTimes, now - 1000),
      inputFps: countSince(this.inTimes, now - 1000),
      framesIn: this.s.framesIn,
      framesOut: this.s.framesOut,
      framesDropped: this.s.framesDropped,
      passthroughFrames: this.s.passthroughFrames,
      stageMs: { ...this.s.stageMs },
      latencyMs: this.s.latencyMs,
      loading: this.s.loading,
      fallbackReason: this.s.fallbackReason ?? this.hostReason,
      lastError: this.s.lastError,
      failures: this.failures,
      leaks: { main: openCounts(), worker: this.processor?.host === 'worker' ? this.processor.leaks() : this.finalWorkerLeaks },
    };
  }

  on<K extends keyof RelighterEvents>(type: K, listener: (detail: RelighterEvents[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as (d: unknown) => void);
    return () => set!.delete(listener as (d: unknown) => void);
  }

  whenProcessing(timeoutMs = 60_000): Promise<void> {
    if (this.mode === 'processing') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new RelightError('worker-timeout', `not processing after ${timeoutMs} ms (${this.s.lastError?.message ?? this.mode})`)), timeoutMs);
      this.processingWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async setEnvironment(data: ArrayBuffer | Blob, name?: string): Promise<void> {
    const bytes = data instanceof Blob ? await data.arrayBuffer() : data;
    // Decoded on a throwaway worker with a deadline: three's EXRLoader can loop forever on some corrupt files.
    const { decodeHdrIsolated } = await import('../lighting/hdr-decode-client.js');
    const { lightingFromEnvMap } = await import('../lighting/resolve.js');
    const env = await decodeHdrIsolated(bytes, name);
    this.customLighting = Float32Array.from(lightingFromEnvMap(env).irradianceSh);
    this.processor?.setCustomLighting(this.customLighting);
    this.update({ preset: 'custom' });
  }

  injectFault(kind: FaultKind | null): void {
    // A fault hits the running processor only; one injected before the processor exists waits for it.
    if (this.processor) this.processor.injectFault(kind);
    else this.pendingFault = kind;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // Teardown order: listeners, reader, frames, processor (worker), sink.
    if (typeof removeEventListener === 'function') removeEventListener('securitypolicyviolation', this.onCspViolation as EventListener);
    if (this.statsTimer) clearInterval(this.statsTimer);
    if (this.rebuildTimer) clearTimeout(this.rebuildTimer);
    this.source.stop();
    await this.source.readable.cancel().catch(() => {});
    closeTracked('VideoFrame', this.waiting);
    this.waiting = null;
    const p = this.processor;
    this.processor = null;
    await p?.dispose();
    if (p?.host === 'worker') this.finalWorkerLeaks = p.leaks();
    await this.outChain.catch(() => {});
    this.sink.close();
    this.setMode('stopped');
    this.listeners.clear();
  }

  // ---- frame flow

  private async pump(): Promise<void> {
    const reader = this.source.readable.getReader();
    try {
      for (;;) {
        const { value: frame, done } = await reader.read();
        if (done || !frame) break;
        if (this.disposed) {
          closeTracked('VideoFrame', frame);
          break;
        }
        this.s.framesIn++;
        pushTime(this.inTimes, performance.now());
        this.route(frame, performance.now());
      }
    } catch (e) {
      if (!this.disposed) console.warn('[Relighter] camera stream ended with an error', e);
    } finally {
      reader.releaseLock();
    }
    // Camera ended (unplugged, stopped elsewhere): end the output too.
    if (!this.disposed) {
      await this.outChain.catch(() => {});
      this.sink.track.stop();
    }
  }

  private route(frame: VideoFrame, arrivedMs: number): void {
    if (this.disposed) {
      closeTracked('VideoFrame', frame);
      return;
    }
    const processor = this.processor;
    if (!this.settings.enabled || !processor || this.mode !== 'processing') {
      if (this.settings.enabled) this.s.passthroughFrames++;
      this.enqueueOutput(Promise.resolve(frame), arrivedMs);
      return;
    }
    if (this.inFlight >= 2) {
      if (this.waiting) {
        closeTracked('VideoFrame', this.waiting);
        this.s.framesDropped++;
      }
      this.waiting = frame;
      this.waitingArrivedMs = arrivedMs;
      return;
    }
    this.inFlight++;
    const work = trackOpen('VideoFrame', frame.clone());
    const t0 = performance.now();
    const out = processor.process(work).then(
      (result) => {
        closeTracked('VideoFrame', frame);
        this.s.stageMs = { ...roundTimings(result.timings), roundTripMs: round2(performance.now() - t0) };
        // Backoff resets only once a rebuilt pipeline has proven itself for 100 frames.
        if (++this.goodFramesSinceBuild === 100) this.consecutiveFailures = 0;
        return result.frame;
      },
      (error: unknown) => {
        this.fail(error, processor);
        this.s.passthroughFrames++;
        return frame;
      },
    ).finally(() => {
      this.inFlight--;
      const w = this.waiting;
      if (w && !this.disposed) {
        this.waiting = null;
        this.route(w, this.waitingArrivedMs);
      }
    });
    this.enqueueOutput(out, arrivedMs);
  }

  private waitingArrivedMs = 0;
  /**
   * One pixel format per output track. Once processed (RGBA) frames have gone out, camera frames passed through
   * (disabled, failed, restarting) are converted to RGBA too: Chromium's WebRTC encoder keeps the colour handling
   * of the first format it saw, and shifts the colours of the other at the far end (cyan 67,206,218 -> 60,187,215).
   */
  private outputFormat: VideoPixelFormat | null = null;
  private readonly passthroughReader = new RgbaReader();
  private finalWorkerLeaks: Record<string, number> = {};

  /** Writes frames strictly in arrival order, whichever path produced them. */
  private enqueueOutput(frame: Promise<VideoFrame>, arrivedMs: number): void {
    this.outChain = this.outChain.then(async () => {
      const f = await frame;
      if (this.disposed) {
        closeTracked('VideoFrame', f);
        return;
      }
      try {
        await this.sink.write(await this.matchOutputFormat(f));
        this.s.framesOut++;
        const now = performance.now();
        pushTime(this.outTimes, now);
        const lat = now - arrivedMs;
        this.s.latencyMs = this.s.latencyMs === 0 ? lat : this.s.latencyMs * 0.9 + lat * 0.1;
      } catch (e) {
        console.warn('[Relighter] sink write failed', e);
      }
    });
  }

  /** CONSUMES `frame`; returns it, or an RGBA copy of it when the track already carries RGBA frames. */
  private async matchOutputFormat(frame: VideoFrame): Promise<VideoFrame> {
    const format = frame.format;
    if (this.outputFormat === null) {
      // The first processed frame fixes the format; until then the camera's own frames go out untouched.
      if (format === 'RGBA' || format === 'RGBX') this.outputFormat = format;
      return frame;
    }
    if (format === this.outputFormat || this.outputFormat !== 'RGBA') return frame;
    try {
      const rgba = await this.passthroughReader.read(frame);
      return frameFromRgba(rgba, frame.timestamp, frame.duration, frame);
    } finally {
      closeTracked('VideoFrame', frame);
    }
  }

  // ---- building, failing, rebuilding

  /** The camera's current size, if the track reports one (the engine picks its segmentation model by it). */
  private frameSizeHint(): EngineConfig['frameSizeHint'] {
    const { width, height } = this.camera.getSettings();
    return width && height ? { widthPx: width, heightPx: height } : undefined;
  }

  private chooseHost(): HostKind {
    if (this.forcedHost) return this.forcedHost;
    return typeof Worker === 'function' ? 'worker' : 'main';
  }

  private async build(): Promise<void> {
    if (this.disposed) return;
    const host = this.chooseHost();
    const processor: FrameProcessor = host === 'worker'
      ? new WorkerProcessor({ factory: this.options.workerFactory, frameTimeoutMs: this.options.frameTimeoutMs, initTimeoutMs: this.options.initTimeoutMs })
      : new LocalProcessor();
    const config: EngineConfig = {
      stage: this.options.stage ?? 'relight',
      segmenter: this.options.segmenter ?? 'mediapipe',
      geometry: this.options.geometry ?? 'student',
      assetBaseUrl: this.options.assetBaseUrl,
      settings: this.settings,
      frameSizeHint: this.frameSizeHint(),
    };
    try {
      const info = await processor.init(config, (what, fraction) => {
        this.s.loading = fraction >= 1 ? undefined : { what, fraction };
        this.emit('progress', { what, fraction });
      });
      if (this.disposed) {
        await processor.dispose();
        return;
      }
      processor.onFatal((e) => this.fail(e, processor));
      if (this.customLighting) processor.setCustomLighting(this.customLighting);
      if (this.pendingFault) processor.injectFault(this.pendingFault);
      this.pendingFault = null;
      const recovering = this.failures > 0;
      this.processor = processor;
      this.processorHost = host;
      this.info = info;
      this.goodFramesSinceBuild = 0;
      this.s.loading = undefined;
      this.setMode(this.settings.enabled ? 'processing' : 'disabled', host === 'main' ? this.hostReason : undefined);
      if (recovering) this.emit('recovered', { host, backend: info.backend });
      this.s.fallbackReason = undefined;
      for (const w of this.processingWaiters.splice(0)) w();
    } catch (error) {
      await processor.dispose().catch(() => {});
      const code = error instanceof RelightError ? error.code : 'stage-failed';
      if (host === 'worker' && !this.forcedHost && (code === 'worker-failed' || code === 'worker-timeout')) {
        // Degrade rather than fail: the same engine on this thread.
        this.hostReason = this.hostReason ?? `worker unavailable: ${describeError(error)}`;
        this.forcedHost = 'main';
        this.report(error);
        void this.build();
        return;
      }
      this.report(error);
      this.s.loading = undefined;
      if (isPermanent(error)) {
        // Retrying cannot help (the page forbids what the engine needs); retrying would only spam the page's CSP
        // reports. Stay in passthrough and say why.
        this.s.fallbackReason = `relighting is not possible on this page: ${describeError(error)}`;
        this.setMode('passthrough', this.s.fallbackReason);
        return;
      }
      this.scheduleRebuild();
    }
  }

  private fail(error: unknown, processor: FrameProcessor): void {
    if (processor !== this.processor || this.disposed) return;
    this.processor = null;
    this.processorHost = 'none';
    void processor.dispose().catch(() => {});
    this.report(error);
    this.setMode('passthrough', this.s.fallbackReason);
    this.scheduleRebuild();
  }

  private report(error: unknown): void {
    this.failures++;
    this.consecutiveFailures++;
    const code = error instanceof RelightError ? error.code : 'stage-failed';
    const message = describeError(error);
    this.s.lastError = { code, message, atMs: Date.now() };
    this.s.fallbackReason = message;
    console.warn(`[Relighter] falling back to the camera frames: ${message}`);
    this.emit('fallback', { code, message });
  }

  private scheduleRebuild(): void {
    if (this.disposed || this.rebuildTimer) return;
    const b = this.options.backoffMs ?? { initial: 1000, max: 30_000 };
    const delay = Math.min(b.max, b.initial * 2 ** Math.max(0, this.consecutiveFailures - 1));
    if (this.mode !== 'passthrough') this.setMode('passthrough', this.s.fallbackReason);
    this.rebuildTimer = setTimeout(() => {
      this.rebuildTimer = null;
      void this.build();
    }, delay);
  }

  private setMode(mode: RelighterMode, reason?: string): void {
    if (this.mode === mode && !reason) return;
    this.mode = mode;
    this.emit('mode', { mode, host: this.processorHost, reason });
  }

  private emit<K extends keyof RelighterEvents>(type: K, detail: RelighterEvents[K]): void {
    for (const l of this.listeners.get(type) ?? []) {
      try {
        l(detail);
      } catch (e) {
        console.error(`[Relighter] ${type} listener threw`, e);
      }
    }
  }

  /**
   * The output track stands in for the camera: it reports the camera's settings/constraints/capabilities,
   * forwards applyConstraints, and stopping it stops the camera and the pipeline.
   */
  private patchOutputTrack(): void {
    const out = this.sink.track as MediaStreamTrack & Record<string, unknown>;
    const cam = this.camera;
    const stopOutput = out.stop.bind(out);
    Object.defineProperties(out, {
      getSettings: { value: () => ({ ...cam.getSettings() }), configurable: true },
      getConstraints: { value: () => cam.getConstraints(), configurable: true },
      getCapabilities: { value: () => (cam.getCapabilities ? cam.getCapabilities() : {}), configurable: true },
      applyConstraints: { value: (c?: MediaTrackConstraints) => cam.applyConstraints(c), configurable: true },
      stop: {
        value: () => {
          stopOutput();
          cam.stop();
          void this.dispose();
        },
        configurable: true,
      },
    });
  }
}

/** Failures that a rebuild cannot fix: the page's CSP forbids WebAssembly compilation. */
function isPermanent(error: unknown): boolean {
  const text = `${describeError(error)} ${describeError((error as { cause?: unknown })?.cause ?? '')}`;
  return /wasm-unsafe-eval|Content Security Policy|Refused to compile or instantiate WebAssembly/i.test(text);
}

function pushTime(times: number[], t: number): void {
  times.push(t);
  while (times.length > 0 && times[0]! < t - 2000) times.shift();
}

function countSince(times: number[], since: number): number {
  let n = 0;
  for (let i = times.length - 1; i >= 0 && times[i]! >= since; i--) n++;
  return n;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function roundTimings(t: EngineTimings): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(t)) out[k] = round2(v);
  return out;
}
