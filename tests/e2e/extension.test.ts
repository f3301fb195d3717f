/**
 * The built Chrome extension (dist/extension, built here once per run) on a real WebRTC loopback call in headless
 * Chromium with a fake camera: what the far end sees with relighting off, on, changed from the popup, turned off
 * again; the call surviving a stopped service worker; forged page messages changing nothing; getUserMedia
 * semantics (audio-only, constraints, concurrent requests, device switching, clone/stop/applyConstraints); fail
 * open; strict-CSP pages (worker blocked -> main thread, or passthrough with the reason); and the product's default
 * relight stage following the popup's preset. Plumbing tests use the exposure stage (fast, deterministic), set as a
 * developer option in storage; the last block runs the default stage.
 *
 * npx vitest run --project browser tests/e2e/extension.test.ts
 * RL_UPDATE_DOC_IMAGES=1 ... also refreshes docs/images/popup.png.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS_DIR, REPO_ROOT } from '../support/env.js';
import {
  buildExtensionOnce, cameraClip, launchWithExtension, openCallPage, EXTENSION_DIR, EXTENSION_ZIP, type ExtensionSession,
} from './extension-harness.js';
import type { FrameSample, RegionName, SampleResult, TrackInfo } from './pages/call-page.js';

const clip = cameraClip();
const REGION: RegionName = clip.real ? 'centred' : 'ellipse';
const SEGMENTER = clip.real ? 'mediapipe' : 'ellipse';
const PLUMBING = { stage: 'exposure', segmenter: SEGMENTER };
/** Exposure stage: a strong, instant brightening of the person (no temporal smoothing). */
const PLUMBING_SETTINGS = { intensity: 2.5, smoothing: 0, strength: 1 };

function call<T>(page: Page, fn: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([f, a]) => (globalThis as unknown as { call: Record<string, (...x: unknown[]) => unknown> }).call[f as string]!(...(a as unknown[])),
    [fn, args] as const,
  ) as Promise<T>;
}

function brief(s: SampleResult): string {
  return `${s.frames} frames ${s.fps.toFixed(1)} fps, person ${s.lumIn.toFixed(1)} (L ${s.lumInLeft.toFixed(1)} R ${s.lumInRight.toFixed(1)}), background ${s.lumOut.toFixed(1)}`;
}

/** Saves the next far-end frame as tests/.artifacts/e2e-<name>.png (look at them: they are the evidence). */
async function saveFarEnd(page: Page, name: string): Promise<void> {
  const dataUrl = await call<string>(page, 'snapshot');
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  writeFileSync(resolve(ARTIFACTS_DIR, `e2e-${name}.png`), Buffer.from(dataUrl.split(',')[1]!, 'base64'));
}

/** Polls `fn` until it returns something truthy; on timeout the error shows what `describeLast` says. */
async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000,
  describeLast?: () => Promise<unknown>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = await fn().catch((e) => e);
    if (last && !(last instanceof Error)) return last as T;
    await new Promise((r) => setTimeout(r, 200));
  }
  const state = describeLast ? JSON.stringify(await describeLast().catch((e) => String(e))) : '';
  throw new Error(`[e2e] timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)}) ${state}`);
}

describe(`the extension on a loopback call (${clip.real ? 'real clip, MediaPipe' : 'synthetic clip, ellipse segmenter'})`, () => {
  const base = inject('baseUrl');
  const site = new URL(base).origin;
  const host = new URL(base).host;
  let ext: ExtensionSession;
  let page: Page;
  let popup: Page;
  let raw: SampleResult;
  let rawLocal: SampleResult;
  let off: SampleResult;
  let relit: SampleResult;

  const modeLine = () => popup.locator('#mode-line');
  const siteSwitch = () => popup.getByRole('switch', { name: /relighting on or off/ });
  const sessionMode = async () => (await ext.status(site))?.sessions[0];

  beforeAll(async () => {
    const { built, ms } = await buildExtensionOnce();
    console.log(`[e2e] extension ${built ? `built in ${(ms / 1000).toFixed(1)} s` : 'already built in this run'}; camera ${clip.path}`);
    ext = await launchWithExtension(clip.path);
    await ext.setStorage({ devOptions: PLUMBING, settings: PLUMBING_SETTINGS });
  });
  afterAll(async () => ext?.b.close());

  it('is a loadable MV3 package: minimal permissions, wasm CSP, exact web-accessible files, a zip', () => {
    expect(ext.id).toMatch(/^[a-p]{32}$/);
    const m = JSON.parse(readFileSync(resolve(EXTENSION_DIR, 'manifest.json'), 'utf8'));
    expect(m.manifest_version).toBe(3);
    expect(m.permissions).toEqual(['storage']);
    expect(m.host_permissions).toBeUndefined();
    expect(m.content_security_policy.extension_pages).toContain("'wasm-unsafe-eval'");
    expect(m.content_scripts.map((c: { world?: string; run_at: string }) => `${c.world ?? 'ISOLATED'}@${c.run_at}`)).toEqual(['MAIN@document_start', 'ISOLATED@document_start']);
    const wars: string[] = m.web_accessible_resources[0].resources;
    for (const f of wars) expect(existsSync(resolve(EXTENSION_DIR, f)), f).toBe(true);
    for (const f of ['worker/engine.worker.js', 'engine/relight-host.js', 'wasm/vision_wasm_module_internal.wasm', 'wasm/ort-wasm-simd-threaded.wasm', 'models/selfie_segmenter.tflite', 'models/face_landmarker.task']) {
      expect(wars).toContain(f);
    }
    if (existsSync(resolve(REPO_ROOT, 'models/student.onnx'))) expect(wars).toContain('models/student.onnx');
    // Nothing the page does not load: no pages, no background, no content scripts, no popup code.
    expect(wars.filter((f) => /^(popup|background|content|icons|manifest)|\.html$/.test(f))).toEqual([]);
    expect(statSync(EXTENSION_ZIP).size).toBeGreaterThan(1e6);
    if (existsSync('/usr/bin/unzip')) {
      const list = execFileSync('unzip', ['-l', EXTENSION_ZIP], { encoding: 'utf8' });
      expect(list).toContain('manifest.json');
      execFileSync('unzip', ['-tq', EXTENSION_ZIP]); // CRCs check out
    }
  });

  it('leaves the camera untouched on a site that is off (the default)', async () => {
    page = await openCallPage(ext.b, base);
    const info = await call<TrackInfo>(page, 'start', { video: { width: 640, height: 480, frameRate: 30 }, audio: true });
    expect(info.native).toBe(true);
    raw = await call<SampleResult>(page, 'sample', 'remote', 2000, REGION);
    rawLocal = await call<SampleResult>(page, 'sample', 'local', 1000, REGION);
    console.log(`[e2e] far end, relighting off: ${brief(raw)}; sent: ${brief(rawLocal)}`);
    await saveFarEnd(page, 'raw');
    expect(raw.fps).toBeGreaterThan(12);
  });

  it('turns on from the popup; the camera the site opens next (a device switch) is relit in a worker', async () => {
    popup = await ext.b.newPage();
    await popup.setViewportSize({ width: 400, height: 1000 });
    await popup.goto(ext.url('popup.html'));
    await expect.poll(() => modeLine().textContent(), { timeout: 10_000 }).toContain(`Off for ${host}`);
    expect(await modeLine().textContent()).toContain('restart the camera');
    await siteSwitch().click();
    await expect.poll(async () => (await ext.storage()).sites, { timeout: 5000 }).toEqual({ [site]: true });

    // A second camera where the fake device offers one (without a clip file it offers two); else the same one
    // again: either way a new getUserMedia while the first camera runs, as a device switch does.
    const cameras = await call<{ deviceId: string; label: string }[]>(page, 'cameras');
    const current = (await call<TrackInfo>(page, 'localTrack')).settings.deviceId;
    const other = cameras.find((c) => c.deviceId !== current) ?? cameras[0]!;
    const info = await call<TrackInfo>(page, 'switchCamera', { deviceId: { exact: other.deviceId }, width: 640, height: 480 });
    expect(info.native).toBe(false);
    expect(info.settings.deviceId).toBe(other.deviceId);
    expect(info.settings.width).toBe(640);
    expect(info.label).toBe(other.label);
    await until('processing', async () => (await sessionMode())?.mode === 'processing');
    relit = await call<SampleResult>(page, 'sample', 'remote', 2000, REGION);
    console.log(`[e2e] far end, relit (exposure x2.5): ${brief(relit)}`);
    await saveFarEnd(page, 'exposure');
    expect(relit.lumIn - raw.lumIn).toBeGreaterThan(10);
    expect(Math.abs(relit.lumOut - raw.lumOut)).toBeLessThan(4);
    // The engine's own rate (MediaPipe + exposure in one worker on a shared 2-core machine): only ask that it runs.
    expect(relit.fps).toBeGreaterThan(0.3 * raw.fps);
    const s = (await sessionMode())!;
    expect(s.host).toBe('worker');
    await expect.poll(() => modeLine().getAttribute('data-host'), { timeout: 5000 }).toBe('worker');
    expect(await modeLine().textContent()).toMatch(/Relighting in a worker thread · \d+ fps/);
  });

  it('keeps the audio track untouched and flowing', async () => {
    const audio = await call<(TrackInfo & { kind: string })[]>(page, 'localAudio');
    expect(audio).toHaveLength(1);
    expect(audio[0]!.native).toBe(true);
    expect(audio[0]!.readyState).toBe('live');
    const a = await call<{ audioPackets: number; audioEnergy: number }>(page, 'inbound');
    await new Promise((r) => setTimeout(r, 1000));
    const b = await call<{ audioPackets: number; audioEnergy: number }>(page, 'inbound');
    console.log(`[e2e] far-end audio: ${b.audioPackets - a.audioPackets} packets/s, energy ${a.audioEnergy.toFixed(4)} -> ${b.audioEnergy.toFixed(4)}`);
    expect(b.audioPackets - a.audioPackets).toBeGreaterThan(25); // 50 packets/s at 20 ms
    expect(b.audioEnergy).toBeGreaterThan(a.audioEnergy);
  });

  it('applies popup changes to the running call within 200 ms (plus the frames already in the engine)', async () => {
    const strength = popup.getByRole('slider', { name: 'Strength' });
    await popup.evaluate(() => {
      const w = globalThis as unknown as { changesAtMs: number[] };
      w.changesAtMs = [];
      // Bubble phase: the panel stops its children's events, so exactly one per user change arrives here.
      document.addEventListener('rl-settings-change', () => w.changesAtMs.push(Date.now()));
    });
    await call(page, 'watch', REGION);
    await new Promise((r) => setTimeout(r, 600));
    const keys = ['Home', 'End', 'Home', 'End'];
    const appliedAtMs: number[] = [];
    for (const key of keys) {
      await strength.press(key);
      await new Promise((r) => setTimeout(r, 900));
      appliedAtMs.push((await ext.status(site))!.settingsAppliedAtMs);
    }
    const { remote, local } = await call<{ remote: FrameSample[]; local: FrameSample[] }>(page, 'unwatch');
    const changes = await popup.evaluate(() => (globalThis as unknown as { changesAtMs: number[] }).changesAtMs);
    expect(changes).toHaveLength(keys.length);
    const mid = (raw.lumIn + relit.lumIn) / 2;
    const latencies = (samples: FrameSample[]) => changes.map((t, i) => {
      const towardsRaw = keys[i] === 'Home';
      const hit = samples.find((s) => s.atMs > t && (towardsRaw ? s.lumIn < mid : s.lumIn > mid));
      return hit ? hit.atMs - t : Infinity;
    });
    const median = (v: number[]) => {
      const s = [...v].sort((a, b) => a - b);
      return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
    };
    const toBridge = changes.map((t, i) => appliedAtMs[i]! - t);
    const toLocal = latencies(local);
    const toFarEnd = latencies(remote);
    console.log(`[e2e] popup change (strength 1 -> 0 -> 1 -> 0 -> 1) -> applied in the page: ${toBridge.join(', ')} ms; ` +
      `-> first changed frame sent: ${toLocal.join(', ')} ms (median ${median(toLocal)}); -> first changed frame at the far end: ` +
      `${toFarEnd.join(', ')} ms (median ${median(toFarEnd)})`);
    // The extension's own path (popup -> storage -> bridge -> relighter.update) is a few ms.
    for (const l of toBridge) expect(l).toBeLessThan(50);
    // Frames already inside the engine (the relighter keeps up to two in flight) still come out with the old
    // settings: the budget is 200 ms plus those two frames' processing time, as the engine reports it (totalMs:
    // segmentation + stage for one frame, without queueing).
    const engineMs = (await ext.status(site))!.sessions[0]!.stageMs.totalMs ?? 0;
    console.log(`[e2e] engine time per frame ${engineMs} ms: budget sent ${200 + 2 * engineMs} ms, far end ${300 + 2 * engineMs} ms`);
    expect(median(toLocal)).toBeLessThan(200 + 2 * engineMs);
    // End to end, adding the call's WebRTC encoder, jitter buffer and decoder.
    expect(median(toFarEnd)).toBeLessThan(300 + 2 * engineMs);
    expect((await ext.storage()).settings).toMatchObject({ strength: 1 });
  });

  it('keeps the call running when Chrome stops the service worker, and the settings survive it', async () => {
    const before = await call<SampleResult>(page, 'sample', 'remote', 1200, REGION);
    await ext.killServiceWorker();
    expect(await ext.serviceWorkerState()).toBe('stopped');
    const after = await call<SampleResult>(page, 'sample', 'remote', 2000, REGION);
    console.log(`[e2e] service worker stopped: before ${brief(before)}; after ${brief(after)}, longest gap ${after.maxGapMs.toFixed(0)} ms`);
    // The video goes on: no stall, and the engine's rate (CPU-bound on this shared machine: it varies by a third
    // between windows with or without a worker stop) stays within range.
    expect(after.maxGapMs).toBeLessThan(500);
    expect(after.fps).toBeGreaterThan(0.5 * before.fps);
    expect(Math.abs(after.lumIn - relit.lumIn)).toBeLessThan(5);
    // A fresh popup reads the stored settings and finds the call (asking the background restarts it).
    await popup.reload();
    await expect.poll(() => modeLine().getAttribute('data-host'), { timeout: 10_000 }).toBe('worker');
    expect(await popup.getByRole('slider', { name: 'Strength' }).inputValue()).toBe('1');
    expect(await ext.serviceWorkerState()).toBe('running'); // the popup's question restarted it
    // Changes still reach the call.
    await popup.getByRole('slider', { name: 'Strength' }).press('Home');
    await expect.poll(async () => (await call<SampleResult>(page, 'sample', 'remote', 400, REGION)).lumIn, { timeout: 5000 })
      .toBeLessThan((raw.lumIn + relit.lumIn) / 2);
    await popup.getByRole('slider', { name: 'Strength' }).press('End');
    const later = await call<SampleResult>(page, 'sample', 'remote', 1500, REGION);
    console.log(`[e2e] after the worker restarted: ${brief(later)}`);
  });

  it('ignores forged page messages: the settings and the video do not change', async () => {
    const before = await ext.storage();
    const r = await call<{ chromeRuntime: boolean; portsSeenByPage: number }>(page, 'forge');
    expect(r).toEqual({ chromeRuntime: false, portsSeenByPage: 0 });
    expect(await ext.storage()).toEqual(before);
    const s = await call<SampleResult>(page, 'sample', 'remote', 1200, REGION);
    expect(Math.abs(s.lumIn - relit.lumIn)).toBeLessThan(5);
    expect((await ext.status(site))!.sessions).toHaveLength(1);
  });

  it('returns the raw camera when turned off for the site', async () => {
    await siteSwitch().click();
    await expect.poll(async () => (await ext.storage()).sites, { timeout: 5000 }).toEqual({});
    await new Promise((r) => setTimeout(r, 300));
    const sent = await call<SampleResult>(page, 'sample', 'local', 1000, REGION);
    off = await call<SampleResult>(page, 'sample', 'remote', 1500, REGION);
    await saveFarEnd(page, 'off');
    console.log(`[e2e] turned off mid-call: sent ${brief(sent)}; far end ${brief(off)}`);
    // The video the page sends is the camera's again, and so is the person at the far end.
    // (Means over different moments of a talking head: a few levels apart; relit was +40.)
    expect(Math.abs(sent.lumIn - rawLocal.lumIn)).toBeLessThan(5);
    expect(Math.abs(sent.lumOut - rawLocal.lumOut)).toBeLessThan(2);
    expect(Math.abs(off.lumIn - raw.lumIn)).toBeLessThan(5);
    await expect.poll(() => modeLine().textContent(), { timeout: 5000 }).toContain(`Off for ${host}`);
    // A camera opened while off is the browser's own track.
    const fresh = await call<{ tracks: TrackInfo[] }>(page, 'probeRequest', { video: true });
    expect(fresh.tracks[0]!.native).toBe(true);
  });

  // Regression test: the pipeline fed its MediaStreamTrackGenerator processed RGBA frames, then raw camera I420
  // frames when turned off, and Chromium's WebRTC encoder shifted the raw frames' colours at the far end (the real
  // clip's cyan wall 67,206,218 -> 60,187,215). The relighter now keeps one pixel format per output track.
  // Real clip only: on the synthetic clip's grey wall the shift was 3-4 levels, too close to the tolerance.
  (clip.real ? it : it.skip)('shows the far end the camera\'s own colours after turning off', async () => {
    const d = off.rgbOut.map((v, i) => Math.abs(v - raw.rgbOut[i]!));
    console.log(`[e2e] background after turning off: ${off.rgbOut.map((v) => v.toFixed(0))} vs camera ${raw.rgbOut.map((v) => v.toFixed(0))}`);
    expect(Math.max(...d)).toBeLessThan(4);
  });

  it('turns back on from the popup', async () => {
    await siteSwitch().click(); // on again for what follows
    await expect.poll(async () => (await ext.storage()).sites, { timeout: 5000 }).toEqual({ [site]: true });
    await call(page, 'hangup');
    await page.close();
  });

  // On a page of their own with the ellipse test segmenter: starting a MediaPipe engine per request would only
  // measure this machine's CPU, and while a worker processes one camera track, a second raw track of the same fake
  // camera with other constraints can stall after a frame or two in headless Chromium 156 (see the README and
  // scripts/dev/second-track-stall.mjs).
  describe('getUserMedia semantics', () => {
    beforeAll(async () => {
      await ext.setStorage({ devOptions: { stage: 'exposure', segmenter: 'ellipse' } });
      page = await openCallPage(ext.b, base);
    });
    afterAll(async () => {
      await ext.setStorage({ devOptions: PLUMBING });
      await page?.close();
    });

    it('audio-only requests are untouched', async () => {
      const audioOnly = await call<{ tracks: (TrackInfo & { kind: string })[] }>(page, 'probeRequest', { audio: true });
      expect(audioOnly.tracks.map((t) => [t.kind, t.native])).toEqual([['audio', true]]);
    });

    it('concurrent requests each get their own running relit track', async () => {
      const conc = await call<{ tracks: TrackInfo[]; fps: number[]; distinct: boolean }>(page, 'concurrent', 2, { width: 640, height: 480 });
      console.log(`[e2e] two concurrent requests: ${conc.fps.map((f) => f.toFixed(1)).join(', ')} fps`);
      expect(conc.distinct).toBe(true);
      expect(conc.tracks.map((t) => t.native)).toEqual([false, false]);
      for (const f of conc.fps) expect(f).toBeGreaterThan(5);
    });

    it('constraints, applyConstraints, clone() and stop() behave like the camera track', async () => {
      const api = await call<Record<string, any>>(page, 'trackApi');
      console.log(`[e2e] track API: ${JSON.stringify({ small: api.small, big: api.big, cloneAfterStop: api.cloneAfterStop })}`);
      expect(api.first.native).toBe(false);
      expect([api.small.w, api.small.h]).toEqual([320, 240]);
      expect(api.first.settings).toMatchObject({ width: 320, height: 240 });
      expect(api.small.fps).toBeGreaterThan(5);
      expect(api.small.fps).toBeLessThan(18); // frameRate max 15 reached the camera
      expect(api.constraintsBefore).toMatchObject({ width: { exact: 320 } });
      expect(api.afterApply.settings).toMatchObject({ width: 640, height: 480 });
      expect([api.big.w, api.big.h]).toEqual([640, 480]);
      expect(api.cloneInfo.native).toBe(false);
      expect(api.cloneInfo.settings.deviceId).toBe(api.first.settings.deviceId);
      expect(api.streamCloneInfo.native).toBe(false);
      expect(api.cloneAfterStop.frames).toBeGreaterThan(5);
      expect(api.stateAfterFirstStop).toEqual({ original: 'ended', clone: 'live' });
      expect(api.finalState).toBe('ended');
      // Every camera the requests opened was released.
      await until('the sessions to be released', async () => ((await ext.status(site))?.sessions.length ?? 0) === 0, 5000);
    });

    it('fails open: when relighting cannot start, the page gets its camera and the popup says why', async () => {
      await ext.setStorage({ devOptions: { stage: 'exposure', segmenter: 'ellipse', fault: 'start' } });
      try {
        const r = await call<{ track: TrackInfo; sample: SampleResult }>(page, 'hold', { video: true }, 1500);
        expect(r.track.native).toBe(true);
        expect(r.sample.frames).toBeGreaterThan(5);
        const st = (await ext.status(site))!;
        expect(st.notes.join('\n')).toContain('injected start fault');
        expect([st.sessions.length, st.rawCameras]).toEqual([0, 1]);
        await call(page, 'release');
      } finally {
        await ext.setStorage({ devOptions: { stage: 'exposure', segmenter: 'ellipse' } });
      }
    });
  });

  describe('on pages with a strict Content-Security-Policy', () => {
    async function cspCall(csp: string): Promise<{ sample: SampleResult; status: NonNullable<Awaited<ReturnType<ExtensionSession['status']>>> }> {
      const p = await openCallPage(ext.b, base, csp);
      await call(p, 'start', { video: { width: 640, height: 480 }, audio: false });
      const status = await until('the engine to settle', async () => {
        const st = await ext.status(site);
        const m = st?.sessions[0]?.mode;
        return m === 'processing' || (m === 'passthrough' && st!.cspBlocks.wasm) ? st : null;
      }, 60_000, async () => ({ status: await ext.status(site), calls: await ext.control.evaluate(() => chrome.storage.session.get('calls')) }));
      const sample = await call<SampleResult>(p, 'sample', 'remote', 2000, REGION);
      await popup.reload();
      await expect.poll(() => modeLine().getAttribute('data-state'), { timeout: 10_000 }).toMatch(/processing|passthrough/);
      console.log(`[e2e] CSP "${csp}": ${status.sessions[0]!.mode} on ${status.sessions[0]!.host}; far end ${brief(sample)}; popup: ${await modeLine().textContent()}`);
      await call(p, 'hangup');
      await p.close();
      return { sample, status };
    }

    it("worker-src 'self'; script-src 'self': the worker is blocked; relit on the main thread, or passthrough with the reason", async () => {
      const { sample, status } = await cspCall("worker-src 'self'; script-src 'self'");
      const s = status.sessions[0]!;
      expect(status.cspBlocks.worker).toBe(true);
      expect(sample.fps).toBeGreaterThan(10);
      if (SEGMENTER === 'ellipse') {
        // No wasm needed by the ellipse test segmenter + exposure stage: the same engine runs on this thread.
        expect([s.mode, s.host]).toEqual(['processing', 'main']);
        expect(s.fallbackReason).toMatch(/worker-src/);
        expect(sample.lumIn - raw.lumIn).toBeGreaterThan(10);
        expect(await modeLine().textContent()).toContain('main thread');
      } else {
        // script-src without 'wasm-unsafe-eval' forbids WebAssembly in the page (both worlds): MediaPipe cannot run.
        expect(s.mode).toBe('passthrough');
        expect(status.cspBlocks.wasm).toBe(true);
        expect(Math.abs(sample.lumIn - raw.lumIn)).toBeLessThan(4);
        expect(await modeLine().textContent()).toContain('forbids WebAssembly');
      }
    });

    it.runIf(SEGMENTER === 'mediapipe')("worker-src 'self' with wasm allowed (as on Google Meet): relit on the main thread", async () => {
      const { sample, status } = await cspCall("worker-src 'self'; script-src 'self' 'wasm-unsafe-eval'");
      expect([status.sessions[0]!.mode, status.sessions[0]!.host]).toEqual(['processing', 'main']);
      expect(sample.lumIn - raw.lumIn).toBeGreaterThan(10);
      expect(sample.fps).toBeGreaterThan(5);
    });
  });

  describe('the product default (relight stage)', () => {
    it("relights the far end as the popup's preset says, and keeps the background", async () => {
      // Developer overrides off, except the segmenter on the synthetic clip (MediaPipe finds no person in it).
      await ext.setStorage({ devOptions: clip.real ? {} : { segmenter: 'ellipse' }, settings: {} });
      const p = await openCallPage(ext.b, base);
      await call(p, 'start', { video: { width: 640, height: 480 }, audio: false });
      const st = await until('the relight stage', async () => {
        const s = await ext.status(site);
        return s?.sessions[0]?.mode === 'processing' ? s : null;
      }, 90_000);
      expect(st.sessions[0]!.stage).toBe('relight');
      await popup.reload();
      const measure = async (presetLabel: string) => {
        await popup.getByRole('radio', { name: presetLabel }).click();
        await new Promise((r) => setTimeout(r, 2500)); // lighting smoothing settles
        await saveFarEnd(p, `relight-${presetLabel.split(' ')[0]!.toLowerCase()}`);
        const before = (await ext.status(site))!.sessions[0]!;
        const sample = await call<SampleResult>(p, 'sample', 'remote', 2500, REGION);
        const after = (await ext.status(site))!.sessions[0]!;
        // Every frame of the measurement was relit (none passed through raw because of a failure).
        expect(after.mode).toBe('processing');
        expect(after.passthroughFrames).toBe(before.passthroughFrames);
        expect(after.framesOut).toBeGreaterThan(before.framesOut);
        return sample;
      };
      const right = await measure('Desk lamp');
      const left = await measure('Dramatic side');
      const stats = (await ext.status(site))!.sessions[0]!;
      console.log(`[e2e] relight stage (${stats.backend}, ${stats.host}, ${stats.fps} fps): raw ${brief(raw)}\n  desk lamp (key from image right) ${brief(right)}\n  dramatic side (key from image left) ${brief(left)}`);
      const balance = (s: SampleResult) => s.lumInRight / s.lumInLeft / (raw.lumInRight / raw.lumInLeft);
      // The key light's side gets brighter relative to the other, compared with the camera.
      expect(balance(right)).toBeGreaterThan(1.03);
      expect(balance(left)).toBeLessThan(0.97);
      // background 'keep'
      expect(Math.abs(right.lumOut - raw.lumOut)).toBeLessThan(4);
      expect(right.fps).toBeGreaterThan(3);

      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const shot = resolve(ARTIFACTS_DIR, 'popup.png');
      await popup.locator('main').screenshot({ path: shot });
      if (process.env.RL_UPDATE_DOC_IMAGES === '1') copyFileSync(shot, resolve(REPO_ROOT, 'docs/images/popup.png'));
      await call(p, 'hangup');
      await p.close();
    });
  });
});
