/**
 * Turns the lighting presets' preview images (RGBA8 pixels from src/lighting) into `PresetItem`s with data-URL
 * previews for `<rl-preset-picker>`. The preview source is passed in rather than imported, so the UI does not pull
 * the lighting code into bundles that only show controls (and so tests can feed their own images).
 */
import type { RgbaImage } from '../core/types.js';
import type { PresetItem } from './preset-picker-element.js';

/** The shape of a preset as src/lighting describes it (only what the picker needs). */
export interface PresetDescriptor {
  readonly id: string;
  readonly label: string;
  readonly description: string;
}

/** Renders one preset's thumbnail; undefined for an id it does not know. */
export type PresetPreviewSource = (id: string, sizePx: number) => RgbaImage | undefined;

/** Encodes RGBA8 (sRGB) pixels as a PNG data URL. Needs a DOM (page or popup), not a worker. */
export function rgbaToDataUrl(image: RgbaImage): string {
  const { widthPx, heightPx, data } = image;
  if (data.length !== widthPx * heightPx * 4) {
    throw new RangeError(`[PresetPreviews] expected ${widthPx * heightPx * 4} bytes, got ${data.length}`);
  }
  const canvas = document.createElement('canvas');
  canvas.width = widthPx;
  canvas.height = heightPx;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('[PresetPreviews] no 2d canvas context');
  // Copy: ImageData needs its own ArrayBuffer-backed array, and the caller keeps theirs.
  ctx.putImageData(new ImageData(new Uint8ClampedArray(data), widthPx, heightPx), 0, 0);
  return canvas.toDataURL('image/png');
}

/**
 * Picker items for `presets`, each with a preview rendered by `preview` at `sizePx` (default 2x a 76px tile,
 * for high-DPI screens). A preset whose preview fails keeps its tile with the placeholder sphere (logged).
 */
export function presetItemsFrom(
  presets: readonly PresetDescriptor[],
  preview?: PresetPreviewSource,
  sizePx = 152,
): PresetItem[] {
  return presets.map((p) => {
    const item: PresetItem = { id: p.id, label: p.label, description: p.description };
    if (preview) {
      try {
        const image = preview(p.id, sizePx);
        if (image) item.previewUrl = rgbaToDataUrl(image);
        else console.warn(`[PresetPreviews] no preview for "${p.id}": unknown to the preview source`);
      } catch (err) {
        console.warn(`[PresetPreviews] no preview for "${p.id}":`, err);
      }
    }
    return item;
  });
}
