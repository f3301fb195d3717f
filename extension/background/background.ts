/**
 * Background service worker. Deliberately small and stateless: nothing in a call depends on it. Frames are
 * processed in the page (see extension/README.md) and settings live in chrome.storage, which the bridges read
 * directly, so Chrome may stop this worker at any time (it does after ~30 s idle) without the video noticing.
 *
 * What it does:
 * - Keeps a registry of tabs with an open camera (reported by the bridges) in chrome.storage.session, so that it
 *   survives its own restarts; the popup uses it when it is not opened over the call's tab.
 * - Shows a badge on tabs whose camera is being relit.
 */
import { parseRuntimeMessage } from '../shared/runtime-messages.js';

const CALLS_KEY = 'calls';

interface CallEntry {
  tabId: number;
  site: string | null;
  sessions: number;
  rawCameras: number;
  updatedAtMs: number;
}

type Calls = Record<string, CallEntry>;

async function readCalls(): Promise<Calls> {
  const items = await chrome.storage.session.get(CALLS_KEY);
  const calls = items[CALLS_KEY];
  return typeof calls === 'object' && calls !== null ? (calls as Calls) : {};
}

// Serialise read-modify-write of the registry: two frames can report at the same moment.
let queue: Promise<unknown> = Promise.resolve();
function updateCalls(change: (calls: Calls) => void): Promise<void> {
  const run = queue.then(async () => {
    const calls = await readCalls();
    change(calls);
    await chrome.storage.session.set({ [CALLS_KEY]: calls });
  });
  queue = run.catch((e) => console.warn('[RelightBackground] registry update failed', e));
  return run;
}

chrome.runtime.onMessage.addListener((raw, sender, sendResponse) => {
  const msg = parseRuntimeMessage(raw);
  if (!msg) return false;
  if (msg.type === 'rl-call-state') {
    const tabId = sender.tab?.id;
    if (sender.id !== chrome.runtime.id || tabId === undefined) return false;
    const key = `${tabId}:${sender.frameId ?? 0}`;
    void updateCalls((calls) => {
      if (msg.sessions === 0 && msg.rawCameras === 0) delete calls[key];
      else calls[key] = { tabId, site: msg.site, sessions: msg.sessions, rawCameras: msg.rawCameras, updatedAtMs: Date.now() };
    }).then(() => updateBadge(tabId));
    return false;
  }
  if (msg.type === 'rl-find-call-tab') {
    void readCalls().then((calls) => {
      const latest = Object.values(calls).sort((a, b) => b.updatedAtMs - a.updatedAtMs)[0];
      sendResponse({ tabId: latest?.tabId ?? null });
    });
    return true; // answered asynchronously
  }
  return false;
});

chrome.tabs.onRemoved.addListener((tabId) => {
  void updateCalls((calls) => {
    for (const key of Object.keys(calls)) if (calls[key]!.tabId === tabId) delete calls[key];
  });
});

async function updateBadge(tabId: number): Promise<void> {
  const calls = await readCalls();
  const relit = Object.values(calls).some((c) => c.tabId === tabId && c.sessions > 0);
  try {
    await chrome.action.setBadgeText({ tabId, text: relit ? 'ON' : '' });
    if (relit) await chrome.action.setBadgeBackgroundColor({ tabId, color: '#c77d1a' });
  } catch {
    // The tab closed meanwhile.
  }
}
