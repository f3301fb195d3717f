/**
 * Bundles scripts/gpu-bench/gpu-bench.ts into ONE Node .mjs (.gpubench/gpu-bench.mjs, git-ignored) with the WGSL
 * (`?raw`) inlined, so the GPU machine needs only a node binary, dawn.node and this file. See scripts/gpu-bench/.
 */
import { defineConfig } from 'vite';
import { resolve } from 'node:path';

export default defineConfig({
  build: {
    ssr: resolve(import.meta.dirname, 'scripts/gpu-bench/gpu-bench.ts'),
    outDir: resolve(import.meta.dirname, '.gpubench'),
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    rollupOptions: { output: { format: 'es', entryFileNames: 'gpu-bench.mjs', inlineDynamicImports: true } },
  },
  ssr: { noExternal: true, target: 'node' },
});
