/**
 * The custom events the rl-* elements fire, their detail types, and the one place that turns a settings patch
 * into an `rl-settings-change` event. Every patch passes `validatePatch` (src/core/settings.ts) first: an element
 * must never hand the pipeline a value the schema rejects, so an invalid patch is dropped, logged, and reported
 * as `rl-settings-error` instead.
 */
import { validatePatch, type BackgroundMode, type RelightSettings } from '../core/settings.js';
import { describeError } from '../core/errors.js';

/** `rl-settings-change`: the detail IS the validated patch (apply it with `applyPatch`). */
export type SettingsPatch = Partial<RelightSettings>;

export interface SettingsErrorDetail {
  /** Why the patch was rejected (the SettingsError message). */
  message: string;
  /** What the element tried to send, for debugging. */
  rejected: unknown;
}

export interface PresetChangeDetail {
  id: string;
}

export interface DirectionChangeDetail {
  azimuthDeg: number;
  elevationDeg: number;
}

export interface BackgroundChangeDetail {
  mode: BackgroundMode;
}

export interface ToggleChangeDetail {
  checked: boolean;
}

export interface SliderChangeDetail {
  value: number;
}

declare global {
  interface HTMLElementEventMap {
    'rl-settings-change': CustomEvent<SettingsPatch>;
    'rl-settings-error': CustomEvent<SettingsErrorDetail>;
    'rl-preset-change': CustomEvent<PresetChangeDetail>;
    'rl-direction-change': CustomEvent<DirectionChangeDetail>;
    'rl-background-change': CustomEvent<BackgroundChangeDetail>;
    'rl-toggle-change': CustomEvent<ToggleChangeDetail>;
    'rl-slider-change': CustomEvent<SliderChangeDetail>;
  }
}

/** Fires a UI event the usual way for custom elements: bubbling and crossing shadow roots. */
export function fire<T>(host: EventTarget, type: string, detail: T): void {
  host.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
}

/**
 * Validates `patch` and fires `rl-settings-change` with the clean copy. Returns the clean patch, or null when the
 * schema rejected it (then `rl-settings-error` fires and nothing else does).
 */
export function fireSettingsPatch(host: HTMLElement, patch: unknown, who: string): SettingsPatch | null {
  let clean: SettingsPatch;
  try {
    clean = validatePatch(patch);
  } catch (err) {
    const message = describeError(err);
    console.warn(`[${who}] dropped an invalid settings patch: ${message}`);
    fire<SettingsErrorDetail>(host, 'rl-settings-error', { message, rejected: patch });
    return null;
  }
  fire<SettingsPatch>(host, 'rl-settings-change', clean);
  return clean;
}
