/**
 * Bench page: runs one pipeline configuration at a time on the fake camera and reports fps, latency and
 * per-stage timings (medians over the measurement window). Driven by scripts/bench.mjs.
 */
(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = false;

import { createRelighter, type RelighterOptions } from '../../src/index.js';
import { trackFps } from '../browser/pages/frame-probe.js';

export interface PipelineBench {
  name: string;
  fps: number;
  cameraFps: number;
  latencyMs: number;
  stageMs: Record<string, number>;
  host: string;
  backend: string;
  coldStartMs: number;
  framesDropped: number;
  passthroughFrames: number;
  error?: string;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function runPipeline(name: string, options: RelighterOptions, warmupMs: number, measureMs: number): Promise<PipelineBench> {
  const camera = await navigator.mediaDevices.getUserMedia({ video: { frameRate: 30 }, audio: false });
  const t0 = performance.now();
  const relighter = await createRelighter(camera, options);
  try {
    const enabled = (options.settings as { enabled?: boolean } | undefined)?.enabled !== false;
    if (enabled) await relighter.whenProcessing(120_000);
    const coldStartMs = performance.now() - t0;
    (document.getElementById('out') as HTMLVideoElement).srcObject = relighter.stream;
    await new Promise((r) => setTimeout(r, warmupMs));
    const samples: Record<string, number[]> = {};
    const latencies: number[] = [];
    const poll = setInterval(() => {
      const s = relighter.stats();
      for (const [k, v] of Object.entries(s.stageMs)) (samples[k] ??= []).push(v);
      latencies.push(s.latencyMs);
    }, 100);
    const before = relighter.stats();
    const [fps, cameraFps] = await Promise.all([
      trackFps(relighter.stream.getVideoTracks()[0]!, measureMs),
      trackFps(camera.getVideoTracks()[0]!, measureMs),
    ]);
    clearInterval(poll);
    const s = relighter.stats();
    const stageMs: Record<string, number> = {};
    for (const [k, v] of Object.entries(samples)) stageMs[k] = Math.round(median(v) * 100) / 100;
    return {
      name, fps, cameraFps, latencyMs: median(latencies), stageMs, host: s.host, backend: s.backend, coldStartMs,
      framesDropped: s.framesDropped - before.framesDropped, passthroughFrames: s.passthroughFrames - before.passthroughFrames,
      error: s.lastError?.message,
    };
  } finally {
    await relighter.dispose();
    camera.getTracks().forEach((t) => t.stop());
  }
}

/**
 * Cold start: createRelighter() to the first frame that went through the processor (stats.stageMs is set when
 * the first processed result comes back). Includes worker start, model fetch + compile and the engine warm-up.
 */
async function coldStart(options: RelighterOptions, timeoutMs = 120_000): Promise<{ coldStartMs: number; processingMs: number; host: string; backend: string; error?: string }> {
  const camera = await navigator.mediaDevices.getUserMedia({ video: { frameRate: 30 }, audio: false });
  // Wait for the camera's first frame so camera start-up is not counted as ours.
  await trackFps(camera.getVideoTracks()[0]!, 200);
  const t0 = performance.now();
  const relighter = await createRelighter(camera, options);
  try {
    await relighter.whenProcessing(timeoutMs);
    const processingMs = performance.now() - t0;
    const deadline = performance.now() + timeoutMs;
    while (relighter.stats().stageMs.totalMs === undefined && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const coldStartMs = performance.now() - t0;
    const s = relighter.stats();
    return { coldStartMs, processingMs, host: s.host, backend: s.backend, error: s.lastError?.message };
  } finally {
    await relighter.dispose();
    camera.getTracks().forEach((t) => t.stop());
  }
}

(globalThis as unknown as { bench: unknown }).bench = { runPipeline, coldStart };
document.title = 'ready';
