/// <reference path="../../extension/types/chrome-api.d.ts" />
/**
 * Helpers for the extension e2e tests: build the real extension (the same `vite build --config vite.ext.config.ts`
 * as `npm run build:ext`), launch Chromium with it and a fake camera, reach the extension's own pages, read its
 * storage and status, and kill its service worker.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inject } from 'vitest';
import { build } from 'vite';
import type { BrowserContext, Page, Worker } from 'playwright-core';
import { launch, type Launched } from '../support/browser.js';
import { REPO_ROOT, ARTIFACTS_DIR, hasData } from '../support/env.js';
import { sharedClipY4m, syntheticPortraitY4m } from '../support/y4m.js';
import type { TabStatus } from '../../extension/shared/runtime-messages.js';

export const EXTENSION_DIR = resolve(REPO_ROOT, 'dist/extension');
export const EXTENSION_ZIP = resolve(REPO_ROOT, 'dist/relight-extension.zip');
const STAMP = resolve(ARTIFACTS_DIR, 'extension-build.stamp');

/**
 * Builds dist/extension once per test run: the stamp holds this run's server URL (a fresh port per run), so a
 * second e2e file in the same run reuses the build and the next run rebuilds.
 */
export async function buildExtensionOnce(): Promise<{ built: boolean; ms: number }> {
  const runId = inject('baseUrl');
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === runId && existsSync(resolve(EXTENSION_DIR, 'manifest.json'))) {
    return { built: false, ms: 0 };
  }
  const t0 = performance.now();
  await build({ configFile: resolve(REPO_ROOT, 'vite.ext.config.ts'), logLevel: 'warn' });
  writeFileSync(STAMP, runId);
  return { built: true, ms: performance.now() - t0 };
}

/** The fake camera: a real talking-head clip when the shared data is there, else the synthetic portrait. */
export function cameraClip(): { path: string; real: boolean } {
  const rel = 'videos/grid/bbaf2n.mpg';
  if (hasData(rel, 'extension e2e (real clip)')) return { path: sharedClipY4m(rel), real: true };
  return { path: syntheticPortraitY4m(), real: false };
}

export interface ExtensionSession {
  b: Launched;
  context: BrowserContext;
  id: string;
  /** An extension page (popup.html) used as the tests' hand on chrome.storage / tabs messaging. */
  control: Page;
  url(path: string): string;
  storage(): Promise<Record<string, unknown>>;
  setStorage(items: Record<string, unknown>): Promise<void>;
  /** Status of the call in the tab whose site is `site` (as the popup gets it), or null. */
  status(site: string): Promise<TabStatus | null>;
  serviceWorker(): Promise<Worker>;
  /** Stops the extension's service worker (as Chrome does when it idles it out); resolves once it is stopped. */
  killServiceWorker(): Promise<void>;
  /** 'running' | 'stopped' | 'starting' | 'stopping', from the DevTools protocol. */
  serviceWorkerState(): Promise<string>;
}

export async function launchWithExtension(clipPath: string): Promise<ExtensionSession> {
  const b = await launch({
    extensionDir: EXTENSION_DIR,
    fakeVideo: clipPath,
    // Two fake cameras for device switching where the fake device honours it (the last value of a repeated switch
    // wins); with a clip file Chromium 156 still offers one.
    extraArgs: ['--use-fake-device-for-media-stream=device-count=2'],
  });
  const context = b.context;
  const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  const id = new URL(sw.url()).host;
  const url = (path: string) => `chrome-extension://${id}/${path}`;
  const control = await b.newPage();
  await control.goto(url('popup.html'));
  // The extension's service worker as the DevTools protocol reports it (version id and running status).
  const cdp = await context.newCDPSession(control);
  const versions = new Map<string, { scriptURL: string; runningStatus: string }>();
  cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
    for (const v of e.versions) versions.set(v.versionId, v);
  });
  await cdp.send('ServiceWorker.enable');
  const workerStatus = async () => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const mine = [...versions.entries()].filter(([, v]) => v.scriptURL.startsWith(`chrome-extension://${id}/`));
      const last = mine[mine.length - 1];
      if (last) return { cdp, versionId: last[0], state: last[1].runningStatus };
      if (Date.now() > deadline) throw new Error('[ExtensionHarness] no service worker version reported');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const session: ExtensionSession = {
    b, context, id, control, url,
    storage: () => control.evaluate(() => chrome.storage.local.get(null)),
    setStorage: (items) => control.evaluate((i) => chrome.storage.local.set(i), items),
    async status(site) {
      return control.evaluate(async (s) => {
        const calls = ((await chrome.storage.session.get('calls')).calls ?? {}) as Record<string, { tabId: number; site: string; updatedAtMs: number }>;
        const entry = Object.values(calls).filter((c) => c.site === s).sort((a, b) => b.updatedAtMs - a.updatedAtMs)[0];
        if (!entry) return null;
        try {
          return (await chrome.tabs.sendMessage(entry.tabId, { type: 'rl-get-status', any: true }, { frameId: 0 })) as TabStatus;
        } catch {
          return null;
        }
      }, site);
    },
    async serviceWorker() {
      return context.serviceWorkers()[0] ?? context.waitForEvent('serviceworker', { timeout: 15_000 });
    },
    async killServiceWorker() {
      // ServiceWorker.stopWorker is what chrome://serviceworker-internals "Stop" does (and what Chrome does to an
      // idle worker). Closing the target with Target.closeTarget only detaches it here.
      const status = await workerStatus();
      if (status.state !== 'running') throw new Error(`[ExtensionHarness] service worker is ${status.state}`);
      await status.cdp.send('ServiceWorker.stopWorker', { versionId: status.versionId });
      const deadline = Date.now() + 10_000;
      while ((await workerStatus()).state !== 'stopped') {
        if (Date.now() > deadline) throw new Error('[ExtensionHarness] the service worker did not stop');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async serviceWorkerState() {
      return (await workerStatus()).state;
    },
  };
  return session;
}

/** Opens the loopback call page (tests/e2e/pages/call.html) on `origin`, optionally under a CSP. */
export async function openCallPage(b: Launched, origin: string, csp?: string): Promise<Page> {
  const page = await b.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const query = csp ? `?csp=${encodeURIComponent(csp)}` : '';
  await page.goto(`${origin}/tests/e2e/pages/call.html${query}`);
  try {
    await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 60_000 });
  } catch (e) {
    throw new Error(`[ExtensionHarness] call page did not load: ${errors.join(' | ') || (e as Error).message}`);
  }
  return page;
}
