/**
 * MAIN-world content script (document_start, every frame): wraps `navigator.mediaDevices.getUserMedia` so that, on
 * sites where the user turned relighting on, the video track the page gets is the relit one.
 *
 * - The real getUserMedia runs first with the page's own constraints (resolution, frame rate, deviceId, audio), so
 *   permission prompts, errors and device choice are exactly the browser's. Its errors reach the page unchanged.
 * - Requests without video, and streams without a video track, are returned untouched.
 * - Each request is its own session (concurrent requests and device switching just work; the page stops the old
 *   track as usual). The camera track is handed to the isolated-world bridge, which runs the engine there (see
 *   extension/README.md for why not here) and hands back the relit track; see ../shared/page-protocol.ts.
 * - Fail open: if anything goes wrong (no bridge, timeout, bad reply) the page gets its camera stream as is, and
 *   the reason is logged here and sent to the bridge for the popup.
 *
 * This file is bundled alone as an IIFE (no imports at run time) and holds no settings: nothing here can tell the
 * page more than the video it already receives.
 */
import { natives } from './natives.js';
import { RelitCamera } from './relit-camera.js';
import {
  HANDOFF_EVENT,
  isConnectMessage,
  parseBridgeToPage,
  type BridgeToPage,
  type PageToBridge,
} from '../shared/page-protocol.js';

/** The engine module may have to load (first camera on a page): generous, then fail open. */
const REPLY_TIMEOUT_MS = 8000;
/** getUserMedia called before the bridge connected (very early pages): how long to wait for it. */
const CONNECT_WAIT_MS = 1000;
const PATCHED = Symbol.for('relight-extension.patched');

interface Pending {
  resolve: (reply: BridgeToPage) => void;
  timer: ReturnType<typeof setTimeout>;
}

class PagePatch {
  private port: MessagePort | null = null;
  private connectWaiters: (() => void)[] = [];
  private readonly pending = new Map<number, Pending>();

  install(): void {
    const g = globalThis as unknown as Record<symbol, boolean>;
    if (g[PATCHED] || !natives.getUserMedia) return;
    g[PATCHED] = true;
    // Capture phase, registered before any page script: the bridge's port never reaches page listeners.
    natives.addEventListener(window, 'message', (e: Event) => this.onWindowMessage(e as MessageEvent), true);
    this.patchGetUserMedia(natives.getUserMedia);
  }

  private onWindowMessage(e: MessageEvent): void {
    if (this.port || e.source !== window || !isConnectMessage(e.data, e.ports)) return;
    e.stopImmediatePropagation();
    const port = e.ports[0]!;
    port.onmessage = (m) => this.onBridgeMessage(m.data);
    this.port = port;
    for (const w of this.connectWaiters.splice(0)) w();
  }

  private onBridgeMessage(data: unknown): void {
    const reply = parseBridgeToPage(data);
    if (!reply) return;
    const p = this.pending.get(reply.id);
    if (!p) {
      // Too late: we already returned the camera. Release what the bridge started for nothing.
      if (reply.type === 'relit') this.post({ type: 'stopped', id: reply.id });
      return;
    }
    this.pending.delete(reply.id);
    natives.clearTimeout(p.timer);
    p.resolve(reply);
  }

  private post(msg: PageToBridge): void {
    if (this.port) natives.portPostMessage(this.port, msg);
  }

  private patchGetUserMedia(original: MediaDevices['getUserMedia']): void {
    const self = this;
    // A plain (non-arrow) function: the page calls it with navigator.mediaDevices as `this`; the real one checks.
    const getUserMedia = async function getUserMedia(this: MediaDevices, constraints?: MediaStreamConstraints): Promise<MediaStream> {
      const stream = await natives.apply(original, this, [constraints]) as MediaStream;
      if (!constraints?.video || natives.streamGetVideoTracks(stream).length === 0) return stream;
      return self.relight(stream);
    };
    Object.defineProperty(MediaDevices.prototype, 'getUserMedia', {
      value: getUserMedia, writable: true, configurable: true, enumerable: true,
    });
    // The legacy callback API, still present in Chromium, goes through the same path.
    const nav = navigator as Navigator & { webkitGetUserMedia?: unknown; getUserMedia?: unknown };
    if (typeof nav.webkitGetUserMedia === 'function') {
      const legacy = function webkitGetUserMedia(c: MediaStreamConstraints, ok: (s: MediaStream) => void, fail: (e: unknown) => void): void {
        getUserMedia.call(navigator.mediaDevices, c).then(ok, fail);
      };
      Object.defineProperty(Navigator.prototype, 'webkitGetUserMedia', { value: legacy, writable: true, configurable: true });
    }
  }

  /** Swaps the stream's camera track for a relit one in place; on any failure leaves the stream as it was. */
  private async relight(stream: MediaStream): Promise<MediaStream> {
    const camera = natives.streamGetVideoTracks(stream)[0]!;
    const id = randomId();
    try {
      if (!this.port) await this.waitForBridge();
      if (!this.port) throw new Error('the extension bridge is not connected in this frame');
      const holder = natives.createElement(document, 'video');
      natives.srcObjectSet(holder, new natives.MediaStream([camera]));
      const reply = this.waitForReply(id);
      natives.dispatchEvent(document, new natives.MouseEvent(HANDOFF_EVENT, { relatedTarget: holder, detail: id }));
      this.post({ type: 'process', id, trackId: natives.trackId(camera) });
      const r = await reply;
      if (r.type === 'passthrough') return stream;
      const relitStream = natives.srcObjectGet(holder);
      natives.srcObjectSet(holder, null);
      const relit = relitStream instanceof natives.MediaStream ? natives.streamGetVideoTracks(relitStream)[0] : undefined;
      if (!relit || natives.trackId(relit) !== r.trackId) throw new Error('the bridge answered without the relit track');
      const session = new RelitCamera(camera, relit, () => this.post({ type: 'stopped', id }));
      natives.streamRemoveTrack(stream, camera);
      natives.streamAddTrack(stream, relit);
      session.patchStream(stream);
      return stream;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      natives.warn(`[RelightPatch] returning the camera unprocessed: ${message}`);
      this.post({ type: 'error', id, message });
      return stream;
    }
  }

  private waitForBridge(): Promise<void> {
    return new Promise((resolve) => {
      const t = natives.setTimeout(resolve, CONNECT_WAIT_MS);
      this.connectWaiters.push(() => {
        natives.clearTimeout(t);
        resolve();
      });
    });
  }

  private waitForReply(id: number): Promise<BridgeToPage> {
    return new Promise((resolve, reject) => {
      const timer = natives.setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer from the extension within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.pending.set(id, { resolve, timer });
    });
  }
}

/** A random positive 31-bit id (UIEvent.detail is a 32-bit integer): a page cannot guess the next one. */
function randomId(): number {
  const a = new Uint32Array(1);
  natives.getRandomValues(a);
  return (a[0]! >>> 1) || 1;
}

new PagePatch().install();
