import { test } from 'vitest';
import { resolveSettings } from '../../src/core/settings.js';
import { resolveLighting, presetEnvironmentSh } from '../../src/lighting/resolve.js';
import { rotateShYawPitch } from '../../src/lighting/sh-rotation.js';
import { PRESETS } from '../../src/lighting/presets.js';
import { kelvinToLinearRgb, warmthToRgb } from '../../src/core/color.js';
const bench = (name: string, fn: () => void) => { for (let i = 0; i < 500; i++) fn(); const t0 = performance.now(); for (let i = 0; i < 5000; i++) fn(); console.log(name, ((performance.now() - t0) / 5000 * 1000).toFixed(2), 'us'); };
test('b', () => {
  const s = resolveSettings({ preset: 'rim-light', keyLight: { enabled: true } });
  const sh = new Float32Array(27).fill(1);
  bench('resolve', () => resolveLighting(s));
  bench('rotate', () => rotateShYawPitch(sh, 10, 5));
  bench('presetEnv', () => presetEnvironmentSh(PRESETS[5]!));
  bench('kelvin', () => kelvinToLinearRgb(3000));
  bench('warmth', () => warmthToRgb(0.3));
});
