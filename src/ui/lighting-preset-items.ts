/**
 * The built-in presets of src/lighting as picker items, with previews rendered by `presetPreview` (a grey sphere
 * lit exactly as the preset lights a face). Kept apart from preset-previews.ts so that only code that wants the
 * built-in presets pulls in the lighting module (its SH tables and resolver).
 *
 * Cost: each thumbnail evaluates the SH per pixel; 14 presets at 152 px took a few tens of ms here. Cached per size,
 * so a popup that re-renders does not pay twice.
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
