
/**
 * Worker entry: hosts one Engine. Frames arrive transferred, results go back transferred. Any error in a frame
 * is answered with `frame-error` (the page passes the original frame through); nothing is ever left unanswered,
 * except under the `hang` fault that tests use to prove the page's timeout.
 */
import { Engine } from '../pipeline/engine.js';
import { parseToWorker, type FromWorker, type ToWorker } from './protocol.js';
import { RelightError, describeError } from '../core/errors.js';
import { closeTracked, noteOpened, openCounts } from '../core/leak-tracker.js';

declare const self: DedicatedWorkerGlobalScope;

let engine: Engine | null = null;
let hang = false;
let chain: Promise<void> = Promise.resolve();

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

function codeOf(e: unknown): string {
  return e instanceof RelightError ? e.code : 'stage-failed';
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init': {
      (globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = msg.dev;
      try {
        engine = new Engine(msg.config);
        const info = await engine.init((what, fraction) => post({ type: 'progress', what, fraction }));
        post({ type: 'ready', info });
      } catch (e) {
        post({ type: 'init-error', code: codeOf(e), message: describeError(e) });
      }
      return;
    }
    case 'frame': {
      noteOpened('VideoFrame');
      const frame = msg.frame;
      if (hang) {
        closeTracked('VideoFrame', frame);
        return;
      }
      if (!engine) {
        closeTracked('VideoFrame', frame);
        post({ type: 'frame-error', id: msg.id, code: 'disposed', message: 'engine not initialised', leaks: openCounts() });
        return;
      }
      try {
        const out = await engine.process(frame);
        // The result leaves this realm: count it closed here, the page counts it open on receipt.
        const timings = engine.lastTimings();
        closeTrackedCountOnly();
        post({ type: 'result', id: msg.id, frame: out, timings, leaks: openCounts() }, [out]);
      } catch (e) {
        post({ type: 'frame-error', id: msg.id, code: codeOf(e), message: describeError(e), leaks: openCounts() });
      }
      return;
    }
    case 'settings':
      engine?.updateSettings(msg.settings);
      return;
    case 'custom-lighting':
      engine?.setCustomLighting(msg.irradianceSh);
      return;
    case 'fault':
      hang = msg.kind === 'hang';
      if (msg.kind === 'crash') {
        // An uncaught error in a task: the worker's `error` event fires on the page, as a real crash would.
        setTimeout(() => {
          throw new Error('injected worker crash');
        });
        return;
      }
      engine?.injectFault(msg.kind === 'hang' ? null : msg.kind);
      return;
    case 'dispose':
      engine?.dispose();
      engine = null;
      post({ type: 'disposed', leaks: openCounts() });
      return;
  }
}

function closeTrackedCountOnly(): void {
  closeTracked('VideoFrame', { close: () => {} });
}

self.onmessage = (event: MessageEvent) => {
  let msg: ToWorker;
  try {
    msg = parseToWorker(event.data);
  } catch (e) {
    console.warn(`[RelightWorker] ${describeError(e)}`);
    return;
  }
  if (msg.type === 'frame' || msg.type === 'init' || msg.type === 'dispose') {
    // FIFO: frames are processed one at a time, in arrival order.
    chain = chain.then(() => handle(msg)).catch((e) => console.error('[RelightWorker]', e));
  } else {
    void handle(msg);
  }
};
