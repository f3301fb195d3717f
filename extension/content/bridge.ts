/**
 * Isolated-world content script (document_start, every frame): the extension's side of every page.
 *
 * - Connects to the MAIN-world patch over a private MessageChannel (../shared/page-protocol.ts) and receives camera
 *   tracks through the DOM hand-off.
 * - Runs the engine HERE, in the isolated world: the relighter (src/pipeline) is loaded on the first camera with
 *   `import()` of the packaged engine module, and picks its host itself: a blob-URL module worker, or this thread
 *   when the page's CSP blocks the worker. Settings and engine state never enter the page's JavaScript realm.
 * - Reads settings and the per-site switch from chrome.storage (validated, ../shared/stored-state.ts) and applies
 *   every change live (`chrome.storage.onChanged` -> `relighter.update`). Nothing the page sends can change them:
 *   the page channel has no settings message, and this script never listens to window messages.
 * - Answers the popup's status requests and tells the background how many cameras this frame has open.
 */
import type { Relighter } from '../../src/pipeline/relighter.js';
import { HANDOFF_EVENT, CONNECT_MARK, PROTOCOL_VERSION, parsePageToBridge, type BridgeToPage } from '../shared/page-protocol.js';
import { effectiveSettings, readState, siteKey, STORAGE_KEYS, type StoredState } from '../shared/stored-state.js';
import { isExtensionPage, parseRuntimeMessage, type SessionStatus, type TabStatus } from '../shared/runtime-messages.js';
import type { RelightHostModule } from '../engine/relight-host.js';

const MAX_PENDING_HANDOFFS = 8;
const MAX_NOTES = 6;

interface Session {
  id: number;
  relighter: Relighter;
  camera: MediaStreamTrack;
}

class Bridge {
  private readonly site = topSite();
  private state: StoredState | null = null;
  /** Raw storage values by key (validated into `state` by readState on every change). */
  private items: Record<string, unknown> = {};
  private settingsAppliedAtMs = 0;
  private stateReady: Promise<void> | null = null;
  private readonly port: MessagePort;
  private readonly handoffs = new Map<number, HTMLMediaElement>();
  private readonly sessions = new Map<number, Session>();
  private readonly rawTracks = new Set<MediaStreamTrack>();
  private rawCameraCount = 0;
  private rawTimer: ReturnType<typeof setInterval> | null = null;
  private readonly notes: string[] = [];
  private readonly cspBlocks = { worker: false, wasm: false };
  private host: Promise<RelightHostModule> | null = null;

  constructor() {
    chrome.storage.onChanged.addListener((changes, area) => {
      if (area !== 'local') return;
      let touched = false;
      for (const key of Object.values(STORAGE_KEYS)) {
        if (!(key in changes)) continue;
        this.items[key] = changes[key]!.newValue;
        touched = true;
      }
      // The new values come with the event: applying them without re-reading storage saves a round trip.
      if (touched && this.state) this.applyState();
    });
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.port.onmessage = (e) => void this.onPageMessage(e.data);
    // Before any page script runs; the patch's capture listener takes it (see page-protocol.ts).
    window.postMessage({ [CONNECT_MARK]: PROTOCOL_VERSION }, '*', [channel.port2]);
    document.addEventListener(HANDOFF_EVENT, (e) => this.onHandoff(e), true);
    addEventListener('securitypolicyviolation', (e) => this.onCspViolation(e));
    chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => this.onRuntimeMessage(msg, sender, sendResponse));
    addEventListener('pagehide', () => void this.disposeAll());
  }

  // ---- page side

  private onHandoff(e: Event): void {
    if (!(e instanceof MouseEvent) || !(e.relatedTarget instanceof HTMLMediaElement)) return;
    if (this.handoffs.has(e.detail)) return; // first claim wins; the patch's ids are random
    if (this.handoffs.size >= MAX_PENDING_HANDOFFS) this.handoffs.delete(this.handoffs.keys().next().value!);
    this.handoffs.set(e.detail, e.relatedTarget);
  }

  private async onPageMessage(data: unknown): Promise<void> {
    const msg = parsePageToBridge(data);
    if (!msg) return;
    switch (msg.type) {
      case 'process':
        return this.process(msg.id, msg.trackId);
      case 'stopped':
        return this.stop(msg.id);
      case 'error':
        this.note(`The page patch returned the camera unprocessed: ${msg.message}`);
        return;
    }
  }

  private reply(msg: BridgeToPage): void {
    this.port.postMessage(msg);
  }

  private async process(id: number, trackId: string): Promise<void> {
    const holder = this.handoffs.get(id);
    this.handoffs.delete(id);
    const stream = holder?.srcObject;
    const camera = stream instanceof MediaStream ? stream.getVideoTracks()[0] : undefined;
    if (!holder || !camera || camera.id !== trackId || this.sessions.has(id)) return; // not a real hand-off: ignore
    await this.loadState();
    const state = this.state!; // the latest: onChanged may have replaced the first read
    const settings = effectiveSettings(state, this.site);
    if (!settings.enabled) {
      this.countRawCamera(camera);
      this.reply({ type: 'passthrough', id, reason: 'off' });
      this.reportCallState();
      return;
    }
    try {
      if (state.dev.fault === 'start') throw new Error('injected start fault (devOptions.fault)');
      const host = await this.loadHost();
      const relighter = await host.startRelighter(new MediaStream([camera]), settings, state.dev);
      this.sessions.set(id, { id, relighter, camera });
      holder.srcObject = relighter.stream;
      this.reply({ type: 'relit', id, trackId: relighter.stream.getVideoTracks()[0]!.id });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      console.warn(`[RelightBridge] could not start relighting, the page keeps its camera: ${message}`);
      this.note(`Could not start relighting: ${message}`);
      this.countRawCamera(camera);
      this.reply({ type: 'passthrough', id, reason: 'failed' });
    }
    this.reportCallState();
  }

  /**
   * A camera the page keeps unprocessed (off for the site, or failed to start). Counted while live; a page's stop()
   * fires no event, so the count is pruned on every read and checked every few seconds while there are any.
   */
  private countRawCamera(camera: MediaStreamTrack): void {
    this.rawTracks.add(camera);
    this.rawCameraCount = this.rawCameras;
    this.rawTimer ??= setInterval(() => {
      const n = this.rawCameras;
      if (n !== this.rawCameraCount) {
        this.rawCameraCount = n;
        this.reportCallState();
      }
      if (n === 0 && this.rawTimer) {
        clearInterval(this.rawTimer);
        this.rawTimer = null;
      }
    }, 2000);
  }

  private get rawCameras(): number {
    for (const t of this.rawTracks) if (t.readyState === 'ended') this.rawTracks.delete(t);
    return this.rawTracks.size;
  }

  private async stop(id: number): Promise<void> {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    // The camera is the page side's to stop (RelitCamera does when its last relit track stops). A late answer that
    // the patch no longer wanted ends here too, and there the page still uses the camera.
    await s.relighter.dispose();
    this.reportCallState();
  }

  private async disposeAll(): Promise<void> {
    // Leaving the page: report first (the page may be gone before the disposals finish).
    const ids = [...this.sessions.keys()];
    if (ids.length === 0 && this.rawCameras === 0) return;
    this.rawTracks.clear();
    const closing = ids.map((id) => this.stop(id));
    this.reportCallState();
    await Promise.all(closing);
  }

  private loadHost(): Promise<RelightHostModule> {
    this.host ??= import(/* @vite-ignore */ chrome.runtime.getURL('engine/relight-host.js')) as Promise<RelightHostModule>;
    return this.host;
  }

  // ---- settings

  /** Storage is read on the first camera (or status request), not on every page load. */
  private loadState(): Promise<void> {
    this.stateReady ??= chrome.storage.local.get(Object.values(STORAGE_KEYS)).then((items) => {
      // Changes that arrived while this first read was in flight are newer: keep them.
      this.items = { ...items, ...this.items };
      this.state = readState(this.items);
    });
    return this.stateReady;
  }

  private applyState(): void {
    this.state = readState(this.items);
    const settings = effectiveSettings(this.state, this.site);
    this.settingsAppliedAtMs = Date.now();
    for (const s of this.sessions.values()) {
      try {
        s.relighter.update(settings);
      } catch (e) {
        // Cannot happen with validated state; never let one bad value break the others.
        console.warn(`[RelightBridge] settings rejected: ${(e as Error).message}`);
      }
    }
    this.reportCallState();
  }

  // ---- status

  private onCspViolation(e: SecurityPolicyViolationEvent): void {
    if (!this.host) return; // the engine never started here: the page's own violations are none of our business
    if (e.blockedURI === 'wasm-eval' || /wasm/i.test(e.blockedURI)) {
      this.cspBlocks.wasm = true;
      this.note(`This site's Content-Security-Policy (${e.effectiveDirective}) forbids WebAssembly, which the models need: the camera passes through unprocessed.`);
    } else if (e.effectiveDirective === 'worker-src' || (e.effectiveDirective === 'script-src' && e.blockedURI.startsWith('blob'))) {
      this.cspBlocks.worker = true;
      this.note(`This site's Content-Security-Policy (${e.effectiveDirective}) blocks workers: relighting runs on the page's main thread.`);
    }
  }

  private note(text: string): void {
    const t = text.slice(0, 300);
    const i = this.notes.indexOf(t);
    if (i >= 0) this.notes.splice(i, 1); // a repeat moves to the end (newest)
    this.notes.push(t);
    if (this.notes.length > MAX_NOTES) this.notes.shift();
  }

  private status(): TabStatus {
    const sessions: SessionStatus[] = [...this.sessions.values()].map((s) => {
      const st = s.relighter.stats();
      return {
        id: s.id, mode: st.mode, host: st.host, backend: st.backend, stage: st.stage, segmenter: st.segmenter,
        fps: st.fps, inputFps: st.inputFps, widthPx: st.widthPx, heightPx: st.heightPx, framesOut: st.framesOut,
        passthroughFrames: st.passthroughFrames,
        stageMs: st.stageMs, loading: st.loading, fallbackReason: st.fallbackReason,
      };
    });
    const enabled = this.state ? effectiveSettings(this.state, this.site).enabled : false;
    return {
      site: this.site, enabled, sessions, rawCameras: this.rawCameras, notes: [...this.notes], cspBlocks: { ...this.cspBlocks },
      settingsAppliedAtMs: this.settingsAppliedAtMs,
      topFrame: window === top,
    };
  }

  private onRuntimeMessage(raw: unknown, sender: chrome.runtime.MessageSender, sendResponse: (r?: unknown) => void): boolean {
    const msg = parseRuntimeMessage(raw);
    if (msg?.type !== 'rl-get-status' || !isExtensionPage(sender)) return false;
    // Frames without a camera stay silent so that the frame with the call answers; the top frame answers `any`.
    const hasCamera = this.sessions.size > 0 || this.rawCameras > 0;
    if (!hasCamera && !(msg.any && window === top)) return false;
    void this.loadState().then(() => sendResponse(this.status()));
    return true; // answered asynchronously
  }

  private reportCallState(): void {
    chrome.runtime
      .sendMessage({ type: 'rl-call-state', site: this.site, sessions: this.sessions.size, rawCameras: this.rawCameras })
      .catch(() => {}); // the background may be restarting; the next change reports again
  }
}

/** The top-level page's origin as a site key (iframes use ancestorOrigins: the call belongs to the tab's site). */
function topSite(): string | null {
  if (window === top) return siteKey(location.origin);
  const ancestors = location.ancestorOrigins;
  return ancestors && ancestors.length > 0 ? siteKey(ancestors[ancestors.length - 1]) : null;
}

new Bridge();
