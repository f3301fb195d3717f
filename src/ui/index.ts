/**
 * The Lit controls (rl-*). Importing this module registers every element; import a single element's file to
 * register only that one (each file registers itself).
 */
export { ThemedElement, themeStyles, type ThemeName } from './themed-element.js';
export * from './settings-events.js';
export { SliderElement } from './slider-element.js';
export { ToggleElement } from './toggle-element.js';
export { BackgroundModeElement, BACKGROUND_MODE_OPTIONS, type BackgroundModeOption } from './background-mode-element.js';
export { PresetPickerElement, type PresetItem } from './preset-picker-element.js';
export { DirectionPadElement } from './direction-pad-element.js';
export {
  LightControlsElement,
  formatIntensityStops,
  formatMultiplier,
  formatWarmth,
  type LightControlValues,
} from './light-controls-element.js';
export { StatusElement, type RelighterStatsView } from './status-element.js';
export { ControlsElement, formatModelEvery } from './controls-element.js';
export * from './direction-math.js';
export { rovingTarget, columnsOf } from './roving-index.js';
export { PointerDragController, type PointerDragOptions } from './pointer-drag-controller.js';
export { presetItemsFrom, rgbaToDataUrl, type PresetDescriptor, type PresetPreviewSource } from './preset-previews.js';
export { lightingPresetItems } from './lighting-preset-items.js';
export { RelightVideoElement, RelighterController, toStatsView, DEFAULT_CAMERA_CONSTRAINTS } from './relight-video-element.js';
