import { it } from 'vitest';
import { CpuRelighter } from '../../src/gpu/cpu-relighter.js';
import { directionFromAngles, directionalSh, sphereScene } from '../../src/gpu/synthetic-scene.js';
it('bench', () => {
  for (const [w, h] of [[640, 480], [1280, 720]]) {
    const s = sphereScene({ widthPx: w, heightPx: h, geometryWidthPx: 128, geometryHeightPx: 128, maskWidthPx: 256, maskHeightPx: 256, lightSh: directionalSh(directionFromAngles(-30, 20), [1.5,1.5,1.5], [0.3,0.3,0.3]), albedo: [0.6,0.45,0.4], kind: 'rgba8', body: true, radius: 0.28 });
    for (const bg of ['keep', 'relight'] as const) {
      const r = new CpuRelighter();
      const L = { irradianceSh: directionalSh(directionFromAngles(40, 10), [2,2,2], [0.3,0.3,0.3]), background: bg, backgroundDim: 0.5, strength: 0.85 };
      const times: number[] = []; let est = 1e9, shade = 1e9;
      for (let i = 0; i < 12; i++) { const c0 = process.cpuUsage(); r.process(s.frame, s.mask, s.geometry, L); const c = process.cpuUsage(c0); times.push((c.user + c.system) / 1000); est = Math.min(est, r.timings.estimateMs); shade = Math.min(shade, r.timings.shadeMs); }
      times.sort((a, b) => a - b);
      console.log(`${w}x${h} ${bg}: cpu-time min ${times[0]!.toFixed(1)} median ${times[6]!.toFixed(1)} ms (est ${est.toFixed(1)} shade ${shade.toFixed(1)})`);
    }
  }
}, 120000);
