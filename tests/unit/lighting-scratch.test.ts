import { test } from 'vitest';
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { PRESETS } from '../../src/lighting/presets.js';
import { presetPreview, renderPreview } from '../../src/lighting/preview.js';
import { presetEnvironmentSh, resolveLighting, frontMeanIrradiance } from '../../src/lighting/resolve.js';
import { resolveSettings } from '../../src/core/settings.js';
import { shEval } from '../../src/core/sh.js';

test('sheet', () => {
  const S = 160, cols = 5, rows = Math.ceil(PRESETS.length / cols);
  const png = new PNG({ width: cols * (S + 8), height: rows * (S + 8) });
  png.data.fill(40);
  PRESETS.forEach((p, i) => {
    const img = presetPreview(p.id, S)!;
    const ox = (i % cols) * (S + 8) + 4, oy = Math.floor(i / cols) * (S + 8) + 4;
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      const s = (y * S + x) * 4, o = ((oy + y) * png.width + ox + x) * 4, a = img.data[s + 3]! / 255;
      for (let c = 0; c < 3; c++) png.data[o + c] = Math.round(img.data[s + c]! * a + 40 * (1 - a));
      png.data[o + 3] = 255;
    }
    const sh = resolveLighting(resolveSettings({ preset: p.id })).irradianceSh;
    const e = [0,0,0];
    const at = (x: number, y: number, z: number) => { shEval(sh, x, y, z, e); return (0.2126*e[0]!+0.7152*e[1]!+0.0722*e[2]!)/Math.PI; };
    console.log(i, p.id.padEnd(18), 'front', at(0,0,1).toFixed(2), 'right', at(1,0,0).toFixed(2), 'left', at(-1,0,0).toFixed(2), 'up', at(0,1,0).toFixed(2), 'down', at(0,-1,0).toFixed(2), 'back', at(0,0,-1).toFixed(2), 'rgb@front', (shEval(sh,0,0,1,e), e).map(v=>(v/Math.PI).toFixed(2)).join(','));
  });
  writeFileSync('tests/.artifacts/presets-scratch.png', PNG.sync.write(png));
});
