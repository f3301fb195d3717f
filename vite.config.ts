/**
 * Dev server + demo build. The library build is vite.lib.config.ts, the extension build vite.ext.config.ts.
 *
 * The `relight-headers` plugin lets a page ask for response headers through its query string, so tests can serve
 * the same page under a strict CSP (`?csp=<policy>`) or cross-origin isolated (`?coi=1`, enables wasm threads).
 */
import { defineConfig, type Plugin } from 'vite';
import { resolve } from 'node:path';

function relightHeaders(): Plugin {
  return {
    name: 'relight-headers',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname === '/') {
          // The dev server's front page is the demo.
          res.statusCode = 302;
          res.setHeader('Location', '/demo/');
          res.end();
          return;
        }
        const csp = url.searchParams.get('csp');
        if (csp) res.setHeader('Content-Security-Policy', csp);
        if (url.searchParams.get('coi') === '1' || req.headers.referer?.includes('coi=1')) {
          res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
          res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
          res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        }
        next();
      });
    },
  };
}

export default defineConfig({
  plugins: [relightHeaders()],
  server: { fs: { allow: [resolve(import.meta.dirname)] } },
  worker: { format: 'es' },
  optimizeDeps: {
    // ORT and tasks-vision locate their wasm relative to their own module URL: do not pre-bundle them.
    exclude: ['onnxruntime-web', '@mediapipe/tasks-vision'],
  },
  build: {
    outDir: 'dist/demo',
    target: 'es2022',
    rollupOptions: { input: { index: resolve(import.meta.dirname, 'demo/index.html') } },
  },
  define: { __RELIGHT_DEV_BUILD__: JSON.stringify(process.env.NODE_ENV !== 'production') },
});
