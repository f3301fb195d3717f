/**
 * Launches Debian's Chromium through playwright-core with the flags that work on this machine (see
 * ../shared/NOTES.md), optionally with a fake camera fed from a y4m clip and with WebGPU (SwiftShader).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface LaunchOptions {
  /** y4m served as a 30 fps camera. */
  fakeVideo?: string;
  webgpu?: boolean;
  extraArgs?: string[];
  /** MV3 extension directory to load (uses a persistent context). */
  extensionDir?: string;
}

export interface Launched {
  context: BrowserContext;
  browser: Browser | null;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export function chromiumArgs(opts: LaunchOptions, userDataDir?: string): string[] {
  const args = [
    '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
    '--allow-loopback-in-peer-connection',
  ];
  if (userDataDir) args.push(`--user-data-dir=${userDataDir}`);
  if (opts.fakeVideo) {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${opts.fakeVideo}`);
  } else {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream');
  }
  if (opts.webgpu) args.push('--enable-unsafe-webgpu');
  if (opts.extensionDir) {
    args.push(`--disable-extensions-except=${opts.extensionDir}`, `--load-extension=${opts.extensionDir}`);
  }
  args.push(...(opts.extraArgs ?? []));
  return args;
}

export async function launch(opts: LaunchOptions = {}): Promise<Launched> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'rl-chromium-'));
  const args = chromiumArgs(opts);
  // A persistent context on a fresh directory: the same path for pages and extensions, and a fresh profile.
  const context: BrowserContext = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    ignoreDefaultArgs: opts.extensionDir ? ['--disable-extensions'] : [],
  });
  return {
    context,
    browser: context.browser(),
    newPage: async () => {
      const page = await context.newPage();
      page.on('console', (m) => {
        if (process.env.RL_DEBUG || m.type() === 'error') console.log(`[page:${m.type()}] ${m.text()}`);
      });
      page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
      return page;
    },
    close: async () => {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
