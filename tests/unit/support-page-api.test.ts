/**
 * tests/support/pages.ts pageApi: the Node-side proxy of a test page's window API. It must forward a method call
 * as ONE page.evaluate with the global's name, the method and the arguments, and must not look like a promise
 * (an async helper returning it would otherwise call `then` on the page).
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { pageApi } from '../support/pages.js';

interface FakeApi {
  add(a: number, b: number): number;
  echo(x: { s: string }): Promise<{ s: string }>;
}

/** A Page whose evaluate runs the page function against a local `globalThis`-like object. */
function fakePage(window: Record<string, unknown>) {
  const calls: unknown[] = [];
  const page = {
    evaluate: async (fn: (arg: unknown) => unknown, arg: unknown) => {
      calls.push(arg);
      const saved = (globalThis as Record<string, unknown>)[Object.keys(window)[0]!];
      Object.assign(globalThis, window);
      try {
        return await fn(arg);
      } finally {
        (globalThis as Record<string, unknown>)[Object.keys(window)[0]!] = saved;
      }
    },
  };
  return { page: page as unknown as Page, calls };
}

describe('pageApi', () => {
  it('forwards a call as one evaluate with the global, the method and the arguments', async () => {
    const { page, calls } = fakePage({ fakeApi: { add: (a: number, b: number) => a + b, echo: async (x: { s: string }) => x } });
    const api = pageApi<FakeApi>(page, 'fakeApi');
    expect(await api.add(2, 3)).toBe(5);
    expect(await api.echo({ s: 'hi' })).toEqual({ s: 'hi' });
    expect(calls).toEqual([['fakeApi', 'add', [2, 3]], ['fakeApi', 'echo', [{ s: 'hi' }]]]);
  });

  it('is not a thenable: returning it from an async function calls nothing on the page', async () => {
    const { page, calls } = fakePage({ fakeApi: {} });
    const api = await (async () => pageApi<FakeApi>(page, 'fakeApi'))();
    expect(typeof api.add).toBe('function');
    expect(calls).toEqual([]);
  });

  it("surfaces the page's error for an unknown method", async () => {
    const { page } = fakePage({ fakeApi: {} });
    await expect(pageApi<FakeApi>(page, 'fakeApi').add(1, 2)).rejects.toThrow(TypeError);
  });
});
