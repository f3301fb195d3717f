/**
 * Drives `<rl-relight-video>` from source for tests/browser/embed-element.test.ts through `window.rl`. The element
 * gets a MediaStream the page opened (or opens the camera itself); the fast, deterministic engine (exposure stage,
 * ellipse segmenter on the synthetic clip) keeps the test about the element, not the models.
 */
(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = true;

import '../../../src/ui/relight-video-element.js';
import type { RelightVideoElement } from '../../../src/ui/relight-video-element.js';
import { totalOpen } from '../../../src/core/leak-tracker.js';
import { ellipsePerson } from '../../../src/testing/ellipse-segmenter.js';
import { probe, type Region } from './frame-probe.js';

/** The synthetic clip's person (EllipseSegmenter's ellipse), with a margin skipped around its edge. */
const ellipse: Region = (u, v) => {
  if (ellipsePerson(u, v) && ellipsePerson(u + 0.03, v) && ellipsePerson(u - 0.03, v) && ellipsePerson(u, v + 0.03) && ellipsePerson(u, v - 0.03)) return 'in';
  for (const du of [-0.06, 0, 0.06]) for (const dv of [-0.06, 0, 0.06]) if (ellipsePerson(u + du, v + dv)) return 'skip';
  return 'out';
};

const EVENTS = ['rl-ready', 'rl-mode', 'rl-fallback', 'rl-recovered', 'rl-progress', 'rl-stats', 'rl-error', 'rl-settings-change', 'rl-settings-error'];
const events: { type: string; detail: unknown; target: string }[] = [];

/** Details hold streams and relighters: keep what a test can compare. */
function summarise(type: string, detail: unknown): unknown {
  const d = detail as Record<string, unknown>;
  if (type === 'rl-ready') {
    const stream = d.stream as MediaStream;
    return { sameAsRelitStream: stream === el?.relitStream, video: stream.getVideoTracks()[0]?.readyState, relighter: d.relighter === el?.relighter };
  }
  if (type === 'rl-stats') return { mode: (d.stats as { mode: string }).mode };
  if (type === 'rl-error') return { code: d.code, message: d.message };
  return detail;
}
for (const type of EVENTS) {
  document.addEventListener(type, (e) => events.push({ type, detail: summarise(type, (e as CustomEvent).detail), target: (e.target as Element).tagName.toLowerCase() }));
}

let el: RelightVideoElement | null = null;
let hostStream: MediaStream | null = null;

const api = {
  /** A camera stream the page (the "app") owns. */
  async openHostStream() {
    hostStream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, frameRate: 30 }, audio: false });
    return hostStream.getVideoTracks()[0]!.readyState;
  },
  hostTrackState: () => hostStream?.getVideoTracks()[0]?.readyState ?? 'none',
  /** Creates the element with these attributes and puts it in #slot; `src` gives it the host stream first. */
  create(attrs: Record<string, string | true>, opts: { src?: boolean; constraints?: MediaStreamConstraints } = {}) {
    el?.remove();
    events.length = 0;
    el = document.createElement('rl-relight-video');
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v === true ? '' : v);
    if (opts.constraints) el.cameraConstraints = opts.constraints;
    if (opts.src) el.srcObject = hostStream;
    document.getElementById('slot')!.append(el);
  },
  async waitFor(type: string, count = 1, timeoutMs = 30_000) {
    const deadline = performance.now() + timeoutMs;
    while (events.filter((e) => e.type === type).length < count) {
      if (performance.now() > deadline) throw new Error(`[embed-page] ${type} x${count} not seen in ${timeoutMs} ms: ${JSON.stringify(events.map((e) => e.type))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return events.filter((e) => e.type === type).map((e) => e.detail);
  },
  events: (type?: string) => events.filter((e) => !type || e.type === type),
  clearEvents: () => void (events.length = 0),
  async whenProcessing() {
    await el!.relighter!.whenProcessing(60_000);
    return el!.relighter!.stats();
  },
  stats: () => el!.relighter?.stats() ?? null,
  /** What the shadow root shows. */
  view() {
    const root = el!.shadowRoot!;
    const video = root.querySelector<HTMLVideoElement>('video[part="video"]');
    const status = root.querySelector('rl-status');
    return {
      videoIsRelit: !!video && video.srcObject === el!.relitStream && video.srcObject !== null,
      videoMuted: video?.muted ?? false,
      hasControls: !!root.querySelector('rl-controls'),
      presets: (root.querySelector('rl-controls') as unknown as { presets?: unknown[] } | null)?.presets?.length ?? 0,
      hasStatus: !!status,
      statusText: status?.shadowRoot?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
      relitState: el!.relitStream?.getVideoTracks()[0]?.readyState ?? 'none',
      inputIsHost: el!.inputStream !== null && el!.inputStream === hostStream,
      inputState: el!.inputStream?.getVideoTracks()[0]?.readyState ?? 'none',
    };
  },
  settings: () => el!.settings,
  relighterSettings: () => el!.relighter?.settings ?? null,
  /** `el.settings = value`; returns the error instead of throwing. */
  setSettings(value: unknown, merge = true) {
    try {
      el!.settings = merge ? { ...el!.settings, ...(value as object) } : value;
      return { ok: true };
    } catch (e) {
      return { ok: false, name: (e as Error).name, message: (e as Error).message };
    }
  },
  setAttr: (name: string, value: string | null) => (value === null ? el!.removeAttribute(name) : el!.setAttribute(name, value)),
  probe: (ms: number) => probe(el!.inputStream!.getVideoTracks()[0]!, el!.relitStream!.getVideoTracks()[0]!, ms, ellipse),
  /** Moves the element to another parent in one task: must keep the same relighter. */
  async move() {
    const before = el!.relighter;
    document.getElementById('other-slot')!.append(el!);
    await new Promise((r) => setTimeout(r, 300));
    return { same: el!.relighter === before && before !== null, mode: el!.relighter?.stats().mode };
  },
  /** Removes the element and reports what happened to the relighter, its streams and the leak counters. */
  async remove() {
    const relighter = el!.relighter!;
    const input = el!.inputStream!.getVideoTracks()[0]!;
    const relit = el!.relitStream!.getVideoTracks()[0]!;
    const ownsCamera = el!.inputStream !== hostStream;
    el!.remove();
    const deadline = performance.now() + 5000;
    while ((relighter.stats().mode !== 'stopped' || (ownsCamera && input.readyState !== 'ended')) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 100));
    return {
      mode: relighter.stats().mode,
      input: input.readyState,
      relit: relit.readyState,
      relighterAfter: el!.relighter,
      mainLeaks: totalOpen(),
      workerLeaks: relighter.stats().leaks.worker,
    };
  },
  async start() {
    try {
      const s = await el!.start();
      return { ok: true, same: s === el!.relitStream, video: s.getVideoTracks()[0]!.readyState };
    } catch (e) {
      return { ok: false, name: (e as Error).name, message: (e as Error).message };
    }
  },
  async stop() {
    const input = el!.inputStream?.getVideoTracks()[0];
    await el!.stop();
    return { input: input?.readyState ?? 'none', relitStream: el!.relitStream, relighter: el!.relighter };
  },
  /** Replaces the source with a fresh stream from the page; the old relighter must be disposed. */
  async replaceSource() {
    const old = el!.relighter!;
    const next = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    const oldHost = hostStream;
    hostStream = next;
    el!.srcObject = next;
    await new Promise((r) => setTimeout(r, 50));
    await el!.updateComplete;
    const deadline = performance.now() + 10_000;
    while ((!el!.relighter || el!.relighter === old) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    oldHost?.getTracks().forEach((t) => t.stop());
    return { oldMode: old.stats().mode, replaced: el!.relighter !== null && el!.relighter !== old, inputIsNew: el!.inputStream === next };
  },
};

(globalThis as unknown as { rl: typeof api }).rl = api;
document.title = 'ready';
