/**
 * Messages between the extension's own contexts (chrome.runtime / chrome.tabs messaging): bridge -> background
 * (call state), popup -> background (which tab has the call), popup -> bridge (status of that tab). Web pages
 * cannot send any of these: the manifest has no `externally_connectable`, so pages have no chrome.runtime.
 * Receivers still parse every message and check the sender.
 */

/** One relit camera in a tab, as the popup shows it. */
export interface SessionStatus {
  id: number;
  mode: string;
  /** 'worker' | 'main' | 'none' */
  host: string;
  backend: string;
  stage: string;
  segmenter: string;
  fps: number;
  inputFps: number;
  widthPx: number;
  heightPx: number;
  framesOut: number;
  /** Frames written unprocessed (starting, failures). */
  passthroughFrames: number;
  stageMs: Record<string, number>;
  loading?: { what: string; fraction: number };
  fallbackReason?: string;
}

export interface TabStatus {
  /** The site key (top-level origin) this frame's settings are stored under; null where the extension cannot run. */
  site: string | null;
  enabled: boolean;
  sessions: SessionStatus[];
  /** Cameras the page holds unprocessed: opened while off for the site, or relighting failed to start. */
  rawCameras: number;
  /** Recent problems worth telling the user (CSP blocks, fail-open reasons), newest last. */
  notes: string[];
  /** What the page's Content-Security-Policy blocked when the engine started (from securitypolicyviolation). */
  cspBlocks: { worker: boolean; wasm: boolean };
  /** Date.now() when this frame last applied a settings change (latency measurements). */
  settingsAppliedAtMs: number;
  /** Whether the top frame answered (else an iframe with the call). */
  topFrame: boolean;
}

export type RuntimeMessage =
  /** bridge -> background: the number of cameras this frame has open (relit or raw). */
  | { type: 'rl-call-state'; site: string | null; sessions: number; rawCameras: number }
  /** popup -> background: the most recent tab with an open camera. */
  | { type: 'rl-find-call-tab' }
  /** popup -> bridge: status. Frames without cameras stay silent unless `any` (then the top frame answers). */
  | { type: 'rl-get-status'; any: boolean };

export function parseRuntimeMessage(m: unknown): RuntimeMessage | null {
  if (typeof m !== 'object' || m === null) return null;
  const r = m as Record<string, unknown>;
  switch (r.type) {
    case 'rl-call-state':
      if ((typeof r.site === 'string' || r.site === null) && isCount(r.sessions) && isCount(r.rawCameras)) {
        return { type: 'rl-call-state', site: r.site as string | null, sessions: r.sessions as number, rawCameras: r.rawCameras as number };
      }
      return null;
    case 'rl-find-call-tab':
      return { type: 'rl-find-call-tab' };
    case 'rl-get-status':
      return { type: 'rl-get-status', any: r.any === true };
    default:
      return null;
  }
}

function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1000;
}

/** True when `sender` is one of this extension's own pages (popup, options), not a content script. */
export function isExtensionPage(sender: chrome.runtime.MessageSender): boolean {
  return sender.id === chrome.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(chrome.runtime.getURL(''));
}
