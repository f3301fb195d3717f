/**
 * Preset thumbnails: a grey Lambertian sphere lit by irradiance SH, as the UI's preset gallery shows it. Pure
 * TypeScript into an RgbaImage (sRGB, straight alpha), so it runs in a worker or in Node tests; the UI puts it on
 * a canvas with `new ImageData(img.data, w, h)`.
 *
 * The sphere is seen from the camera, so it shows exactly the normals a face can have: a rim light appears as a
 * bright outline, a key light from image right brightens the right side.
 */
import { linearToSrgb8 } from '../core/color.js';
import { resolveSettings } from '../core/settings.js';
import { shEval } from '../core/sh.js';
import type { RgbaImage } from '../core/types.js';
import { findPreset } from './presets.js';
import { resolveLighting } from './resolve.js';

/** Mid grey, like skin in luminance: normalised lighting (front mean shading 1) then lands mid-scale. */
export const PREVIEW_ALBEDO = 0.25;

/** ACES filmic fit (Narkowicz 2015): a soft shoulder so hot key lights keep some gradation. */
function toneMap(x: number): number {
  const v = Math.max(0, x);
  return (v * (2.51 * v + 0.03)) / (v * (2.43 * v + 0.59) + 0.14);
}

/**
 * A lit sphere filling a sizePx x sizePx square; transparent outside, anti-aliased edge. `irradianceSh` as in
 * TargetLighting (E(n) = sum sh_k Y_k(n)); shading = E / pi.
 */
export function renderPreview(irradianceSh: ArrayLike<number>, sizePx: number): RgbaImage {
  const size = Math.max(1, Math.floor(sizePx));
  const data = new Uint8ClampedArray(size * size * 4);
  const radius = size / 2 - 0.5; // leave the outermost half pixel for the anti-aliased edge
  const centre = size / 2;
  const e = [0, 0, 0];
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const dx = (px + 0.5 - centre) / radius, dy = (centre - (py + 0.5)) / radius; // +y up
      const r = Math.hypot(dx, dy);
      // Coverage of the disc over this pixel, linear over the one-pixel edge band.
      const alpha = Math.max(0, Math.min(1, (1 - r) * radius + 0.5));
      if (alpha <= 0) continue;
      const s = r > 1 ? 1 / r : 1; // pixels straddling the edge use the rim normal
      const nx = dx * s, ny = dy * s, nz = Math.sqrt(Math.max(0, 1 - nx * nx - ny * ny));
      shEval(irradianceSh, nx, ny, nz, e);
      const o = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) data[o + c] = linearToSrgb8(toneMap((PREVIEW_ALBEDO * e[c]!) / Math.PI));
      data[o + 3] = Math.round(alpha * 255);
    }
  }
  return { widthPx: size, heightPx: size, data };
}

/**
 * Thumbnail of a preset as the user gets it with default settings (so the default fill is included). Returns
 * undefined for an unknown id.
 */
export function presetPreview(id: string, sizePx: number): RgbaImage | undefined {
  if (!findPreset(id)) return undefined;
  const lighting = resolveLighting(resolveSettings({ preset: id }));
  return renderPreview(lighting.irradianceSh, sizePx);
}

