/** Drives the relighter for tests/browser/pipeline.test.ts through `window.rl`. */
(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = true;

import { createRelighter, type Relighter, type RelighterOptions } from '../../../src/index.js';
import { openCounts, totalOpen } from '../../../src/core/leak-tracker.js';
import { ellipsePerson } from '../../../src/testing/ellipse-segmenter.js';
import { probe, trackFps, type Region } from './frame-probe.js';

const regions: Record<string, Region> = {
  // Matches the synthetic clip / EllipseSegmenter; a margin around the edge is skipped.
  ellipse: (u, v) => {
    if (ellipsePerson(u, v) && ellipsePerson(u + 0.03, v) && ellipsePerson(u - 0.03, v) && ellipsePerson(u, v + 0.03) && ellipsePerson(u, v - 0.03)) return 'in';
    for (const du of [-0.06, 0, 0.06]) for (const dv of [-0.06, 0, 0.06]) if (ellipsePerson(u + du, v + dv)) return 'skip';
    return 'out';
  },
  // A talking head framed in the centre (GRID clips): face box in, top corners out.
  centred: (u, v) => {
    if (u > 0.42 && u < 0.58 && v > 0.3 && v < 0.6) return 'in';
    if ((u < 0.12 || u > 0.88) && v < 0.25) return 'out';
    return 'skip';
  },
};

let camera: MediaStream | null = null;
let relighter: Relighter | null = null;
const events: { type: string; detail: unknown; atMs: number }[] = [];

const api = {
  /** `camera`: the size asked of the (fake) camera, 640x480 by default. */
  async start(options: RelighterOptions & { audio?: boolean; camera?: { width: number; height: number } }) {
    const { width, height } = options.camera ?? { width: 640, height: 480 };
    camera = await navigator.mediaDevices.getUserMedia({ video: { width, height, frameRate: 30 }, audio: options.audio ?? true });
    relighter = await createRelighter(camera, options);
    for (const type of ['fallback', 'recovered', 'mode', 'progress'] as const) {
      relighter.on(type, (detail) => events.push({ type, detail, atMs: performance.now() }));
    }
    const video = document.getElementById('out') as HTMLVideoElement;
    video.srcObject = relighter.stream;
    await relighter.whenProcessing(60_000);
    return relighter.stats();
  },
  stats: () => relighter!.stats(),
  events: () => events.map((e) => ({ type: e.type, detail: e.detail })),
  update: (patch: unknown) => {
    try {
      relighter!.update(patch);
      return { ok: true };
    } catch (e) {
      return { ok: false, name: (e as Error).name, message: (e as Error).message, settings: relighter!.settings };
    }
  },
  probe: (durationMs: number, region: string, snapshot = false) =>
    probe(camera!.getVideoTracks()[0]!, relighter!.stream.getVideoTracks()[0]!, durationMs, regions[region]!, {
      snapshot, matchBy: relighter!.stats().plumbing === 'video-element' ? 'arrival' : 'timestamp',
    }),
  cameraFps: (ms: number) => trackFps(camera!.getVideoTracks()[0]!, ms),
  injectFault: (kind: Parameters<Relighter['injectFault']>[0]) => relighter!.injectFault(kind),
  audio: () => {
    const a = relighter!.stream.getAudioTracks();
    const c = camera!.getAudioTracks();
    return { count: a.length, same: a.length === c.length && a.every((t, i) => t === c[i]), live: a.every((t) => t.readyState === 'live') };
  },
  trackInfo: () => {
    const out = relighter!.stream.getVideoTracks()[0]!;
    return { out: out.getSettings(), camera: camera!.getVideoTracks()[0]!.getSettings(), outState: out.readyState };
  },
  stopOutput: async () => {
    relighter!.stream.getVideoTracks()[0]!.stop();
    await new Promise((r) => setTimeout(r, 300));
    return { camera: camera!.getVideoTracks()[0]!.readyState };
  },
  async dispose() {
    await relighter?.dispose();
    await relighter?.dispose(); // idempotent
    camera?.getTracks().forEach((t) => t.stop());
    await new Promise((r) => setTimeout(r, 200));
    return { main: openCounts(), total: totalOpen(), worker: relighter?.stats().leaks.worker ?? {} };
  },
};

/** What tests call through tests/support/pages.ts pageApi(page, 'rl'). */
export type PipelineApi = typeof api;
(globalThis as unknown as { rl: PipelineApi }).rl = api;
document.title = 'ready';
