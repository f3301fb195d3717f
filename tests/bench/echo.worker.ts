/**
 * Transfer-cost probe for `npm run bench`: returns every VideoFrame it receives (transferred both ways), so the
 * round trip measures what the worker host pays per frame for postMessage alone.
 */
declare const self: DedicatedWorkerGlobalScope;

self.onmessage = (e: MessageEvent<{ id: number; frame: VideoFrame }>) => {
  const { id, frame } = e.data;
  self.postMessage({ id, frame }, [frame]);
};
