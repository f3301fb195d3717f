/**
 * `<rl-relight-video>` from source (tests/browser/pages/embed.html) in real Chromium with a fake camera: given a
 * MediaStream it shows and emits the relit stream, `settings` is validated and changes the output, the panel's
 * user changes are applied and re-fired once, moving the element keeps the pipeline, removing it disposes the
 * relighter (and leaves the app's stream alone, or stops the camera it opened itself), start()/stop(), a new
 * srcObject, a refused camera, and the forwarded `host` option. The engine is the fast, deterministic one (exposure
 * stage, ellipse segmenter on the synthetic clip); tests/browser/embed.test.ts runs the real models, built.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, type Launched } from '../support/browser.js';
import { syntheticPortraitY4m } from '../support/y4m.js';
import { openTestPage } from '../support/pages.js';

function call<T>(page: Page, fn: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(([f, a]) => (window as unknown as { rl: Record<string, (...x: unknown[]) => unknown> }).rl[f as string]!(...(a as unknown[])), [fn, args] as const) as Promise<T>;
}

interface Probe { matched: number; diffInside: number; diffOutside: number; signedInside: number; fps: number; inputFps: number }
interface View {
  videoIsRelit: boolean; videoMuted: boolean; hasControls: boolean; presets: number; hasStatus: boolean; statusText: string;
  relitState: string; inputIsHost: boolean; inputState: string;
}
interface Removed { mode: string; input: string; relit: string; relighterAfter: unknown; mainLeaks: number; workerLeaks: Record<string, number> }

const FAST = { stage: 'exposure', segmenter: 'ellipse', settings: JSON.stringify({ intensity: 2.5, smoothing: 0 }) };

describe('<rl-relight-video> from source', () => {
  let b: Launched;
  let page: Page;
  beforeAll(async () => {
    b = await launch({ fakeVideo: syntheticPortraitY4m() });
    page = await openTestPage(b, 'embed.html');
    expect(await call(page, 'openHostStream')).toBe('live');
  });
  afterAll(async () => b?.close());

  it('given a MediaStream: fires rl-ready with the live relit stream, shows it, relights the person only', async () => {
    await call(page, 'create', { ...FAST, status: true }, { src: true });
    const [ready] = await call<{ sameAsRelitStream: boolean; video: string; relighter: boolean }[]>(page, 'waitFor', 'rl-ready');
    expect(ready).toEqual({ sameAsRelitStream: true, video: 'live', relighter: true });
    const stats = await call<{ mode: string; host: string; stage: string; segmenter: string }>(page, 'whenProcessing');
    expect(stats).toMatchObject({ mode: 'processing', host: 'worker', stage: 'exposure', segmenter: 'ellipse' });
    const p = await call<Probe>(page, 'probe', 2500);
    console.log(`[embed-element] |d| in ${p.diffInside.toFixed(1)} (signed ${p.signedInside.toFixed(1)}) out ${p.diffOutside.toFixed(2)}, ${p.fps.toFixed(1)} fps (camera ${p.inputFps.toFixed(1)}), matched ${p.matched}`);
    expect(p.matched).toBeGreaterThan(5);
    expect(p.signedInside).toBeGreaterThan(15);
    expect(p.diffOutside).toBeLessThan(1.5);
    // Once a second: rl-stats; the status line shows where the engine runs.
    await call(page, 'waitFor', 'rl-stats', 2, 5000);
    const view = await call<View>(page, 'view');
    expect(view).toMatchObject({ videoIsRelit: true, videoMuted: true, hasControls: false, hasStatus: true, relitState: 'live', inputIsHost: true });
    expect(view.statusText).toMatch(/Worker/);
    // The relighter's events are re-fired by the element (composed, so the document sees them).
    const modes = await call<{ detail: { mode: string }; target: string }[]>(page, 'events', 'rl-mode');
    expect(modes.some((m) => m.detail.mode === 'processing' && m.target === 'rl-relight-video')).toBe(true);
  });

  it('settings: validated on set, kept on error, and a change changes the output', async () => {
    const bad = await call<{ ok: boolean; name: string; message: string }>(page, 'setSettings', { strength: 7 });
    expect(bad).toMatchObject({ ok: false, name: 'SettingsError' });
    expect(bad.message).toMatch(/strength must be in \[0, 1\]/);
    expect((await call<{ strength: number; intensity: number }>(page, 'settings')).intensity).toBe(2.5);
    // Replacing: keys left out take their defaults (here: everything but intensity and smoothing).
    expect(await call(page, 'setSettings', { intensity: 0.5, smoothing: 0 }, false)).toEqual({ ok: true });
    expect(await call(page, 'relighterSettings')).toMatchObject({ intensity: 0.5, strength: 0.85 });
    await page.waitForTimeout(300);
    const dark = await call<Probe>(page, 'probe', 1500);
    await call(page, 'setSettings', { intensity: 2.5, strength: 1 });
    await page.waitForTimeout(300);
    const bright = await call<Probe>(page, 'probe', 1500);
    await call(page, 'setSettings', { enabled: false });
    await page.waitForTimeout(300);
    const off = await call<Probe>(page, 'probe', 1500);
    console.log(`[embed-element] signed in: intensity 0.5 ${dark.signedInside.toFixed(1)}, 2.5 ${bright.signedInside.toFixed(1)}; disabled |d| ${off.diffInside.toFixed(2)}`);
    expect(bright.signedInside - dark.signedInside).toBeGreaterThan(20);
    expect(off.diffInside).toBeLessThan(1.5);
    await call(page, 'setSettings', { enabled: true });
    // The JSON attribute: valid -> applied; invalid -> rl-settings-error, nothing changes.
    await call(page, 'setAttr', 'settings', JSON.stringify({ preset: 'warm-sunset', intensity: 2 }));
    expect(await call(page, 'relighterSettings')).toMatchObject({ preset: 'warm-sunset', intensity: 2 });
    await call(page, 'setAttr', 'settings', '{"intensity": 99}');
    const [err] = await call<{ message: string }[]>(page, 'waitFor', 'rl-settings-error');
    expect(err!.message).toMatch(/intensity must be in/);
    expect((await call<{ intensity: number }>(page, 'relighterSettings')).intensity).toBe(2);
    // Setting properties is not a user action: no rl-settings-change.
    expect(await call<unknown[]>(page, 'events', 'rl-settings-change')).toEqual([]);
  });

  it('controls: the panel loads with the presets; a user change is applied and re-fired once', async () => {
    await call(page, 'clearEvents');
    await call(page, 'setAttr', 'controls', '');
    await page.waitForFunction(() => {
      const panel = document.querySelector('rl-relight-video')?.shadowRoot?.querySelector('rl-controls') as unknown as { presets?: unknown[] } | null;
      return (panel?.presets?.length ?? 0) > 0;
    });
    expect((await call<View>(page, 'view')).presets).toBeGreaterThan(5);
    // A real click through the shadow roots (Playwright's CSS engine pierces open shadow roots).
    await page.locator('rl-relight-video rl-background-mode [role="radio"]', { hasText: 'Dim' }).click();
    const changes = await call<{ detail: unknown; target: string }[]>(page, 'events', 'rl-settings-change');
    expect(changes).toEqual([{ type: 'rl-settings-change', detail: { background: 'dim' }, target: 'rl-relight-video' }]);
    expect(await call(page, 'relighterSettings')).toMatchObject({ background: 'dim' });
    expect(await call(page, 'settings')).toMatchObject({ background: 'dim' });
  });

  it('moving the element keeps the pipeline; removing it disposes the relighter but leaves the app\'s stream alone', async () => {
    expect(await call(page, 'move')).toEqual({ same: true, mode: 'processing' });
    const r = await call<Removed>(page, 'remove');
    console.log(`[embed-element] removed: ${JSON.stringify(r)}`);
    expect(r.mode).toBe('stopped');
    expect(r.relighterAfter).toBeNull();
    expect(r.relit).toBe('ended');
    // The app passed this stream in: it keeps it.
    expect(r.input).toBe('live');
    expect(await call(page, 'hostTrackState')).toBe('live');
    expect(r.mainLeaks).toBe(0);
    for (const [k, v] of Object.entries(r.workerLeaks)) expect(v, k).toBe(0);
  });

  it('camera attribute: opens the camera, stop() and start() close and reopen it, removal stops it', async () => {
    await call(page, 'create', { ...FAST, camera: true });
    await call(page, 'waitFor', 'rl-ready');
    let view = await call<View>(page, 'view');
    expect(view).toMatchObject({ inputIsHost: false, inputState: 'live', videoIsRelit: true });
    const stopped = await call<{ input: string; relitStream: unknown; relighter: unknown }>(page, 'stop');
    expect(stopped).toEqual({ input: 'ended', relitStream: null, relighter: null });
    // stop() sticks (the camera attribute does not reopen it) until start().
    await page.waitForTimeout(300);
    expect((await call<View>(page, 'view')).relitState).toBe('none');
    expect(await call(page, 'start')).toEqual({ ok: true, same: true, video: 'live' });
    await call(page, 'whenProcessing');
    const p = await call<Probe>(page, 'probe', 1500);
    expect(p.signedInside).toBeGreaterThan(15);
    view = await call<View>(page, 'view');
    expect(view.inputState).toBe('live');
    const r = await call<Removed>(page, 'remove');
    expect(r).toMatchObject({ mode: 'stopped', input: 'ended', relit: 'ended', relighterAfter: null, mainLeaks: 0 });
    for (const [k, v] of Object.entries(r.workerLeaks)) expect(v, k).toBe(0);
  });

  it('a new srcObject replaces the relighter; host="main" is forwarded; a refused camera fires rl-error', async () => {
    await call(page, 'create', { ...FAST, host: 'main' }, { src: true });
    await call(page, 'waitFor', 'rl-ready');
    expect((await call<{ host: string }>(page, 'whenProcessing')).host).toBe('main');
    const replaced = await call<{ oldMode: string; replaced: boolean; inputIsNew: boolean }>(page, 'replaceSource');
    expect(replaced).toEqual({ oldMode: 'stopped', replaced: true, inputIsNew: true });
    await call(page, 'waitFor', 'rl-ready', 2);
    const r = await call<Removed>(page, 'remove');
    expect(r).toMatchObject({ mode: 'stopped', input: 'live', mainLeaks: 0 });

    await call(page, 'create', { ...FAST, camera: true }, { constraints: { video: { width: { exact: 12345 } }, audio: false } });
    const [err] = await call<{ code: string; message: string }[]>(page, 'waitFor', 'rl-error');
    expect(err!.code).toBe('camera');
    expect(err!.message).toMatch(/cannot open the camera/);
    // start() retries and rejects with the camera's own error; no relighter is left behind.
    const again = await call<{ ok: boolean; name: string }>(page, 'start');
    expect(again).toMatchObject({ ok: false, name: 'OverconstrainedError' });
    expect(await call(page, 'stats')).toBeNull();
    expect(await call<unknown[]>(page, 'events', 'rl-error')).toHaveLength(2);
  });
});
