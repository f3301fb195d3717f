import { resolve } from 'node:path';
import { inject } from 'vitest';
import type { Page } from 'playwright-core';
import type { Launched } from './browser.js';
import { DATA_DIR } from './env.js';

export interface OpenOptions {
  /** Appended to the page URL, e.g. '?csp=strict'. */
  query?: string;
  /** Runs on the new page before it navigates: routes, viewport. */
  setup?: (page: Page) => Promise<void>;
}

/**
 * Opens tests/browser/pages/<name> and waits until the page script sets document.title = 'ready' (every test
 * page does once its API object is on `window`). Fails fast with the page's own error if its modules do not load
 * (instead of a 60 s timeout).
 */
export async function openTestPage(b: Launched, name: string, opts: OpenOptions = {}): Promise<Page> {
  const page = await b.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`Failed to load resource ${r.url()} (${r.status()})`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await opts.setup?.(page);
  await page.goto(`${inject('baseUrl')}/tests/browser/pages/${name}${opts.query ?? ''}`);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await page.title()) === 'ready') return page;
    if (errors.some((e) => /Failed to load resource|SyntaxError|does not provide an export|Failed to fetch dynamically/.test(e))) {
      throw new Error(`[openTestPage] ${name} failed to load: ${errors.join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`[openTestPage] ${name} not ready after 60 s: ${errors.join(' | ')}`);
}

/** Where a page fetches `rel` of the shared data once `serveSharedData` routes it. */
export const sharedDataUrl = (rel: string): string => `${inject('baseUrl')}/__data/${rel}`;

/** Serves the shared data folder, read in place, to `page` under sharedDataUrl(). */
export async function serveSharedData(page: Page, dataDir = DATA_DIR): Promise<void> {
  await page.route(`${inject('baseUrl')}/__data/**`, (route) => {
    const rel = decodeURIComponent(new URL(route.request().url()).pathname.replace(/^\/__data\//, ''));
    return route.fulfill({ path: resolve(dataDir, rel) });
  });
}

/** A page's API object as Node sees it: every method returns a promise of its (structured-clone) result. */
export type PageApi<Api> = {
  [K in keyof Api]: Api[K] extends (...args: infer P) => infer R ? (...args: P) => Promise<Awaited<R>> : never;
};

/**
 * The API object a test page publishes as `window[global]`, callable from Node. Its type comes from the page
 * module by a type-only import (erased at run time: Node never loads page code), so a test cannot drift from the
 * page it drives. Arguments and results cross by structured clone: plain data only.
 */
export function pageApi<Api extends object>(page: Page, global: string): PageApi<Api> {
  return new Proxy({} as PageApi<Api>, {
    get: (_target, method) => {
      // Not a method: lets the proxy be returned from async functions (no `then`) and printed.
      if (typeof method !== 'string' || method === 'then' || method === 'toJSON') return undefined;
      return (...args: unknown[]) => page.evaluate(
        ([g, m, a]) => (globalThis as unknown as Record<string, Record<string, (...x: unknown[]) => unknown>>)[g]![m]!(...a),
        [global, method, args] as const,
      );
    },
  });
}
