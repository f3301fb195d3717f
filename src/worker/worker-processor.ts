/**
 * The engine in a dedicated module Worker (the preferred execution host). See src/pipeline/processor.ts.
 *
 * Failure handling: init has a timeout; each frame has a timeout (a hung worker must not freeze the call); a worker
 * `error` event rejects everything outstanding and is reported once through `onFatal`.
 */
import type { EngineConfig, EngineInfo, FaultKind } from '../pipeline/engine.js';
import type { FrameProcessor, ProcessResult } from '../pipeline/processor.js';
import type { RelightSettings } from '../core/settings.js';
import { RelightError } from '../core/errors.js';
import { closeTracked, noteOpened } from '../core/leak-tracker.js';
import { parseFromWorker, type FromWorker, type ToWorker } from './protocol.js';

export type WorkerFactory = () => Worker;

export const defaultWorkerFactory: WorkerFactory = () =>
  new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'relight-engine' });

export interface WorkerProcessorOptions {
  factory?: WorkerFactory;
  initTimeoutMs?: number;
  frameTimeoutMs?: number;
}

interface Pending {
  resolve: (r: ProcessResult) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class WorkerProcessor implements FrameProcessor {
  readonly host = 'worker' as const;
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private workerLeaks: Record<string, number> = {};
  private fatalListeners: ((e: Error) => void)[] = [];
  private fatal: Error | null = null;
  private onReady: ((info: EngineInfo) => void) | null = null;
  private onInitError: ((e: Error) => void) | null = null;
  private onProgress: ((what: string, fraction: number) => void) | undefined;
  private disposed = false;
  private readonly initTimeoutMs: number;
  private readonly frameTimeoutMs: number;
  /** With the default timeout, a frame counts as hung only past max(timeout, 20 x the recent round trip). */
  private readonly adaptive: boolean;
  private roundTripEmaMs = 0;
  private readonly sentAt = new Map<number, number>();
  private readonly factory: WorkerFactory;

  constructor(options: WorkerProcessorOptions = {}) {
    this.factory = options.factory ?? defaultWorkerFactory;
    this.initTimeoutMs = options.initTimeoutMs ?? 30_000;
    this.frameTimeoutMs = options.frameTimeoutMs ?? 3_000;
    this.adaptive = options.frameTimeoutMs === undefined;
  }

  async init(config: EngineConfig, onProgress?: (what: string, fraction: number) => void): Promise<EngineInfo> {
    this.onProgress = onProgress;
    try {
      this.worker = this.factory();
    } catch (e) {
      // CSP `worker-src` violations throw synchronously (SecurityError).
      throw new RelightError('worker-failed', `cannot start the worker: ${(e as Error).message}`, { cause: e });
    }
    this.worker.onmessage = (ev) => this.onMessage(ev.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault?.();
      this.die(new RelightError('worker-failed', `worker error: ${ev.message || 'script failed to load or crashed'}`));
    };
    this.worker.onmessageerror = () => this.die(new RelightError('protocol', 'worker message could not be deserialised'));
    const ready = new Promise<EngineInfo>((resolve, reject) => {
      this.onReady = resolve;
      this.onInitError = reject;
    });
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new RelightError('worker-timeout', `worker did not start within ${this.initTimeoutMs} ms`)), this.initTimeoutMs);
    });
    this.post({ type: 'init', config, dev: (globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ === true });
    return Promise.race([ready, timeout]);
  }

  process(frame: VideoFrame): Promise<ProcessResult> {
    if (this.fatal || !this.worker) {
      closeTracked('VideoFrame', frame);
      return Promise.reject(this.fatal ?? new RelightError('disposed', 'worker is not running'));
    }
    const id = this.nextId++;
    return new Promise<ProcessResult>((resolve, reject) => {
      const limitMs = this.adaptive ? Math.max(this.frameTimeoutMs, 20 * this.roundTripEmaMs) : this.frameTimeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.sentAt.delete(id);
        reject(new RelightError('worker-timeout', `worker did not answer a frame within ${Math.round(limitMs)} ms`));
      }, limitMs);
      this.sentAt.set(id, performance.now());
      this.pending.set(id, { resolve, reject, timer });
      // Transferred: the frame now belongs to the worker (count it closed here; the worker counts it open).
      this.post({ type: 'frame', id, frame }, [frame]);
      closeTracked('VideoFrame', { close: () => {} });
    });
  }

  updateSettings(settings: RelightSettings): void {
    this.post({ type: 'settings', settings });
  }

  setCustomLighting(irradianceSh: Float32Array | null): void {
    this.post({ type: 'custom-lighting', irradianceSh });
  }

  injectFault(kind: FaultKind | null): void {
    this.post({ type: 'fault', kind });
  }

  leaks(): Record<string, number> {
    return { ...this.workerLeaks };
  }

  onFatal(listener: (error: Error) => void): void {
    this.fatalListeners.push(listener);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const worker = this.worker;
    if (worker && !this.fatal) {
      // Ask the engine to release its resources and report its final counts, but never wait long.
      const done = new Promise<void>((resolve) => {
        const prev = worker.onmessage;
        worker.onmessage = (ev) => {
          if (ev.data?.type === 'disposed') {
            this.workerLeaks = ev.data.leaks;
            resolve();
          } else prev?.call(worker, ev);
        };
      });
      this.post({ type: 'dispose' });
      await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
    }
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RelightError('disposed', 'processor disposed'));
      this.pending.delete(id);
    }
    worker?.terminate();
    this.worker = null;
  }

  private post(msg: ToWorker, transfer: Transferable[] = []): void {
    this.worker?.postMessage(msg, transfer);
  }

  private die(error: Error): void {
    if (this.fatal) return;
    this.fatal = error;
    this.onInitError?.(error);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(error);
      this.pending.delete(id);
    }
    for (const l of this.fatalListeners) l(error);
  }

  private onMessage(data: unknown): void {
    let msg: FromWorker;
    try {
      msg = parseFromWorker(data);
    } catch (e) {
      console.warn(`[WorkerProcessor] ${(e as Error).message}`);
      return;
    }
    switch (msg.type) {
      case 'ready':
        this.onReady?.(msg.info);
        return;
      case 'init-error':
        this.onInitError?.(new RelightError(msg.code as RelightError['code'], msg.message));
        return;
      case 'progress':
        this.onProgress?.(msg.what, msg.fraction);
        return;
      case 'result': {
        noteOpened('VideoFrame');
        this.workerLeaks = msg.leaks;
        const p = this.pending.get(msg.id);
        if (!p) {
          // Too late (timed out): nobody wants it.
          closeTracked('VideoFrame', msg.frame);
          return;
        }
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        const sent = this.sentAt.get(msg.id);
        this.sentAt.delete(msg.id);
        if (sent !== undefined) {
          const rt = performance.now() - sent;
          this.roundTripEmaMs = this.roundTripEmaMs === 0 ? rt : this.roundTripEmaMs * 0.9 + rt * 0.1;
        }
        p.resolve({ frame: msg.frame, timings: msg.timings });
        return;
      }
      case 'frame-error': {
        this.workerLeaks = msg.leaks;
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        p.reject(new RelightError(msg.code as RelightError['code'], msg.message));
        return;
      }
      case 'disposed':
        this.workerLeaks = msg.leaks;
        return;
    }
  }
}
