/**
 * The user-facing settings schema: one object, validated in one place, shared by the page, the worker,
 * the extension popup and the Lit controls. Everything that crosses a boundary (postMessage, chrome.storage,
 * an element attribute) goes through `validateSettings`, so bad input becomes a clear `SettingsError`.
 */
import { RelightError } from './errors.js';

export type BackgroundMode = 'keep' | 'dim' | 'relight';

export interface KeyLightSettings {
  enabled: boolean;
  /** Direction the light comes FROM, camera space: azimuth 0 = camera axis, +90 = subject's left (image right). */
  azimuthDeg: number;
  /** +90 = from above. */
  elevationDeg: number;
  /** Relative to the environment's mean irradiance. */
  intensity: number;
  colorTempK: number;
  /** 0 = hard directional lobe, 1 = broad (wrapped) lobe. */
  softness: number;
}

export interface RelightSettings {
  enabled: boolean;
  /** Id of a built-in preset (see src/lighting/presets.ts) or 'custom' for a user-loaded HDR. */
  preset: string;
  /** 0 = original frame, 1 = fully relit. */
  strength: number;
  /** Exposure multiplier of the target light, 0.25..4. */
  intensity: number;
  /** -1 cool .. +1 warm, applied to the target light. */
  warmth: number;
  /** Environment rotation. */
  yawDeg: number;
  pitchDeg: number;
  /** Extra uniform fill, fraction of the environment's mean irradiance, 0..1. */
  fill: number;
  keyLight: KeyLightSettings;
  background: BackgroundMode;
  /** Fraction of brightness kept for the background in 'dim' mode. */
  backgroundDim: number;
  /** Temporal smoothing of light/shading estimates, 0 (none) .. 0.95 (heavy). */
  smoothing: number;
  /** Run the geometry model every N frames (1..8); frames between reuse the smoothed last output. */
  modelEveryNFrames: number;
}

export const DEFAULT_SETTINGS: Readonly<RelightSettings> = Object.freeze({
  enabled: true,
  preset: 'studio-key',
  strength: 0.85,
  intensity: 1,
  warmth: 0,
  yawDeg: 0,
  pitchDeg: 0,
  fill: 0.15,
  keyLight: Object.freeze({
    enabled: false,
    azimuthDeg: 35,
    elevationDeg: 25,
    intensity: 1,
    colorTempK: 5000,
    softness: 0.4,
  }) as KeyLightSettings,
  background: 'keep' as BackgroundMode,
  backgroundDim: 0.6,
  smoothing: 0.7,
  modelEveryNFrames: 2,
});

export class SettingsError extends RelightError {
  constructor(message: string) {
    super('invalid-settings', message);
    this.name = 'SettingsError';
  }
}

type Range = readonly [number, number];
const NUMBER_RANGES: Record<string, Range> = {
  strength: [0, 1],
  intensity: [0.25, 4],
  warmth: [-1, 1],
  yawDeg: [-180, 180],
  pitchDeg: [-90, 90],
  fill: [0, 1],
  backgroundDim: [0, 1],
  smoothing: [0, 0.95],
  modelEveryNFrames: [1, 8],
};
const KEY_RANGES: Record<string, Range> = {
  azimuthDeg: [-180, 180],
  elevationDeg: [-90, 90],
  intensity: [0, 4],
  colorTempK: [1500, 12000],
  softness: [0, 1],
};
const BACKGROUNDS: readonly BackgroundMode[] = ['keep', 'dim', 'relight'];
const PRESET_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

function checkNumber(path: string, value: unknown, [lo, hi]: Range): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new SettingsError(`${path} must be a finite number, got ${describe(value)}`);
  }
  if (value < lo || value > hi) throw new SettingsError(`${path} must be in [${lo}, ${hi}], got ${value}`);
  return value;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return typeof v === 'object' ? 'an object' : String(v);
}

/**
 * Validates a partial settings patch (from a page, a message, storage) and returns a clean copy that holds only
 * known keys. Unknown keys are an error: a typo must not silently do nothing.
 */
export function validatePatch(patch: unknown): Partial<RelightSettings> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new SettingsError(`settings must be an object, got ${describe(patch)}`);
  }
  const out: Partial<RelightSettings> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key in NUMBER_RANGES) {
      let n = checkNumber(key, value, NUMBER_RANGES[key]!);
      if (key === 'modelEveryNFrames') {
        if (!Number.isInteger(n)) throw new SettingsError(`modelEveryNFrames must be an integer, got ${n}`);
        n = Math.round(n);
      }
      (out as Record<string, unknown>)[key] = n;
    } else if (key === 'enabled') {
      if (typeof value !== 'boolean') throw new SettingsError(`enabled must be a boolean, got ${describe(value)}`);
      out.enabled = value;
    } else if (key === 'preset') {
      if (typeof value !== 'string' || !PRESET_ID.test(value)) {
        throw new SettingsError(`preset must be a preset id (lowercase letters, digits, '-'), got ${describe(value)}`);
      }
      out.preset = value;
    } else if (key === 'background') {
      if (!BACKGROUNDS.includes(value as BackgroundMode)) {
        throw new SettingsError(`background must be one of ${BACKGROUNDS.join(', ')}, got ${describe(value)}`);
      }
      out.background = value as BackgroundMode;
    } else if (key === 'keyLight') {
      out.keyLight = validateKeyLight(value) as KeyLightSettings;
    } else {
      throw new SettingsError(`unknown setting "${key}"`);
    }
  }
  return out;
}

function validateKeyLight(value: unknown): Partial<KeyLightSettings> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SettingsError(`keyLight must be an object, got ${describe(value)}`);
  }
  const out: Partial<KeyLightSettings> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'enabled') {
      if (typeof v !== 'boolean') throw new SettingsError(`keyLight.enabled must be a boolean, got ${describe(v)}`);
      out.enabled = v;
    } else if (key in KEY_RANGES) {
      (out as Record<string, unknown>)[key] = checkNumber(`keyLight.${key}`, v, KEY_RANGES[key]!);
    } else {
      throw new SettingsError(`unknown setting "keyLight.${key}"`);
    }
  }
  return out;
}

/** Applies a validated patch to full settings (nested keyLight merged, not replaced). */
export function applyPatch(base: Readonly<RelightSettings>, patch: unknown): RelightSettings {
  const clean = validatePatch(patch);
  return {
    ...base,
    ...clean,
    keyLight: { ...base.keyLight, ...(clean.keyLight ?? {}) },
  };
}

/** Full, validated settings from an optional user patch. */
export function resolveSettings(patch: unknown = {}): RelightSettings {
  return applyPatch(DEFAULT_SETTINGS, patch ?? {});
}
