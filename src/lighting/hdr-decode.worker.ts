/**
 * Worker entry for decodeHdrIsolated (hdr-decode-client.ts): one request in, one reply out, pixels transferred.
 * The client terminates this worker after the reply or at its deadline. No DOM; typed structurally so it compiles
 * under the page's lib as well as the worker's.
 */
import type { HdrDecodeRequest } from './hdr-decode-client.js';
import { handleHdrDecodeRequest } from './hdr-decode-client.js';

const scope = globalThis as unknown as {
  onmessage: ((ev: { data: HdrDecodeRequest }) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

scope.onmessage = (ev) => {
  void handleHdrDecodeRequest(ev.data).then((res) => {
    scope.postMessage(res, res.ok ? [res.data.buffer] : []);
  });
};
