/**
 * In-page measurement helpers for browser tests: read frames from a track, compare output frames with the input
 * frames of the same timestamp, count frame rate. Frames read here are closed here (not leak-tracked: they are
 * the test's, not the pipeline's).
 */
export type Region = (u: number, v: number) => 'in' | 'out' | 'skip';

interface MstpCtor {
  new (init: { track: MediaStreamTrack }): { readable: ReadableStream<VideoFrame> };
}
const Processor = (globalThis as unknown as { MediaStreamTrackProcessor: MstpCtor }).MediaStreamTrackProcessor;

const SAMPLE_W = 160;
const SAMPLE_H = 120;

/**
 * Draws the frame at its own size and box-averages it down in JS. (Letting drawImage scale is not neutral: Chromium
 * scales I420 frames in YUV and RGBA frames in RGB, which differ by several levels on saturated colours.)
 */
async function smallRgba(frame: VideoFrame): Promise<Uint8ClampedArray> {
  const w = frame.displayWidth, h = frame.displayHeight;
  const c = new OffscreenCanvas(w, h);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(frame, 0, 0);
  const full = ctx.getImageData(0, 0, w, h).data;
  const out = new Uint8ClampedArray(SAMPLE_W * SAMPLE_H * 4);
  const sums = new Float64Array(SAMPLE_W * SAMPLE_H * 4);
  const counts = new Float64Array(SAMPLE_W * SAMPLE_H);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(SAMPLE_H - 1, Math.floor((y * SAMPLE_H) / h));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(SAMPLE_W - 1, Math.floor((x * SAMPLE_W) / w));
      const si = sy * SAMPLE_W + sx, fi = (y * w + x) * 4;
      sums[si * 4]! += full[fi]!; sums[si * 4 + 1]! += full[fi + 1]!; sums[si * 4 + 2]! += full[fi + 2]!;
      counts[si]! += 1;
    }
  }
  for (let i = 0; i < SAMPLE_W * SAMPLE_H; i++) {
    const n = counts[i]! || 1;
    out[i * 4] = sums[i * 4]! / n; out[i * 4 + 1] = sums[i * 4 + 1]! / n; out[i * 4 + 2] = sums[i * 4 + 2]! / n; out[i * 4 + 3] = 255;
  }
  return out;
}

export interface ProbeResult {
  outputFrames: number;
  fps: number;
  widthPx: number;
  heightPx: number;
  timestampsIncreasing: boolean;
  matched: number;
  /** Mean |out - in| (0..255, RGB) inside / outside the region, over matched frames. */
  diffInside: number;
  diffOutside: number;
  /** Mean signed (out - in) luminance inside. */
  signedInside: number;
  lastOutput: string | null;
  /** Input (camera) frame rate over the same window. */
  inputFps: number;
  /** Longest gap between two output frames, ms. */
  maxGapMs: number;
}

/** Reads `output` for `durationMs`, matching each output frame with the input frame of the same timestamp. */
export async function probe(input: MediaStreamTrack, output: MediaStreamTrack, durationMs: number, region: Region,
  options: { compareEvery?: number; snapshot?: boolean; matchBy?: 'timestamp' | 'arrival' } = {}): Promise<ProbeResult> {
  // 'arrival': for plumbing that re-stamps frames (video element -> canvas), match the latest input read before
  // the output frame arrived.
  const byArrival = options.matchBy === 'arrival';
  let latestInput: Uint8ClampedArray | null = null;
  const inClone = input.clone();
  const outClone = output.clone();
  const inputs = new Map<number, Uint8ClampedArray>();
  const inReader = new Processor({ track: inClone }).readable.getReader();
  const outReader = new Processor({ track: outClone }).readable.getReader();
  const compareEvery = options.compareEvery ?? 3;
  let stop = false;
  let inCount = 0;
  let inFirst = 0, inLast = 0, inN = 0;
  const inLoop = (async () => {
    while (!stop) {
      const { value, done } = await inReader.read();
      if (done || !value) break;
      const t = performance.now();
      if (inN === 0) inFirst = t;
      inLast = t;
      inN++;
      try {
        if (byArrival) latestInput = await smallRgba(value);
        else if (inCount++ % compareEvery === 0) {
          inputs.set(value.timestamp, await smallRgba(value));
          if (inputs.size > 30) inputs.delete(inputs.keys().next().value!);
        }
      } finally {
        value.close();
      }
    }
  })();
  const res: ProbeResult = {
    outputFrames: 0, fps: 0, widthPx: 0, heightPx: 0, timestampsIncreasing: true, matched: 0,
    diffInside: 0, diffOutside: 0, signedInside: 0, lastOutput: null, inputFps: 0, maxGapMs: 0,
  };
  let lastTs = -Infinity;
  let sumIn = 0, nIn = 0, sumOut = 0, nOut = 0, signed = 0;
  let firstMs = 0, lastMs = 0;
  const deadline = performance.now() + durationMs;
  const pending: Promise<void>[] = [];
  let lastFrameSmall: Uint8ClampedArray | null = null;
  while (performance.now() < deadline) {
    const { value, done } = await outReader.read();
    if (done || !value) break;
    const now = performance.now();
    if (res.outputFrames === 0) firstMs = now;
    else res.maxGapMs = Math.max(res.maxGapMs, now - lastMs);
    lastMs = now;
    res.outputFrames++;
    res.widthPx = value.displayWidth;
    res.heightPx = value.displayHeight;
    if (value.timestamp <= lastTs) res.timestampsIncreasing = false;
    lastTs = value.timestamp;
    const ts = value.timestamp;
    const frame = value;
    const arrivalInput = latestInput;
    if (byArrival && res.outputFrames % compareEvery !== 0) {
      frame.close();
      continue;
    }
    pending.push((async () => {
      try {
        // The input frame of this timestamp may be read a moment after the output: wait for it briefly.
        let inp = byArrival ? arrivalInput : inputs.get(ts);
        for (let i = 0; i < 10 && !inp && !byArrival; i++) {
          await new Promise((r) => setTimeout(r, 20));
          inp = inputs.get(ts);
        }
        const small = await smallRgba(frame);
        lastFrameSmall = small;
        if (!inp) return;
        res.matched++;
        for (let y = 0; y < SAMPLE_H; y++) {
          for (let x = 0; x < SAMPLE_W; x++) {
            const r = region((x + 0.5) / SAMPLE_W, (y + 0.5) / SAMPLE_H);
            if (r === 'skip') continue;
            const i = (y * SAMPLE_W + x) * 4;
            const d = (Math.abs(small[i]! - inp[i]!) + Math.abs(small[i + 1]! - inp[i + 1]!) + Math.abs(small[i + 2]! - inp[i + 2]!)) / 3;
            if (r === 'in') {
              sumIn += d; nIn++;
              signed += (small[i]! + small[i + 1]! + small[i + 2]! - inp[i]! - inp[i + 1]! - inp[i + 2]!) / 3;
            } else {
              sumOut += d; nOut++;
            }
          }
        }
      } finally {
        frame.close();
      }
    })());
  }
  stop = true;
  await Promise.all(pending);
  await outReader.cancel();
  await inReader.cancel();
  await inLoop.catch(() => {});
  inClone.stop();
  outClone.stop();
  res.inputFps = inN > 1 ? ((inN - 1) * 1000) / (inLast - inFirst) : 0;
  res.fps = res.outputFrames > 1 ? ((res.outputFrames - 1) * 1000) / (lastMs - firstMs) : 0;
  res.diffInside = nIn ? sumIn / nIn : 0;
  res.diffOutside = nOut ? sumOut / nOut : 0;
  res.signedInside = nIn ? signed / nIn : 0;
  if (options.snapshot && lastFrameSmall) {
    const c = new OffscreenCanvas(SAMPLE_W, SAMPLE_H);
    c.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(lastFrameSmall), SAMPLE_W, SAMPLE_H), 0, 0);
    const blob = await c.convertToBlob({ type: 'image/png' });
    res.lastOutput = await new Promise<string>((r) => {
      const fr = new FileReader();
      fr.onload = () => r(String(fr.result));
      fr.readAsDataURL(blob);
    });
  }
  return res;
}

/** Frame rate of a track over `durationMs` (reads a clone). */
export async function trackFps(track: MediaStreamTrack, durationMs: number): Promise<number> {
  const clone = track.clone();
  const reader = new Processor({ track: clone }).readable.getReader();
  let n = 0, first = 0, last = 0;
  const deadline = performance.now() + durationMs;
  while (performance.now() < deadline) {
    const { value, done } = await reader.read();
    if (done || !value) break;
    value.close();
    const now = performance.now();
    if (n === 0) first = now;
    last = now;
    n++;
  }
  await reader.cancel();
  clone.stop();
  return n > 1 ? ((n - 1) * 1000) / (last - first) : 0;
}
