/**
 * A local "video call" for the extension e2e tests (tests/e2e/extension.test.ts), driven through `window.call`:
 * the page opens the camera like a calling site does (getUserMedia, which the extension wraps), sends it over a
 * real WebRTC call between two RTCPeerConnections on loopback, and shows the far end. Measurements read frames
 * of the local or far-end track (MediaStreamTrackProcessor on a clone) and reduce them to mean colours inside and
 * outside the person, so the test can compare what the far end sees with and without relighting.
 *
 * Nothing here knows about the extension: a page cannot reach it, and tests must see what a real site sees.
 */
import 'webrtc-adapter';
import { ellipsePerson } from '../../../src/testing/ellipse-segmenter.js';

type Zone = 'in' | 'out' | 'skip';
export type RegionName = 'ellipse' | 'centred';

const REGIONS: Record<RegionName, (u: number, v: number) => Zone> = {
  // The synthetic clip / EllipseSegmenter person, with a margin around its edge skipped.
  ellipse: (u, v) => {
    const inside = [[0, 0], [0.03, 0], [-0.03, 0], [0, 0.03], [0, -0.03]].every(([du, dv]) => ellipsePerson(u + du!, v + dv!));
    if (inside) return 'in';
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

interface MstpCtor {
  new (init: { track: MediaStreamTrack }): { readable: ReadableStream<VideoFrame> };
}
const Processor = (globalThis as unknown as { MediaStreamTrackProcessor: MstpCtor }).MediaStreamTrackProcessor;

const SAMPLE_W = 160;
const SAMPLE_H = 120;

export interface TrackInfo {
  id: string;
  label: string;
  readyState: string;
  settings: MediaTrackSettings;
  /** getSettings is the browser's own (true for a camera track the extension did not touch). */
  native: boolean;
}

export interface FrameSample {
  atMs: number;
  lumIn: number;
  lumOut: number;
}

export interface SampleResult {
  frames: number;
  fps: number;
  widthPx: number;
  heightPx: number;
  /** Mean RGB (0..255) inside / outside the person over all frames. */
  rgbIn: [number, number, number];
  rgbOut: [number, number, number];
  /** Mean luminance of the person's image-left / image-right half (split at the frame centre). */
  lumInLeft: number;
  lumInRight: number;
  lumIn: number;
  lumOut: number;
  /** Largest gap between two frames, ms. */
  maxGapMs: number;
  samples: FrameSample[];
}

let local: MediaStream | null = null;
let remote: MediaStream | null = null;
let pcA: RTCPeerConnection | null = null;
let pcB: RTCPeerConnection | null = null;
let videoSender: RTCRtpSender | null = null;
const localVideo = document.getElementById('local') as HTMLVideoElement;
const remoteVideo = document.getElementById('remote') as HTMLVideoElement;
const remoteAudio = new Audio();

function describe(t: MediaStreamTrack): TrackInfo {
  return {
    id: t.id,
    label: t.label,
    readyState: t.readyState,
    settings: t.getSettings(),
    native: t.getSettings === MediaStreamTrack.prototype.getSettings && t.stop === MediaStreamTrack.prototype.stop,
  };
}

function lum(r: number, g: number, b: number): number {
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Reads `track` (through a clone, stopped after) for `durationMs` and reduces each frame to region means. */
async function sampleTrack(track: MediaStreamTrack, durationMs: number, region: RegionName, onSample?: (s: FrameSample) => void, stop?: () => boolean): Promise<SampleResult> {
  const zone = REGIONS[region];
  const zones: Zone[] = [];
  for (let y = 0; y < SAMPLE_H; y++) for (let x = 0; x < SAMPLE_W; x++) zones.push(zone((x + 0.5) / SAMPLE_W, (y + 0.5) / SAMPLE_H));
  const clone = track.clone();
  const reader = new Processor({ track: clone }).readable.getReader();
  const canvas = new OffscreenCanvas(SAMPLE_W, SAMPLE_H);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const res: SampleResult = {
    frames: 0, fps: 0, widthPx: 0, heightPx: 0, rgbIn: [0, 0, 0], rgbOut: [0, 0, 0], lumInLeft: 0, lumInRight: 0,
    lumIn: 0, lumOut: 0, maxGapMs: 0, samples: [],
  };
  const sumIn = [0, 0, 0], sumOut = [0, 0, 0];
  let nIn = 0, nOut = 0, first = 0, last = 0, sumLeft = 0, nLeft = 0, sumRight = 0, nRight = 0;
  const deadline = performance.now() + durationMs;
  while (performance.now() < deadline && !stop?.()) {
    const { value: frame, done } = await reader.read();
    if (done || !frame) break;
    const now = performance.now();
    try {
      if (res.frames === 0) first = now;
      else res.maxGapMs = Math.max(res.maxGapMs, now - last);
      last = now;
      res.frames++;
      res.widthPx = frame.displayWidth;
      res.heightPx = frame.displayHeight;
      ctx.drawImage(frame, 0, 0, SAMPLE_W, SAMPLE_H);
    } finally {
      frame.close();
    }
    const px = ctx.getImageData(0, 0, SAMPLE_W, SAMPLE_H).data;
    const fin = [0, 0, 0], fout = [0, 0, 0];
    let fi = 0, fo = 0;
    for (let i = 0; i < zones.length; i++) {
      const z = zones[i];
      if (z === 'skip') continue;
      const acc = z === 'in' ? fin : fout;
      const r = px[i * 4]!, g = px[i * 4 + 1]!, b = px[i * 4 + 2]!;
      acc[0]! += r;
      acc[1]! += g;
      acc[2]! += b;
      if (z === 'in') {
        fi++;
        if (i % SAMPLE_W < SAMPLE_W / 2) {
          sumLeft += lum(r, g, b);
          nLeft++;
        } else {
          sumRight += lum(r, g, b);
          nRight++;
        }
      } else fo++;
    }
    for (let c = 0; c < 3; c++) {
      sumIn[c]! += fin[c]!;
      sumOut[c]! += fout[c]!;
    }
    nIn += fi;
    nOut += fo;
    const s = {
      atMs: Date.now(),
      lumIn: fi ? lum(fin[0]! / fi, fin[1]! / fi, fin[2]! / fi) : 0,
      lumOut: fo ? lum(fout[0]! / fo, fout[1]! / fo, fout[2]! / fo) : 0,
    };
    res.samples.push(s);
    onSample?.(s);
  }
  await reader.cancel().catch(() => {});
  clone.stop();
  res.fps = res.frames > 1 ? ((res.frames - 1) * 1000) / (last - first) : 0;
  res.rgbIn = sumIn.map((v) => (nIn ? v / nIn : 0)) as [number, number, number];
  res.rgbOut = sumOut.map((v) => (nOut ? v / nOut : 0)) as [number, number, number];
  res.lumIn = lum(...res.rgbIn);
  res.lumOut = lum(...res.rgbOut);
  res.lumInLeft = nLeft ? sumLeft / nLeft : 0;
  res.lumInRight = nRight ? sumRight / nRight : 0;
  return res;
}

function videoOf(which: 'local' | 'remote'): MediaStreamTrack {
  const s = which === 'local' ? local : remote;
  const t = s?.getVideoTracks()[0];
  if (!t) throw new Error(`[CallPage] no ${which} video track`);
  return t;
}

const held: MediaStream[] = [];
let watching: { stop: boolean; remote: Promise<SampleResult>; local: Promise<SampleResult> } | null = null;

const api = {
  /** Opens the camera and starts the loopback call; resolves once the far end shows frames. */
  async start(constraints: MediaStreamConstraints): Promise<TrackInfo> {
    local = await navigator.mediaDevices.getUserMedia(constraints);
    localVideo.srcObject = local;
    pcA = new RTCPeerConnection({ iceServers: [] });
    pcB = new RTCPeerConnection({ iceServers: [] });
    pcA.onicecandidate = (e) => void (e.candidate && pcB!.addIceCandidate(e.candidate));
    pcB.onicecandidate = (e) => void (e.candidate && pcA!.addIceCandidate(e.candidate));
    const expected = local.getTracks().length;
    const gotRemote = new Promise<MediaStream>((resolve) => {
      const s = new MediaStream();
      pcB!.ontrack = (e) => {
        s.addTrack(e.track);
        if (s.getTracks().length === expected) resolve(s);
      };
    });
    for (const t of local.getTracks()) {
      const sender = pcA.addTrack(t, local);
      if (t.kind === 'video') videoSender = sender;
    }
    const offer = await pcA.createOffer();
    await pcA.setLocalDescription(offer);
    await pcB.setRemoteDescription(offer);
    const answer = await pcB.createAnswer();
    await pcB.setLocalDescription(answer);
    await pcA.setRemoteDescription(answer);
    remote = await gotRemote;
    remoteVideo.srcObject = remote;
    // Play the far end's audio (the harness allows autoplay), so that the receiver measures its energy.
    remoteAudio.srcObject = remote;
    await remoteAudio.play().catch(() => {});
    await new Promise<void>((resolve) => remoteVideo.requestVideoFrameCallback(() => resolve()));
    return describe(videoOf('local'));
  },

  /** Device switching as calling sites do it: open the new camera, swap it into the call, stop the old one. */
  async switchCamera(video: MediaTrackConstraints): Promise<TrackInfo> {
    const s = await navigator.mediaDevices.getUserMedia({ video });
    const next = s.getVideoTracks()[0]!;
    await videoSender!.replaceTrack(next);
    const old = local!.getVideoTracks()[0];
    if (old) {
      local!.removeTrack(old);
      old.stop();
    }
    local!.addTrack(next);
    localVideo.srcObject = local;
    return describe(next);
  },

  /** The next far-end frame as a PNG data URL (for looking at, in tests/.artifacts). */
  async snapshot(): Promise<string> {
    const clone = videoOf('remote').clone();
    const reader = new Processor({ track: clone }).readable.getReader();
    const { value: frame } = await reader.read();
    const canvas = new OffscreenCanvas(frame!.displayWidth, frame!.displayHeight);
    canvas.getContext('2d')!.drawImage(frame!, 0, 0);
    frame!.close();
    await reader.cancel();
    clone.stop();
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    return new Promise<string>((resolve) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result));
      r.readAsDataURL(blob);
    });
  },

  /** Sends `track` instead of the current video (for experiments from page.evaluate). */
  async replaceVideo(track: MediaStreamTrack): Promise<void> {
    await videoSender!.replaceTrack(track);
  },

  localTrack: (): TrackInfo => describe(videoOf('local')),
  localAudio: () => local!.getAudioTracks().map((t) => ({ ...describe(t), kind: t.kind })),
  cameras: async () => (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').map((d) => ({ deviceId: d.deviceId, label: d.label })),

  sample: (which: 'local' | 'remote', durationMs: number, region: RegionName) => sampleTrack(videoOf(which), durationMs, region),

  /** Starts sampling the far end and the local (sent) video continuously; `unwatch` returns the samples. */
  watch(region: RegionName): void {
    const w = { stop: false } as NonNullable<typeof watching>;
    w.remote = sampleTrack(videoOf('remote'), 120_000, region, undefined, () => w.stop);
    w.local = sampleTrack(videoOf('local'), 120_000, region, undefined, () => w.stop);
    watching = w;
  },
  async unwatch(): Promise<{ remote: FrameSample[]; local: FrameSample[] }> {
    const w = watching!;
    watching = null;
    w.stop = true;
    return { remote: (await w.remote).samples, local: (await w.local).samples };
  },

  async inbound(): Promise<{ audioPackets: number; audioEnergy: number; videoFrames: number }> {
    const out = { audioPackets: 0, audioEnergy: 0, videoFrames: 0 };
    (await pcB!.getStats()).forEach((r) => {
      if (r.type !== 'inbound-rtp') return;
      if (r.kind === 'audio') {
        out.audioPackets = r.packetsReceived ?? 0;
        out.audioEnergy = r.totalAudioEnergy ?? 0;
      } else if (r.kind === 'video') out.videoFrames = r.framesDecoded ?? 0;
    });
    return out;
  },

  /** A second, separate getUserMedia outside the call; returns what the page got, then stops it. */
  async probeRequest(constraints: MediaStreamConstraints, sampleMs = 0): Promise<{ tracks: (TrackInfo & { kind: string })[]; sample?: SampleResult }> {
    const s = await navigator.mediaDevices.getUserMedia(constraints);
    const tracks = s.getTracks().map((t) => ({ ...describe(t), kind: t.kind }));
    const sample = sampleMs && s.getVideoTracks()[0] ? await sampleTrack(s.getVideoTracks()[0]!, sampleMs, 'ellipse') : undefined;
    s.getTracks().forEach((t) => t.stop());
    return { tracks, sample };
  },

  /** Opens a camera outside the call and keeps it until `release` (so the extension sees it open meanwhile). */
  async hold(constraints: MediaStreamConstraints, sampleMs: number): Promise<{ track: TrackInfo; sample: SampleResult }> {
    const s = await navigator.mediaDevices.getUserMedia(constraints);
    held.push(s);
    const t = s.getVideoTracks()[0]!;
    return { track: describe(t), sample: await sampleTrack(t, sampleMs, 'ellipse') };
  },
  release(): void {
    for (const s of held.splice(0)) s.getTracks().forEach((t) => t.stop());
  },

  /** Several requests at once: each must come back relit and running. */
  async concurrent(n: number, video: MediaTrackConstraints): Promise<{ tracks: TrackInfo[]; fps: number[]; distinct: boolean }> {
    const streams = await Promise.all(Array.from({ length: n }, () => navigator.mediaDevices.getUserMedia({ video })));
    const tracks = streams.map((s) => describe(s.getVideoTracks()[0]!));
    const samples = await Promise.all(streams.map((s) => sampleTrack(s.getVideoTracks()[0]!, 1200, 'ellipse')));
    streams.forEach((s) => s.getTracks().forEach((t) => t.stop()));
    return { tracks, fps: samples.map((s) => s.fps), distinct: new Set(tracks.map((t) => t.id)).size === n };
  },

  /** Constraints, applyConstraints, clone() and stop() on a relit track, the way a site uses them. */
  async trackApi(): Promise<Record<string, unknown>> {
    const s = await navigator.mediaDevices.getUserMedia({ video: { width: { exact: 320 }, height: { exact: 240 }, frameRate: { max: 15 } } });
    const t = s.getVideoTracks()[0]!;
    const first = describe(t);
    const small = await sampleTrack(t, 1500, 'ellipse');
    const constraintsBefore = t.getConstraints();
    await t.applyConstraints({ width: { exact: 640 }, height: { exact: 480 }, frameRate: { max: 30 } });
    await new Promise((r) => setTimeout(r, 300));
    const afterApply = describe(t);
    const big = await sampleTrack(t, 1000, 'ellipse');
    const c = t.clone();
    const cloneInfo = describe(c);
    const streamClone = s.clone();
    const streamCloneInfo = describe(streamClone.getVideoTracks()[0]!);
    streamClone.getTracks().forEach((x) => x.stop());
    t.stop();
    const cloneAfterStop = await sampleTrack(c, 1000, 'ellipse');
    const stateAfterFirstStop = { original: t.readyState, clone: c.readyState };
    let ended = 0;
    c.addEventListener('ended', () => ended++);
    c.stop();
    return {
      first, small: { w: small.widthPx, h: small.heightPx, fps: small.fps }, constraintsBefore,
      afterApply, big: { w: big.widthPx, h: big.heightPx, fps: big.fps },
      cloneInfo, streamCloneInfo, cloneAfterStop: { frames: cloneAfterStop.frames, fps: cloneAfterStop.fps },
      stateAfterFirstStop, finalState: c.readyState, endedEventsOnStop: ended,
    };
  },

  /**
   * A page trying to talk to, or impersonate, the extension: forged settings messages and events, a second
   * "connect" with a port it controls, forged hand-off events. Returns what it could reach.
   */
  async forge(): Promise<{ chromeRuntime: boolean; portsSeenByPage: number }> {
    const portsSeenByPage = (globalThis as unknown as { __portsSeen: number }).__portsSeen;
    const patches = [{ enabled: false }, { strength: 0 }, { preset: 'rim-light', intensity: 4 }];
    for (const patch of patches) {
      for (const type of ['rl-settings', 'settings', 'update', 'rl-settings-change', 'rl-set-settings', 'rl-call-state']) {
        postMessage({ type, patch, settings: patch, ...patch }, '*');
        document.dispatchEvent(new CustomEvent(type, { detail: { patch, ...patch }, bubbles: true }));
      }
    }
    const ch = new MessageChannel();
    postMessage({ __relightExtensionConnect: 1 }, '*', [ch.port2]);
    ch.port1.postMessage({ type: 'process', id: 12345, trackId: 'x' });
    for (const detail of [1, 12345, 2 ** 31 - 1]) {
      document.dispatchEvent(new MouseEvent('relight-extension-handoff', { detail, relatedTarget: document.body }));
    }
    document.dispatchEvent(new CustomEvent('relight-extension-handoff', { detail: { enabled: false } }));
    await new Promise((r) => setTimeout(r, 500));
    const chromeRuntime = typeof (globalThis as { chrome?: { runtime?: { sendMessage?: unknown } } }).chrome?.runtime?.sendMessage === 'function';
    return { chromeRuntime, portsSeenByPage };
  },

  hangup(): void {
    local?.getTracks().forEach((t) => t.stop());
    pcA?.close();
    pcB?.close();
    local = remote = null;
  },
};

(globalThis as unknown as { call: typeof api }).call = api;
document.title = 'ready';
