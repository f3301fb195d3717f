/**
 * Transfer-cost probe for `npm run bench`: returns every VideoFrame it receives (transferred both ways), so the
 * round trip measures what the worker host pays per frame for postMessage alone. (Typed structurally: this file is
 * checked with the page's DOM lib, which has no DedicatedWorkerGlobalScope.)
 */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<{ id: number; frame: VideoFrame }>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

scope.onmessage = (e) => {
  const { id, frame } = e.data;
  scope.postMessage({ id, frame }, [frame]);
};
