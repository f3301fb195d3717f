import { test } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeHdr } from '../../src/lighting/hdr-loader.js';
test('corrupt', async () => {
  const b = readFileSync('../shared/data/hdri/pmndrs_assets_exr/city.exr');
  for (const at of [0.3, 0.5, 0.6, 0.9]) for (const n of [1, 16, 1000]) {
    const c = new Uint8Array(b); const o = Math.floor(c.length * at);
    let seed = 7; for (let i = 0; i < n; i++) { seed = (seed * 1103515245 + 12345) >>> 0; c[o + i] = seed >>> 24; }
    try { const e = await decodeHdr(c, 'x.exr'); let mx = 0; for (const v of e.data) mx = Math.max(mx, Math.abs(v)); console.log(at, n, 'OK max', mx); } catch (e) { console.log(at, n, 'ERR', (e as Error).message); }
  }
  const h = readFileSync('../shared/data/hdri/drei_assets_1k_hdr/studio_small_03_1k.hdr');
  for (const at of [0.3, 0.6]) for (const n of [1, 16, 1000]) {
    const c = new Uint8Array(h); const o = Math.floor(c.length * at);
    let seed = 7; for (let i = 0; i < n; i++) { seed = (seed * 1103515245 + 12345) >>> 0; c[o + i] = seed >>> 24; }
    try { const e = await decodeHdr(c, 'x.hdr'); console.log('hdr', at, n, 'OK'); } catch (e) { console.log('hdr', at, n, 'ERR', (e as Error).message); }
  }
}, 60000);
