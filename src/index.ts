/**
 * Public library API. See README "Embed in your app".
 */
export { createRelighter } from './pipeline/relighter.js';
export type { Relighter, RelighterOptions, RelighterStats, RelighterEvents, RelighterMode } from './pipeline/relighter.js';
export { DEFAULT_SETTINGS, validatePatch, applyPatch, resolveSettings, SettingsError } from './core/settings.js';
export type { RelightSettings, KeyLightSettings, BackgroundMode } from './core/settings.js';
export { RelightError } from './core/errors.js';
export type { RelightErrorCode } from './core/errors.js';
