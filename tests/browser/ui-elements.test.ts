/**
 * The rl-* elements one by one in real Chromium (tests/browser/pages/ui.html): each renders with its ARIA roles,
 * is reachable with Tab, and its keys/pointer fire the documented events with the right detail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, type Launched } from '../support/browser.js';
import { eventsOf, openUiPage } from '../support/ui.js';
import { validatePatch } from '../../src/core/settings.js';

let browser: Launched;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const open = (query: string): Promise<Page> => openUiPage(browser, query, { width: 1100, height: 1000 });

/** The element that really has focus, through shadow roots, and the rl-* host it lives in. */
function focused(page: Page) {
  return page.evaluate(() => {
    let a: Element | null = document.activeElement;
    let host = '';
    while (a?.shadowRoot?.activeElement) {
      if (a.localName.startsWith('rl-')) host = a.localName;
      a = a.shadowRoot.activeElement;
    }
    return {
      tag: a?.localName ?? '',
      host,
      role: a?.getAttribute('role') ?? '',
      type: a?.getAttribute('type') ?? '',
      text: (a?.textContent ?? '').trim(),
      label: a?.getAttribute('aria-label') ?? '',
      id: a?.getAttribute('data-id') ?? a?.getAttribute('data-mode') ?? '',
    };
  });
}

describe('rendering', () => {
  it('renders every element with its roles and content', async () => {
    const page = await open('el=gallery');
    const r = await page.evaluate(() => {
      const q = (sel: string) => document.querySelector(sel)!.shadowRoot!;
      const box = (sel: string) => {
        const b = document.querySelector(sel)!.getBoundingClientRect();
        return { w: b.width, h: b.height };
      };
      const slider = q('#slider').querySelector('input')!;
      const presetsRoot = q('#presets');
      const light = q('#light');
      return {
        slider: { type: slider.type, valuetext: slider.getAttribute('aria-valuetext'), label: q('#slider').querySelector('label')!.textContent, box: box('#slider') },
        toggle: q('#toggle').querySelector('[role="switch"]')!.getAttribute('aria-checked'),
        background: Array.from(q('#background').querySelectorAll('[role="radio"]')).map((o) => [o.textContent!.trim(), o.getAttribute('aria-checked')]),
        bgGroup: q('#background').querySelector('[role="radiogroup"]')!.getAttribute('aria-label'),
        presets: Array.from(presetsRoot.querySelectorAll('[role="radio"]')).map((t) => ({
          id: t.getAttribute('data-id'),
          checked: t.getAttribute('aria-checked'),
          img: t.querySelector('img')?.getAttribute('src')?.slice(0, 22) ?? null,
          imgLoaded: (t.querySelector('img') as HTMLImageElement | null)?.naturalWidth ?? 0,
        })),
        presetsGroup: presetsRoot.querySelector('[role="radiogroup"]')!.getAttribute('aria-label'),
        pad: (() => {
          const s = q('#pad').querySelector('[role="slider"]')!;
          return { now: s.getAttribute('aria-valuenow'), text: s.getAttribute('aria-valuetext'), label: s.getAttribute('aria-label'), box: box('#pad') };
        })(),
        lightSliders: Array.from(light.querySelectorAll('rl-slider')).map((s) => s.shadowRoot!.querySelector('label')!.textContent),
        status: q('#status').textContent!.replace(/\s+/g, ' ').trim(),
        progress: q('#status').querySelector('[role="progressbar"]')!.getAttribute('aria-valuenow'),
        fallback: q('#status-fallback').textContent!.replace(/\s+/g, ' ').trim(),
        idle: q('#status-idle').textContent!.trim(),
      };
    });
    expect(r.slider).toMatchObject({ type: 'range', valuetext: '50%', label: 'Strength' });
    expect(r.slider.box.w).toBeGreaterThan(100);
    expect(r.toggle).toBe('false');
    expect(r.background).toEqual([['Keep', 'true'], ['Dim', 'false'], ['Relight', 'false']]);
    expect(r.bgGroup).toBe('Background');
    expect(r.presets).toHaveLength(6);
    expect(r.presets.filter((p) => p.checked === 'true').map((p) => p.id)).toEqual(['studio-key']);
    for (const p of r.presets) {
      expect(p.img).toBe('data:image/png;base64,');
      expect(p.imgLoaded).toBe(152);
    }
    expect(r.presetsGroup).toBe('Lighting preset');
    expect(r.pad).toMatchObject({ now: '35', text: '35° right, 25° up', label: 'Key light direction' });
    expect(r.pad.box.w).toBeGreaterThan(100);
    expect(r.lightSliders).toEqual(['Strength', 'Intensity', 'Warmth', 'Fill']);
    expect(r.status).toContain('WebGPU');
    expect(r.status).toContain('Worker');
    expect(r.status).toContain('29.7 fps');
    expect(r.status).toContain('segment 11.8 ms · geometry 14.2 ms · render 2.1 ms');
    expect(r.status).toContain('Loading face model');
    expect(r.progress).toBe('62');
    expect(r.fallback).toContain('Passthrough');
    expect(r.fallback).toContain('Main thread');
    expect(r.fallback).toContain('WebGPU device lost');
    expect(r.idle).toBe('Not running');
    await page.close();
  });
});

describe('keyboard', () => {
  it('rl-slider: Tab focuses the range, arrows and End change it and fire rl-slider-change', async () => {
    const page = await open('el=slider');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ host: 'rl-slider', tag: 'input', type: 'range' });
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('End');
    await page.keyboard.press('End'); // already at max: no change, no event
    const ev = await eventsOf(page);
    expect(ev.map((e) => e.detail.value)).toEqual([0.55, 0.6, 0.55, 1]);
    expect(new Set(ev.map((e) => `${e.type}@${e.target}`))).toEqual(new Set(['rl-slider-change@slider']));
    const shown = await page.evaluate(() => document.querySelector('#slider')!.shadowRoot!.querySelector('output')!.textContent);
    expect(shown).toBe('100%');
    await page.close();
  });

  it('rl-toggle: role=switch, Space and Enter flip it', async () => {
    const page = await open('el=toggle');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ host: 'rl-toggle', role: 'switch' });
    await page.keyboard.press('Space');
    const checked = () => page.evaluate(() => document.querySelector('#toggle')!.shadowRoot!.querySelector('[role="switch"]')!.getAttribute('aria-checked'));
    expect(await checked()).toBe('true');
    await page.keyboard.press('Enter');
    expect(await checked()).toBe('false');
    expect((await eventsOf(page)).map((e) => [e.type, e.detail.checked])).toEqual([
      ['rl-toggle-change', true],
      ['rl-toggle-change', false],
    ]);
    await page.close();
  });

  it('rl-background-mode: Tab lands on the selected segment, arrows move and select (wrapping)', async () => {
    const page = await open('el=background');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ host: 'rl-background-mode', role: 'radio', id: 'keep' });
    await page.keyboard.press('ArrowRight');
    expect(await focused(page)).toMatchObject({ id: 'dim' });
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight'); // wraps to keep
    await page.keyboard.press('ArrowLeft'); // wraps to relight
    await page.keyboard.press('Enter'); // already selected: nothing
    expect((await eventsOf(page)).map((e) => `${e.type}:${e.detail.mode}`)).toEqual([
      'rl-background-change:dim',
      'rl-background-change:relight',
      'rl-background-change:keep',
      'rl-background-change:relight',
    ]);
    const checked = await page.evaluate(() =>
      Array.from(document.querySelector('#background')!.shadowRoot!.querySelectorAll('[aria-checked="true"]')).map((o) => o.getAttribute('data-mode')),
    );
    expect(checked).toEqual(['relight']);
    // Shift+Tab from inside the group leaves it (one tab stop).
    await page.keyboard.press('Tab');
    expect((await focused(page)).host).toBe('');
    await page.close();
  });

  it('rl-preset-picker: arrows move focus over the grid without selecting; Enter/Space select', async () => {
    const page = await open('el=presets');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ host: 'rl-preset-picker', role: 'radio', id: 'studio-key' });
    const columns = await page.evaluate(() => {
      const tiles = Array.from(document.querySelector('#presets')!.shadowRoot!.querySelectorAll<HTMLElement>('[role="radio"]'));
      return tiles.filter((t) => t.offsetTop === tiles[0]!.offsetTop).length;
    });
    expect(columns).toBeGreaterThan(1);
    expect(columns).toBeLessThan(6);
    const ids = ['studio-key', 'window-left', 'golden-hour', 'overcast', 'ring-light', 'neon-night'];
    await page.keyboard.press('ArrowRight');
    expect((await focused(page)).id).toBe(ids[1]);
    await page.keyboard.press('ArrowDown');
    expect((await focused(page)).id).toBe(ids[1 + columns]);
    expect(await eventsOf(page)).toEqual([]); // moving focus selects nothing
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter'); // same preset again: no second event
    await page.keyboard.press('Home');
    expect((await focused(page)).id).toBe(ids[0]);
    await page.keyboard.press('Space');
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowRight'); // wraps to the first
    expect((await focused(page)).id).toBe(ids[0]);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press(' ');
    expect((await eventsOf(page)).map((e) => `${e.type}:${e.detail.id}`)).toEqual([
      `rl-preset-change:${ids[1 + columns]}`,
      'rl-preset-change:studio-key',
      'rl-preset-change:neon-night',
    ]);
    const state = await page.evaluate(() => {
      const root = document.querySelector('#presets')!.shadowRoot!;
      return {
        checked: Array.from(root.querySelectorAll('[aria-checked="true"]')).map((t) => t.getAttribute('data-id')),
        tabbable: Array.from(root.querySelectorAll('[tabindex="0"]')).map((t) => t.getAttribute('data-id')),
        value: (document.querySelector('rl-preset-picker') as unknown as { value: string }).value,
      };
    });
    expect(state).toEqual({ checked: ['neon-night'], tabbable: ['neon-night'], value: 'neon-night' });
    await page.close();
  });

  it('rl-light-controls: fires validated settings patches, not the inner slider events', async () => {
    const page = await open('el=light');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ host: 'rl-slider', type: 'range' });
    await page.keyboard.press('ArrowRight'); // strength 0.85 -> 0.86
    await page.keyboard.press('Tab');
    await page.keyboard.press('End'); // intensity -> 4 (2 stops)
    await page.keyboard.press('Tab');
    await page.keyboard.press('Home'); // warmth -> -1
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowLeft'); // fill 0.15 -> 0.14
    const ev = await eventsOf(page);
    expect(ev.map((e) => e.type)).toEqual(Array(4).fill('rl-settings-change'));
    expect(ev.map((e) => e.detail)).toEqual([{ strength: 0.86 }, { intensity: 4 }, { warmth: -1 }, { fill: 0.14 }]);
    for (const e of ev) expect(() => validatePatch(e.detail)).not.toThrow();
    await page.close();
  });
});

describe('rl-direction-pad', () => {
  /** Clicks at a point given in sphere radii from the sphere's centre (+y up) and returns the last event. */
  async function clickAt(page: Page, x: number, y: number) {
    const box = (await page.locator('#pad canvas[part="sphere"]').boundingBox())!;
    const r = box.width / 2;
    await page.mouse.click(box.x + r + x * r, box.y + box.height / 2 - y * r);
    const ev = await eventsOf(page);
    return ev[ev.length - 1]!;
  }

  it('maps clicks on the sphere to the settings convention', async () => {
    const page = await open('el=pad');
    const right = await clickAt(page, 1, 0);
    expect(right.type).toBe('rl-direction-change');
    expect(right.detail.azimuthDeg).toBeCloseTo(90, -0.5); // within ~1.6 degrees
    expect(Math.abs(right.detail.elevationDeg)).toBeLessThan(2);
    const left = await clickAt(page, -1, 0);
    expect(left.detail.azimuthDeg).toBeCloseTo(-90, -0.5);
    const top = await clickAt(page, 0, 1);
    expect(top.detail.elevationDeg).toBeCloseTo(90, -0.5);
    const centre = await clickAt(page, 0, 0);
    expect(Math.abs(centre.detail.azimuthDeg)).toBeLessThan(2);
    expect(Math.abs(centre.detail.elevationDeg)).toBeLessThan(2);
    // Half way to the right edge: sin(az) = 0.5 -> 30 degrees; up-right diagonal at r = 0.5.
    const half = await clickAt(page, 0.5, 0);
    expect(half.detail.azimuthDeg).toBeGreaterThan(27);
    expect(half.detail.azimuthDeg).toBeLessThan(33);
    const diag = await clickAt(page, 0.5, 0.5);
    expect(diag.detail.elevationDeg).toBeGreaterThan(27);
    expect(diag.detail.elevationDeg).toBeLessThan(33);
    expect(diag.detail.azimuthDeg).toBeGreaterThan(30);
    // Half way across the ring outside the right edge: behind the subject, ~135 degrees.
    const behind = await clickAt(page, 1.125, 0);
    expect(behind.detail.azimuthDeg).toBeGreaterThan(120);
    expect(behind.detail.azimuthDeg).toBeLessThan(150);
    for (const e of await eventsOf(page)) {
      expect(() => validatePatch({ keyLight: e.detail })).not.toThrow();
    }
    await page.close();
  });

  it('shows the light: marker position and sphere shading follow the value', async () => {
    const page = await open('el=pad');
    await clickAt(page, 1, 0); // light from image right
    const probe = await page.evaluate(() => {
      const root = document.querySelector('#pad')!.shadowRoot!;
      const canvas = root.querySelector('canvas')!;
      const ctx = canvas.getContext('2d')!;
      const lum = (x: number, y: number) => {
        const d = ctx.getImageData(x, y, 1, 1).data;
        return d[0]! + d[1]! + d[2]!;
      };
      const w = canvas.width;
      const marker = root.querySelector('[part="marker"]')!;
      return {
        right: lum(Math.round(w * 0.8), w / 2),
        left: lum(Math.round(w * 0.2), w / 2),
        cx: Number(marker.getAttribute('cx')),
        cy: Number(marker.getAttribute('cy')),
        readout: root.querySelector('[part="readout"]')!.textContent,
      };
    });
    expect(probe.right).toBeGreaterThan(probe.left + 200);
    expect(probe.cx).toBeGreaterThan(0.97);
    expect(Math.abs(probe.cy)).toBeLessThan(0.03);
    expect(probe.readout).toBe('90° right, level');
    await page.close();
  });

  it('drags: events follow the pointer, also outside the pad (pointer capture)', async () => {
    const page = await open('el=pad');
    const box = (await page.locator('#pad canvas[part="sphere"]').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 1; i <= 5; i++) await page.mouse.move(cx + (i / 5) * (box.width / 2), cy);
    await page.mouse.move(cx + box.width * 3, cy); // far outside: clamps to straight behind
    await page.mouse.up();
    await page.mouse.move(cx - box.width / 4, cy); // after release: no events
    const az = (await eventsOf(page)).map((e) => e.detail.azimuthDeg as number);
    expect(az.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < az.length; i++) expect(az[i]!).toBeGreaterThan(az[i - 1]!);
    expect(az[0]).toBeCloseTo(0, 0);
    expect(az[az.length - 1]).toBe(180);
    await page.close();
  });

  it('keyboard: arrows step, Shift steps more, elevation clamps, azimuth wraps, Home resets', async () => {
    const page = await open('el=pad');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ host: 'rl-direction-pad', role: 'slider', label: 'Key light direction' });
    await page.keyboard.press('ArrowRight'); // 40, 25
    await page.keyboard.press('Shift+ArrowUp'); // 40, 40
    await page.keyboard.press('ArrowDown'); // 40, 35
    await page.keyboard.press('ArrowLeft'); // 35, 35
    await page.keyboard.press('PageUp'); // 35, 50
    for (let i = 0; i < 5; i++) await page.keyboard.press('PageUp'); // 65, 80, 90, 90(no event), 90(no event)
    await page.keyboard.press('Home'); // 35, 25
    let ev = (await eventsOf(page)).map((e) => [e.detail.azimuthDeg, e.detail.elevationDeg]);
    expect(ev).toEqual([[40, 25], [40, 40], [40, 35], [35, 35], [35, 50], [35, 65], [35, 80], [35, 90], [35, 25]]);
    // Azimuth wraps through the back: 12 x Shift+Right from 35 = 35 + 180 -> -145.
    for (let i = 0; i < 12; i++) await page.keyboard.press('Shift+ArrowRight');
    ev = (await eventsOf(page)).map((e) => [e.detail.azimuthDeg, e.detail.elevationDeg]);
    expect(ev[ev.length - 1]).toEqual([-145, 25]);
    expect(ev.some(([az]) => az === 170)).toBe(true);
    for (const [azimuthDeg, elevationDeg] of ev) expect(() => validatePatch({ keyLight: { azimuthDeg, elevationDeg } })).not.toThrow();
    const aria = await page.evaluate(() => {
      const s = document.querySelector('#pad')!.shadowRoot!.querySelector('[role="slider"]')!;
      return [s.getAttribute('aria-valuenow'), s.getAttribute('aria-valuetext')];
    });
    expect(aria).toEqual(['-145', '145° left, 25° up (behind)']);
    await page.close();
  });
});

describe('theming', () => {
  it('follows prefers-color-scheme in auto, the theme attribute overrides it, --rl-* custom properties restyle', async () => {
    const page = await open('el=toggle');
    const probe = () =>
      page.evaluate(() => {
        const toggle = document.querySelector('#toggle')!;
        const track = toggle.shadowRoot!.querySelector('.track')!;
        return { bg: getComputedStyle(toggle).getPropertyValue('--_bg').trim(), fg: getComputedStyle(toggle).color, track: getComputedStyle(track).backgroundColor };
      });
    await page.evaluate(() => document.querySelector('#toggle')!.setAttribute('theme', 'auto'));
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await probe();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await probe();
    expect(light.bg).toBe('#ffffff');
    expect(dark.bg).toBe('#17181c');
    expect(light.fg).not.toBe(dark.fg);
    // The attribute wins over the media query, both ways.
    await page.evaluate(() => document.querySelector('#toggle')!.setAttribute('theme', 'light'));
    expect((await probe()).bg).toBe('#ffffff');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.evaluate(() => document.querySelector('#toggle')!.setAttribute('theme', 'dark'));
    expect((await probe()).bg).toBe('#17181c');
    // A page-level custom property reaches inside the shadow root (switch on = accent colour). Reduced motion
    // turns the switch's transition off, so the colour is final at once.
    await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
    await page.evaluate(() => {
      document.body.style.setProperty('--rl-accent', 'rgb(200, 30, 40)');
      (document.querySelector('#toggle') as unknown as { checked: boolean }).checked = true;
    });
    await page.evaluate(() => (document.querySelector('#toggle') as unknown as { updateComplete: Promise<boolean> }).updateComplete);
    expect((await probe()).track).toBe('rgb(200, 30, 40)');
    await page.close();
  });

  it('rl-controls forwards its theme to every child element', async () => {
    const page = await open('el=controls&theme=dark');
    const themes = await page.evaluate(() => {
      const out: string[] = [];
      const walk = (root: ParentNode) => {
        for (const el of Array.from(root.querySelectorAll('*'))) {
          if (el.localName.startsWith('rl-')) out.push(`${el.localName}:${el.getAttribute('theme')}`);
          if (el.shadowRoot) walk(el.shadowRoot);
        }
      };
      walk(document.querySelector('rl-controls')!.shadowRoot!);
      return out;
    });
    expect(themes.length).toBeGreaterThan(10);
    expect(themes.filter((t) => !t.endsWith(':dark'))).toEqual([]);
    await page.close();
  });
});
