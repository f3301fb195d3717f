/**
 * Driving tests/browser/pages/ui.html (the rl-* elements) from Node: open it with a query and a viewport, read the
 * rl-* events it recorded.
 */
import type { Page } from 'playwright-core';
import type { Launched } from './browser.js';
import { openTestPage } from './pages.js';

/** An rl-* event as the page records it in `window.__events`; `detail` is whatever the element sent. */
export interface RecordedEvent {
  type: string;
  target: string;
  detail: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** ui.html with `query` (without '?', e.g. 'el=slider&theme=dark'), ready once every element has rendered. */
export function openUiPage(b: Launched, query: string, viewport: { width: number; height: number }): Promise<Page> {
  return openTestPage(b, 'ui.html', { query: `?${query}`, setup: (page) => page.setViewportSize(viewport) });
}

export const eventsOf = (page: Page): Promise<RecordedEvent[]> =>
  page.evaluate(() => (window as unknown as { __events: RecordedEvent[] }).__events);
