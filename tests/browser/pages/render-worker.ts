/** Module-worker half of the renderer test: runs the same harness as the page, in this realm. */
import { compareRenderers, timeRenderer, type SceneSpec } from './render-harness.js';

type Request = { kind: 'compare'; spec: SceneSpec } | { kind: 'time'; renderer: 'cpu' | 'webgpu'; widthPx: number; heightPx: number; runs: number };

self.addEventListener('message', (ev: MessageEvent<Request>) => {
  const req = ev.data;
  const job = req.kind === 'compare' ? compareRenderers(req.spec) : timeRenderer(req.renderer, req.widthPx, req.heightPx, req.runs);
  job.then(
    (result) => self.postMessage({ ok: true, result, hasGpu: 'gpu' in navigator }),
    (err: unknown) => self.postMessage({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err) }),
  );
});
