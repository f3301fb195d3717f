/**
 * The built-in presets of src/lighting as picker items, with previews rendered by `presetPreview` (a grey sphere
 * lit exactly as the preset lights a face). Kept apart from preset-previews.ts so that only code that wants the
 * built-in presets pulls in the lighting module (its SH tables and resolver).
 *
 * Cost: each thumbnail resolves the preset's lighting and evaluates the SH per pixel, then PNG-encodes: 14 presets
 * at 152 px took ~160 ms in headless Chromium on this 2-core machine (synchronous). Cached per size, so a popup
 * that re-renders does not pay twice; pass a smaller size where opening fast matters more than sharpness.
 */
import { PRESETS } from '../lighting/presets.js';
import { presetPreview } from '../lighting/preview.js';
import type { PresetItem } from './preset-picker-element.js';
import { presetItemsFrom } from './preset-previews.js';

const cache = new Map<number, PresetItem[]>();

/** Picker items for every built-in preset, previews `sizePx` square (default: 2x a 76px tile). */
export function lightingPresetItems(sizePx = 152): PresetItem[] {
  let items = cache.get(sizePx);
  if (!items) {
    items = presetItemsFrom(PRESETS, presetPreview, sizePx);
    cache.set(sizePx, items);
  }
  // Copies: callers may add or edit items without touching the cache.
  return items.map((item) => ({ ...item }));
}
