/**
 * The popup: `<rl-controls>` (src/ui) bound to the user's settings in chrome.storage, plus a one-line status of the
 * call in the target tab (where processing runs, and why when it is not relighting).
 *
 * - The panel's master switch is "on for this site" (stored per top-level origin); every other control edits the
 *   global lighting. Each change is validated (the panel already sends validated patches; nextSettings validates
 *   again) and written to chrome.storage.local at most every WRITE_INTERVAL_MS; the tab's bridge applies it live
 *   from `storage.onChanged`, so nothing here depends on the background worker being alive.
 * - Target tab: `?tab=<id>`, else the active tab of this window (the normal toolbar popup), else, when the popup
 *   itself is that tab (opened as a page), the most recent tab with an open camera (asked of the background).
 */
import '../../src/ui/controls-element.js';
import { lightingPresetItems } from '../../src/ui/lighting-preset-items.js';
import type { RelighterStatsView } from '../../src/ui/status-element.js';
import type { ControlsElement } from '../../src/ui/controls-element.js';
import type { RelightSettings } from '../../src/core/settings.js';
import { nextSettings, readState, STORAGE_KEYS, type StoredState } from '../shared/stored-state.js';
import type { SessionStatus, TabStatus } from '../shared/runtime-messages.js';

const WRITE_INTERVAL_MS = 50;
const STATUS_INTERVAL_MS = 1000;

const panel = document.getElementById('controls') as ControlsElement;
const modeLine = document.getElementById('mode-line')!;
const notesList = document.getElementById('notes')!;

let state: StoredState;
let tabId: number | null = null;
let status: TabStatus | null = null;
let writeTimer: ReturnType<typeof setTimeout> | null = null;
let dirty = false;
let lastWriteMs = 0;

async function main(): Promise<void> {
  state = readState(await chrome.storage.local.get(Object.values(STORAGE_KEYS)));
  panel.presets = lightingPresetItems();
  tabId = await resolveTab();
  await refreshStatus();
  render();
  panel.addEventListener('rl-settings-change', (e) => onChange(e.detail));
  chrome.storage.onChanged.addListener((changes, area) => {
    // Another window changed them (our own echoes are skipped while we are writing).
    if (area !== 'local' || dirty || performance.now() - lastWriteMs < 500) return;
    if (!Object.values(STORAGE_KEYS).some((k) => k in changes)) return;
    void chrome.storage.local.get(Object.values(STORAGE_KEYS)).then((items) => {
      state = readState(items);
      render();
    });
  });
  setInterval(() => void refreshStatus().then(render), STATUS_INTERVAL_MS);
}

async function resolveTab(): Promise<number | null> {
  const explicit = Number(new URLSearchParams(location.search).get('tab'));
  if (Number.isInteger(explicit) && explicit > 0) return explicit;
  const [active] = await chrome.tabs.query({ active: true, currentWindow: true });
  const self = await chrome.tabs.getCurrent();
  if (active?.id !== undefined && active.id !== self?.id) return active.id;
  try {
    const r = await chrome.runtime.sendMessage<{ tabId: number | null }>({ type: 'rl-find-call-tab' });
    return r?.tabId ?? null;
  } catch {
    return null;
  }
}

/** Asks the tab's frames: the frame with a camera answers; if none has one, the top frame does. */
async function refreshStatus(): Promise<void> {
  if (tabId === null) {
    status = null;
    return;
  }
  const ask = async (any: boolean, frameId?: number): Promise<TabStatus | null> => {
    try {
      const r = await chrome.tabs.sendMessage<TabStatus | undefined>(tabId!, { type: 'rl-get-status', any }, frameId === undefined ? undefined : { frameId });
      return r ?? null;
    } catch {
      return null;
    }
  };
  status = (await ask(false)) ?? (await ask(true, 0));
}

function site(): string | null {
  return status?.site ?? null;
}

function onChange(patch: Partial<RelightSettings>): void {
  const s = site();
  if ('enabled' in patch && s !== null) {
    const sites = { ...state.sites };
    if (patch.enabled) sites[s] = true;
    else delete sites[s];
    state = { ...state, sites };
  }
  const rest: Partial<RelightSettings> = { ...patch };
  delete rest.enabled;
  if (Object.keys(rest).length > 0) {
    try {
      state = { ...state, settings: nextSettings(state.settings, rest) };
    } catch (e) {
      console.warn(`[RelightPopup] dropped an invalid change: ${(e as Error).message}`);
      render();
      return;
    }
  }
  scheduleWrite();
  render();
}

/** Leading + trailing throttle: the first change of a drag is written at once, then one write per interval. */
function scheduleWrite(): void {
  dirty = true;
  if (writeTimer) return;
  void write();
  writeTimer = setTimeout(function tick() {
    if (dirty) {
      void write();
      writeTimer = setTimeout(tick, WRITE_INTERVAL_MS);
    } else writeTimer = null;
  }, WRITE_INTERVAL_MS);
}

async function write(): Promise<void> {
  dirty = false;
  lastWriteMs = performance.now();
  await chrome.storage.local.set({ [STORAGE_KEYS.settings]: state.settings, [STORAGE_KEYS.sites]: state.sites });
  setTimeout(() => void refreshStatus().then(render), 300);
}

function render(): void {
  const s = site();
  const enabled = s !== null && state.sites[s] === true;
  panel.heading = s ? `Relight ${new URL(s).host}` : 'Relight';
  panel.settings = { ...state.settings, enabled };
  const session = status?.sessions[0];
  panel.stats = session ? statsView(session) : undefined;
  const { text, state: lineState, host } = modeText(enabled, session);
  modeLine.textContent = text;
  modeLine.dataset.state = lineState;
  modeLine.dataset.host = host;
  notesList.replaceChildren(...(status?.notes ?? []).map((n) => Object.assign(document.createElement('li'), { textContent: n })));
}

function statsView(s: SessionStatus): RelighterStatsView {
  return {
    mode: s.host === 'main' ? 'main-thread' : s.host,
    backend: s.mode === 'processing' ? s.backend : 'passthrough',
    fps: s.fps,
    stageMs: s.stageMs,
    loading: s.loading,
    fallbackReason: s.fallbackReason,
  };
}

function modeText(enabled: boolean, session: SessionStatus | undefined): { text: string; state: string; host: string } {
  const s = site();
  if (tabId === null) return { text: 'Open a tab with a video call to relight it.', state: 'idle', host: 'none' };
  if (!status) return { text: 'Relight cannot run on this page.', state: 'idle', host: 'none' };
  if (s === null) return { text: 'Relight works on http(s) sites only.', state: 'idle', host: 'none' };
  const where = new URL(s).host;
  const restart = status.rawCameras > 0 ? ' Restart the camera in the call to relight it.' : '';
  if (!enabled) {
    const tail = session ? ' The camera passes through unchanged.' : status.rawCameras > 0 ? ' Turn on, then restart the camera in the call.' : '';
    return { text: `Off for ${where}.${tail}`, state: 'off', host: 'none' };
  }
  if (!session) return { text: `On for ${where}: relighting starts when the site opens the camera.${restart}`, state: 'idle', host: 'none' };
  const fps = `${Math.round(session.fps)} fps`;
  switch (session.mode) {
    case 'processing':
      return session.host === 'main'
        ? {
            text: `Relighting on the page's main thread${status.cspBlocks.worker ? ` (${where} blocks workers)` : ''} · ${fps}`,
            state: 'processing',
            host: 'main',
          }
        : { text: `Relighting in a worker thread · ${fps}`, state: 'processing', host: session.host };
    case 'starting':
      return { text: `Starting${session.loading ? ` (loading ${session.loading.what})` : ''}…`, state: 'starting', host: session.host };
    case 'passthrough':
      if (status.cspBlocks.wasm) {
        return { text: `Passthrough: ${where}'s security policy forbids WebAssembly, which the models need.`, state: 'passthrough', host: 'none' };
      }
      return { text: `Passthrough: ${session.fallbackReason ?? 'the engine is restarting'}`, state: 'passthrough', host: session.host };
    default:
      return { text: `Camera passes through (${session.mode}).`, state: 'off', host: session.host };
  }
}

void main();
