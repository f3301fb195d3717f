import { inject } from 'vitest';
import type { Page } from 'playwright-core';
import type { Launched } from './browser.js';

/**
 * Opens tests/browser/pages/<name> and waits until the page script sets document.title = 'ready'.
 * Fails fast with the page's own error if its modules do not load (instead of a 60 s timeout).
 */
export async function openTestPage(b: Launched, name: string, query = ''): Promise<Page> {
  const page = await b.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`Failed to load resource ${r.url()} (${r.status()})`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${inject('baseUrl')}/tests/browser/pages/${name}${query}`);
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
