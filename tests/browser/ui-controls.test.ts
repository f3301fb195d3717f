/**
 * The composed panel `<rl-controls>` in real Chromium: one validated `rl-settings-change` per user change, an
 * invalid patch never fired, and screenshots of the panel in light and dark themes
 * (tests/.artifacts/ui-controls-{light,dark}.png; with RL_UPDATE_DOC_IMAGES=1 also docs/images/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launch, type Launched } from '../support/browser.js';
import { ARTIFACTS_DIR, REPO_ROOT } from '../support/env.js';
import { eventsOf, openUiPage } from '../support/ui.js';
import { applyPatch, validatePatch, type RelightSettings } from '../../src/core/settings.js';

let browser: Launched;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const open = (query: string, on: Launched = browser): Promise<Page> => openUiPage(on, query, { width: 900, height: 1400 });

const panelSettings = (page: Page): Promise<RelightSettings> =>
  page.evaluate(() => JSON.parse(JSON.stringify((document.querySelector('rl-controls') as unknown as { settings: unknown }).settings)));

/** What has focus, through shadow roots: the innermost rl-* host, its label, and the focused node's role. */
function focused(page: Page) {
  return page.evaluate(() => {
    let a: Element | null = document.activeElement;
    let host: (Element & { label?: string }) | null = null;
    while (a?.shadowRoot?.activeElement) {
      if (a.localName.startsWith('rl-')) host = a;
      a = a.shadowRoot.activeElement;
    }
    if (a?.localName.startsWith('rl-')) host = a;
    return {
      host: host?.localName ?? '',
      hostLabel: host?.label ?? '',
      tag: a?.localName ?? '',
      role: a?.getAttribute('role') ?? '',
      text: (a?.textContent ?? '').trim().replace(/\s+/g, ' '),
      id: a?.getAttribute('data-id') ?? a?.getAttribute('data-mode') ?? '',
    };
  });
}

type Focus = Awaited<ReturnType<typeof focused>>;

/** Presses Tab until `match` holds for the focused element (fails after 40 presses). */
async function tabTo(page: Page, match: (f: Focus) => boolean): Promise<Focus> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (match(f)) return f;
  }
  throw new Error('tabTo: never reached the wanted control');
}

const slider = (label: string) => (f: Focus) => f.host === 'rl-slider' && f.hostLabel === label;

describe('rl-controls events', () => {
  it('fires exactly one validated rl-settings-change per keyboard change, and nothing else', async () => {
    const page = await open('el=controls&theme=light');
    const initial = await panelSettings(page);
    const expected: Partial<RelightSettings>[] = [];
    /** Presses `key` and checks that exactly one new event fired, with `patch` as its detail. */
    const press = async (key: string, patch: Partial<RelightSettings>) => {
      const before = (await eventsOf(page)).length;
      await page.keyboard.press(key);
      const ev = (await eventsOf(page)).slice(before);
      expect(ev, `after ${key}`).toEqual([{ type: 'rl-settings-change', target: 'controls', detail: patch }]);
      expected.push(patch);
    };
    const key = (change: Partial<RelightSettings['keyLight']>) => ({ keyLight: { ...initial.keyLight, ...change } });

    expect(await tabTo(page, (f) => f.role === 'switch')).toMatchObject({ host: 'rl-toggle', text: 'Relight' });
    await press('Space', { enabled: false });
    await press('Enter', { enabled: true });
    expect(await tabTo(page, (f) => f.host === 'rl-preset-picker')).toMatchObject({ role: 'radio', id: 'studio-key' });
    await page.keyboard.press('ArrowRight'); // focus only
    await press('Enter', { preset: 'window-left' });
    await tabTo(page, slider('Strength'));
    await press('ArrowRight', { strength: 0.86 });
    await tabTo(page, slider('Warmth'));
    await press('ArrowRight', { warmth: 0.05 });
    expect(await tabTo(page, (f) => f.role === 'switch')).toMatchObject({ text: 'Key light' });
    await tabTo(page, (f) => f.host === 'rl-direction-pad');
    await press('ArrowRight', key({ azimuthDeg: 40 }));
    await press('ArrowUp', key({ azimuthDeg: 40, elevationDeg: 30 }));
    await tabTo(page, slider('Colour'));
    await press('ArrowLeft', key({ azimuthDeg: 40, elevationDeg: 30, colorTempK: 4900 }));
    expect(await tabTo(page, (f) => f.host === 'rl-background-mode')).toMatchObject({ id: 'dim' });
    await tabTo(page, slider('Dim to'));
    await press('Home', { backgroundDim: 0 });
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toMatchObject({ host: 'rl-background-mode', id: 'dim' });
    await press('ArrowRight', { background: 'relight' });
    expect(await tabTo(page, (f) => f.tag === 'summary')).toMatchObject({ text: 'Advanced' });
    await page.keyboard.press('Enter'); // opens the section, no settings change
    await tabTo(page, slider('Rotate light'));
    await press('ArrowLeft', { yawDeg: -1 });
    await tabTo(page, slider('Face model'));
    await press('End', { modelEveryNFrames: 8 });

    const all = await eventsOf(page);
    expect(all).toHaveLength(expected.length);
    let folded = initial;
    for (const e of all) folded = applyPatch(folded, validatePatch(e.detail));
    expect(await panelSettings(page)).toEqual(folded);
    // The "Dim to" slider exists only in dim mode.
    const dimSliders = await page.evaluate(() =>
      Array.from(document.querySelector('rl-controls')!.shadowRoot!.querySelectorAll('rl-slider')).filter((s) => (s as unknown as { label: string }).label === 'Dim to').length,
    );
    expect(dimSliders).toBe(0);
    await page.close();
  });

  it('never fires an invalid patch: a preset id the schema rejects becomes rl-settings-error', async () => {
    const page = await open('el=controls&badpreset=1&stats=off');
    await tabTo(page, (f) => f.host === 'rl-preset-picker');
    await page.keyboard.press('End');
    expect(await focused(page)).toMatchObject({ id: 'Not A Valid Id!' });
    await page.keyboard.press('Enter');
    let ev = await eventsOf(page);
    expect(ev.map((e) => e.type)).toEqual(['rl-settings-error']);
    expect(ev[0]!.detail.message).toMatch(/preset must be a preset id/);
    expect(ev[0]!.detail.rejected).toEqual({ preset: 'Not A Valid Id!' });
    // The panel and the picker still show the last valid preset.
    expect((await panelSettings(page)).preset).toBe('studio-key');
    const checked = await page.evaluate(() => {
      const picker = document.querySelector('rl-controls')!.shadowRoot!.querySelector('rl-preset-picker')!;
      return Array.from(picker.shadowRoot!.querySelectorAll('[aria-checked="true"]')).map((t) => t.getAttribute('data-id'));
    });
    expect(checked).toEqual(['studio-key']);
    // A valid choice afterwards goes through.
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Space');
    ev = await eventsOf(page);
    expect(ev.map((e) => e.type)).toEqual(['rl-settings-error', 'rl-settings-change']);
    expect(ev[1]!.detail).toEqual({ preset: 'window-left' });
    await page.close();
  });

  it('survives a long random key sequence: every event is a valid patch, at most one per key, and they add up', async () => {
    const page = await open('el=controls&stats=off');
    const initial = await panelSettings(page);
    const keys = ['Tab', 'Tab', 'Shift+Tab', 'ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown', 'Home', 'End',
      'PageUp', 'PageDown', 'Space', 'Enter', 'Shift+ArrowRight'];
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let before = 0;
    for (let i = 0; i < 160; i++) {
      await page.keyboard.press(keys[Math.floor(rand() * keys.length)]!);
      const n = (await eventsOf(page)).length;
      expect(n - before).toBeLessThanOrEqual(1);
      before = n;
    }
    const ev = await eventsOf(page);
    expect(ev.length).toBeGreaterThan(15); // the sequence really changed things
    let folded = initial;
    for (const e of ev) {
      expect(e.type).toBe('rl-settings-change');
      folded = applyPatch(folded, e.detail); // throws on an invalid patch
    }
    expect(await panelSettings(page)).toEqual(folded);
    await page.close();
  });
});

describe('rl-controls screenshots', () => {

  for (const theme of ['light', 'dark'] as const) {
    it(`renders the panel in the ${theme} theme`, async () => {
      const page = await open(`el=controls&theme=${theme}&presets=lighting`);
      await page.emulateMedia({ colorScheme: theme });
      const panel = page.locator('rl-controls');
      // The real presets of src/lighting, each with a loaded preview image.
      const tiles = await page.evaluate(() =>
        Array.from(document.querySelector('rl-controls')!.shadowRoot!.querySelector('rl-preset-picker')!.shadowRoot!
          .querySelectorAll('[role="radio"]')).map((t) => (t.querySelector('img') as HTMLImageElement | null)?.naturalWidth ?? 0),
      );
      expect(tiles.length).toBeGreaterThanOrEqual(4);
      expect(tiles.every((w) => w === 152)).toBe(true);
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const out = resolve(ARTIFACTS_DIR, `ui-controls-${theme}.png`);
      // 2x pixels (the images go into the README): CDP renders the clip at scale 2, Playwright's own
      // element screenshot is fixed at the context's device scale factor of 1.
      const box = (await panel.boundingBox())!;
      const margin = 16; // keep the panel's shadow in the picture
      const cdp = await page.context().newCDPSession(page);
      const shot = (await cdp.send('Page.captureScreenshot', {
        format: 'png',
        captureBeyondViewport: true,
        clip: { x: box.x - margin, y: box.y - margin, width: box.width + 2 * margin, height: box.height + 2 * margin, scale: 2 },
      })) as { data: string };
      writeFileSync(out, Buffer.from(shot.data, 'base64'));
      if (process.env.RL_UPDATE_DOC_IMAGES === '1') {
        mkdirSync(resolve(REPO_ROOT, 'docs/images'), { recursive: true });
        copyFileSync(out, resolve(REPO_ROOT, `docs/images/ui-controls-${theme}.png`));
      }
      await page.close();
    });
  }
});
