/**
 * The execution-host seam: where the engine runs. The relighter talks only to this interface.
 *
 * Implementations:
 * - `WorkerProcessor` (src/worker/worker-processor.ts): the engine in a dedicated module Worker. Preferred.
 * - `LocalProcessor` (this file): the engine on the current thread; used where the page's CSP forbids our worker
 *   (e.g. `worker-src 'self'` on Google Meet), with the heavy work on the GPU/wasm asynchronously.
 *
 * Ownership: `process` CONSUMES its frame and resolves with a NEW frame owned by the caller. Calls are served in
 * order (FIFO); at most two are outstanding at a time (the relighter guarantees it).
 */
import { Engine, type EngineConfig, type EngineInfo, type EngineTimings, type FaultKind } from './engine.js';
import type { RelightSettings } from '../core/settings.js';
import { closeTracked, openCounts } from '../core/leak-tracker.js';

export interface ProcessResult {
  frame: VideoFrame;
  timings: EngineTimings;
}

export type HostKind = 'worker' | 'main';

export interface FrameProcessor {
  readonly host: HostKind;
  init(config: EngineConfig, onProgress?: (what: string, fraction: number) => void): Promise<EngineInfo>;
  process(frame: VideoFrame): Promise<ProcessResult>;
  updateSettings(settings: RelightSettings): void;
  /** The user's environment lighting (27 floats irradiance SH) for preset 'custom'; null clears it. */
  setCustomLighting(irradianceSh: Float32Array | null): void;
  /** Development fault injection (tests): the next frames fail as `kind` says. */
  injectFault(kind: FaultKind | null): void;
  /** Open-handle counts in the host's realm, as last known. */
  leaks(): Record<string, number>;
  /** Called once if the host dies outside any call (worker crash). */
  onFatal(listener: (error: Error) => void): void;
  dispose(): Promise<void>;
}

export class LocalProcessor implements FrameProcessor {
  readonly host = 'main' as const;
  private engine: Engine | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private hang = false;

  async init(config: EngineConfig, onProgress?: (what: string, fraction: number) => void): Promise<EngineInfo> {
    this.engine = new Engine(config);
    return this.engine.init(onProgress);
  }

  process(frame: VideoFrame): Promise<ProcessResult> {
    const engine = this.engine;
    const run = async (): Promise<ProcessResult> => {
      if (this.hang) {
        closeTracked('VideoFrame', frame);
        return new Promise<ProcessResult>(() => {});
      }
      if (!engine) throw new Error('[LocalProcessor] not initialised');
      const out = await engine.process(frame);
      return { frame: out, timings: engine.lastTimings() };
    };
    // Serialise: stages keep per-frame state and must not interleave across awaits.
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  updateSettings(settings: RelightSettings): void {
    this.engine?.updateSettings(settings);
  }

  setCustomLighting(irradianceSh: Float32Array | null): void {
    this.engine?.setCustomLighting(irradianceSh);
  }

  injectFault(kind: FaultKind | null): void {
    this.hang = kind === 'hang';
    if (kind === 'crash') throw new Error('[LocalProcessor] crash fault is worker-only');
    this.engine?.injectFault(kind === 'hang' ? null : kind);
  }

  leaks(): Record<string, number> {
    return openCounts();
  }

  onFatal(): void {}

  async dispose(): Promise<void> {
    await this.queue.catch(() => {});
    this.engine?.dispose();
    this.engine = null;
  }
}
