/**
 * Development leak tracker: counts handles that must be closed (VideoFrames, MediaPipe masks, GPU textures,
 * ORT tensors). Each realm (window, worker) has its own counters; the worker reports its counts in stats.
 * Enabled when `globalThis.__RELIGHT_DEV__` is true (tests and dev builds set it) so production pays nothing.
 *
 * Usage: `const f = trackOpen('VideoFrame', new VideoFrame(...))` ... `closeTracked('VideoFrame', f)`.
 */
export type HandleKind = 'VideoFrame' | 'MPMask' | 'GPUTexture' | 'GPUBuffer' | 'OrtTensor' | 'ImageBitmap';

interface Closable {
  close?: () => void;
  destroy?: () => void;
  dispose?: () => void;
}

const counts = new Map<HandleKind, number>();
let warned = false;
/** A tripwire, as MediaPipe does for masks: warn once when this many handles of one kind are open. */
const TRIPWIRE = 64;

function enabled(): boolean {
  return (globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ === true;
}

export function noteOpened(kind: HandleKind, n = 1): void {
  if (!enabled()) return;
  const c = (counts.get(kind) ?? 0) + n;
  counts.set(kind, c);
  if (c > TRIPWIRE && !warned) {
    warned = true;
    console.warn(`[LeakTracker] ${c} ${kind} handles open: something is not being closed`);
  }
}

export function noteClosed(kind: HandleKind, n = 1): void {
  if (!enabled()) return;
  counts.set(kind, (counts.get(kind) ?? 0) - n);
}

/** Registers `handle` as open and returns it (for inline use). */
export function trackOpen<T>(kind: HandleKind, handle: T): T {
  noteOpened(kind);
  return handle;
}

/** Closes/destroys `handle` and counts it closed. Safe on null/undefined. */
export function closeTracked(kind: HandleKind, handle: Closable | null | undefined): void {
  if (!handle) return;
  if (handle.close) handle.close();
  else if (handle.destroy) handle.destroy();
  else if (handle.dispose) handle.dispose();
  noteClosed(kind);
}

export function openCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}

export function totalOpen(): number {
  let t = 0;
  for (const v of counts.values()) t += v;
  return t;
}

export function resetLeakTracker(): void {
  counts.clear();
  warned = false;
}
