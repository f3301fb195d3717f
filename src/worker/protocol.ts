/**
 * The page <-> worker protocol: a small typed union, validated on receipt (an unexpected message is reported as a
 * `protocol` error and ignored, never acted upon). VideoFrames travel in the transfer list.
 */
import { RelightError } from '../core/errors.js';
import type { RelightSettings } from '../core/settings.js';
import type { EngineConfig, EngineInfo, EngineTimings, FaultKind } from '../pipeline/engine.js';

export type ToWorker =
  | { type: 'init'; config: EngineConfig; dev: boolean }
  | { type: 'frame'; id: number; frame: VideoFrame }
  | { type: 'settings'; settings: RelightSettings }
  | { type: 'fault'; kind: FaultKind | null }
  | { type: 'custom-lighting'; irradianceSh: Float32Array | null }
  | { type: 'dispose' };

export type FromWorker =
  | { type: 'ready'; info: EngineInfo }
  | { type: 'init-error'; code: string; message: string }
  | { type: 'result'; id: number; frame: VideoFrame; timings: EngineTimings; leaks: Record<string, number> }
  | { type: 'frame-error'; id: number; code: string; message: string; leaks: Record<string, number> }
  | { type: 'progress'; what: string; fraction: number }
  | { type: 'disposed'; leaks: Record<string, number> };

const TO_WORKER = new Set(['init', 'frame', 'settings', 'fault', 'custom-lighting', 'dispose']);
const FROM_WORKER = new Set(['ready', 'init-error', 'result', 'frame-error', 'progress', 'disposed']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isVideoFrame(v: unknown): v is VideoFrame {
  return typeof VideoFrame !== 'undefined' && v instanceof VideoFrame;
}

export function parseToWorker(data: unknown): ToWorker {
  if (!isObject(data) || typeof data.type !== 'string' || !TO_WORKER.has(data.type)) {
    throw new RelightError('protocol', `unexpected message to worker: ${describe(data)}`);
  }
  if (data.type === 'frame' && (typeof data.id !== 'number' || !isVideoFrame(data.frame))) {
    throw new RelightError('protocol', 'frame message without an id and a VideoFrame');
  }
  if (data.type === 'init' && !isObject(data.config)) throw new RelightError('protocol', 'init message without config');
  if (data.type === 'settings' && !isObject(data.settings)) throw new RelightError('protocol', 'settings message without settings');
  if (data.type === 'custom-lighting' && data.irradianceSh !== null &&
    !(data.irradianceSh instanceof Float32Array && data.irradianceSh.length === 27 && data.irradianceSh.every(Number.isFinite))) {
    throw new RelightError('protocol', 'custom-lighting message needs 27 finite floats or null');
  }
  return data as unknown as ToWorker;
}

export function parseFromWorker(data: unknown): FromWorker {
  if (!isObject(data) || typeof data.type !== 'string' || !FROM_WORKER.has(data.type)) {
    throw new RelightError('protocol', `unexpected message from worker: ${describe(data)}`);
  }
  if (data.type === 'result' && (typeof data.id !== 'number' || !isVideoFrame(data.frame))) {
    throw new RelightError('protocol', 'result message without an id and a VideoFrame');
  }
  if ((data.type === 'frame-error') && typeof data.id !== 'number') {
    throw new RelightError('protocol', 'frame-error message without an id');
  }
  return data as unknown as FromWorker;
}

function describe(v: unknown): string {
  if (!isObject(v)) return typeof v;
  return `{type: ${JSON.stringify(String(v.type)).slice(0, 40)}}`;
}
