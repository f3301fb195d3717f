import { it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { loadYaleBSubject } from '../../src/gpu/yaleb.js';
import { buildLowResGuide, estimateSourceLighting, shLuminance, shadingNormalisation, computeRatioMap, compositeFrame, exposureNeutralSh } from '../../src/gpu/relight-math.js';
import { yaleTargetSh } from '../../src/gpu/yaleb.js';
it('dbg', async () => {
  const files = { readFile: async (p: string) => new Uint8Array(readFileSync(p)), listDir: async (p: string) => readdirSync(p) };
  const s = await loadYaleBSubject(files, '../shared/data/relight/extyaleb', '../shared/data/intrinsics/yaleb_photometric_stereo', 'yaleB01');
  const w = s.widthPx, h = s.heightPx;
  const conf = new Float32Array(w*h).map((_, p) => s.normals[p*3+2]! > 0.05 ? 1 : 0);
  const geometry = { widthPx: w, heightPx: h, normals: s.normals, confidence: conf, source: 'x' };
  const mask = { widthPx: w, heightPx: h, data: Float32Array.from(s.region), timestampUs: 0 };
  const src = { kind: 'linear' as const, widthPx: w, heightPx: h, channels: 1 as const, data: s.frontal.data };
  const dst = { kind: 'linear' as const, widthPx: w, heightPx: h, channels: 1 as const, data: new Float32Array(w*h) };
  const mins=[1e9,1e9,1e9,1e9,1e9,1e9];
  for (let k = 0; k < 30; k++) {
    const T = [performance.now()];
    const guide = buildLowResGuide(src, mask, w, h); T.push(performance.now());
    const est = estimateSourceLighting(guide, geometry)!; T.push(performance.now());
    const lum = shLuminance(est.sh);
    const t = exposureNeutralSh(yaleTargetSh(50, 0, 0.05), geometry); T.push(performance.now());
    const norm = shadingNormalisation(geometry, guide, lum, t); T.push(performance.now());
    const R = computeRatioMap(geometry, lum, t, norm); T.push(performance.now());
    compositeFrame({ src, mask, guide, ratio: R, background: [1,1,1], strength: 1 }, dst); T.push(performance.now());
    T.slice(1).forEach((v, i) => { mins[i] = Math.min(mins[i]!, v - T[i]!); });
  }
  console.log('steps min', mins.map(v=>v.toFixed(2)).join(' '));
});
