/**
 * One Vite dev server for the browser tests (started in globalSetup, URL provided to tests as `baseUrl`).
 * Pages live under tests/browser/pages/ and import src/ directly. A `?csp=...` query makes the server send that
 * Content-Security-Policy, so the strict-CSP hosts can be tested on a local page; `?coi=1` adds COOP/COEP.
 */
import { createServer, type ViteDevServer } from 'vite';
import { REPO_ROOT } from './env.js';

export async function startTestServer(): Promise<{ url: string; server: ViteDevServer }> {
  const server = await createServer({
    configFile: `${REPO_ROOT}/vite.config.ts`,
    root: REPO_ROOT,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  const addr = server.httpServer?.address();
  if (!addr || typeof addr === 'string') throw new Error('[TestServer] no address');
  return { url: `http://127.0.0.1:${addr.port}`, server };
}
