/**
 * Decodes an untrusted HDR file on a throwaway worker with a deadline.
 *
 * Why: three's EXRLoader (r187) can loop forever on corrupt Huffman data (PIZ, and DWA's AC stream):
 * `getCode` returns early without updating its shared `getCodeReturn`, the callers ignore the return value and
 * re-read a stale bit count. A synchronous infinite loop cannot be interrupted on its own thread, so a user's
 * broken .exr would freeze the page (and the call). On a worker we can terminate it.
 *
 * Where no worker can be created (Node, or a page whose CSP forbids workers) it falls back to `decodeHdr` on the
 * calling thread with a warning: still correct for every file except that pathological case. Prefer decoding
 * where the user picks the file (the extension popup, the demo page), then ship the 27 SH floats
 * (`lightingFromEnvMap`) rather than the pixels.
 */
import { RelightError } from '../core/errors.js';
import type { RelightErrorCode } from '../core/errors.js';
import type { EnvMap } from './env-map.js';
import { decodeHdr, HDR_LIMITS, probeHdr } from './hdr-loader.js';

export interface HdrDecodeRequest {
  readonly bytes: ArrayBuffer;
  readonly name?: string;
}

export type HdrDecodeResponse =
  | { readonly ok: true; readonly widthPx: number; readonly heightPx: number; readonly data: Float32Array }
  | { readonly ok: false; readonly code: RelightErrorCode; readonly message: string };

/** The worker's whole job, exported so it can be tested without a worker. */
export async function handleHdrDecodeRequest(req: HdrDecodeRequest): Promise<HdrDecodeResponse> {
  try {
    const env = await decodeHdr(req.bytes, req.name);
    return { ok: true, widthPx: env.widthPx, heightPx: env.heightPx, data: env.data };
  } catch (err) {
    if (err instanceof RelightError) return { ok: false, code: err.code, message: err.message };
    return { ok: false, code: 'invalid-hdr', message: `could not decode the file (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** The part of a Worker this module uses (a DOM Worker fits; tests pass fakes). */
export interface HdrWorkerLike {
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
  terminate(): void;
}

export interface DecodeHdrIsolatedOptions {
  /** Deadline; default scales with the pixel count: 5 s + 1 s per megapixel (33 s at the 8192 x 4096 limit). */
  readonly timeoutMs?: number;
  /** Worker factory; return undefined when none can be made. Default: the module worker next to this file. */
  readonly createWorker?: () => HdrWorkerLike | undefined;
}

function defaultCreateWorker(): HdrWorkerLike | undefined {
  if (typeof Worker !== 'function') return undefined;
  try {
    return new Worker(new URL('./hdr-decode.worker.ts', import.meta.url), { type: 'module', name: 'hdr-decode' }) as unknown as HdrWorkerLike;
  } catch {
    return undefined; // CSP (worker-src) or an environment without module workers
  }
}

/**
 * Like `decodeHdr`, but on a worker that is terminated after `timeoutMs`. Same errors (RelightError
 * 'invalid-hdr'); a timeout is reported as a corrupt file. The input is copied, never detached.
 */
export async function decodeHdrIsolated(
  input: ArrayBuffer | ArrayBufferView,
  name?: string,
  options: DecodeHdrIsolatedOptions = {},
): Promise<EnvMap> {
  // Header checks are cheap and safe: fail fast with the same messages, without starting a worker.
  const info = probeHdr(input, name, HDR_LIMITS);
  const worker = (options.createWorker ?? defaultCreateWorker)();
  if (!worker) {
    console.warn('[decodeHdrIsolated] no worker available: decoding on this thread (a corrupt EXR could hang it)');
    return decodeHdr(input, name);
  }
  const timeoutMs = options.timeoutMs ?? 5000 + (info.widthPx * info.heightPx) / 1000;
  const src = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const bytes = src.slice().buffer;
  const label = name ? `"${name}"` : 'the file';
  return new Promise<EnvMap>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.onmessage = null;
      worker.onerror = null;
      worker.terminate();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new RelightError('invalid-hdr',
      `${label} could not be decoded within ${(timeoutMs / 1000).toFixed(0)} s: it is probably corrupt`))), timeoutMs);
    worker.onmessage = (ev) => finish(() => {
      const res = ev.data as HdrDecodeResponse;
      if (res && res.ok === true && res.data instanceof Float32Array) {
        resolve({ widthPx: res.widthPx, heightPx: res.heightPx, data: res.data });
      } else if (res && res.ok === false) {
        reject(new RelightError(res.code, res.message));
      } else {
        reject(new RelightError('invalid-hdr', `${label}: the decoder worker sent an unexpected reply`));
      }
    });
    worker.onerror = (ev) => finish(() => reject(new RelightError('invalid-hdr',
      `${label}: the decoder worker failed (${ev instanceof Error ? ev.message : (ev as { message?: string })?.message ?? 'unknown error'})`)));
    const req: HdrDecodeRequest = name === undefined ? { bytes } : { bytes, name };
    worker.postMessage(req, [bytes]);
  });
}
