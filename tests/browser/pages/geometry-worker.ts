/** Module worker half of the geometry test: runs the same harness as the page, in this realm. */
import { runGeometryCases, type GeometryCase, type GeometryRunOptions } from './geometry-harness.js';

(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = true;

self.addEventListener('message', (ev: MessageEvent<{ cases: GeometryCase[]; options: GeometryRunOptions }>) => {
  runGeometryCases('worker', ev.data.cases, ev.data.options).then(
    (result) => self.postMessage({ ok: true, result }),
    (err: unknown) => self.postMessage({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err) }),
  );
});
