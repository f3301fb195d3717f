/**
 * Settings (+ an optional user HDR) -> the `TargetLighting` the renderer consumes.
 *
 * Order of operations, all on irradiance SH (rotation and the cosine convolution commute, so rotating irradiance
 * is exact):
 * 1. the rig: the preset's environment (turned by the preset's yaw/pitch) plus the preset's lights, or the
 *    user's HDR for preset 'custom';
 * 2. the user's yaw/pitch turn the whole rig;
 * 3. the user's key light (camera space, not turned) and fill (preset + user) are added, both sized relative to the
 *    environment's mean irradiance, so "intensity 1" means the same on a bright and on a dim map;
 * 4. the warmth tint (preset + user, a luminance-1 RGB multiplier);
 * 5. normalisation: scaled so the mean irradiance (luminance) over the normals facing the camera (z > 0) is pi,
 *    i.e. a white Lambertian surface averages shading 1. Presets and files therefore differ in direction,
 *    contrast and colour, never in exposure, and the renderer's ratio E_target / E_source stays near 1;
 * 6. the exposure multiplier `intensity`.
 *
 * Normalising after the key light and fill (not before) is deliberate: turning the key light up shapes the face
 * (brighter lit side, darker shadow side) without blowing the whole picture out, like a camera's auto-exposure.
 */
import { luminance, kelvinToLinearRgb, warmthToRgb } from '../core/color.js';
import type { RelightSettings } from '../core/settings.js';
import { DEFAULT_SETTINGS } from '../core/settings.js';
import { radianceToIrradiance, SH_C0, SH_C1 } from '../core/sh.js';
import type { SH9, TargetLighting } from '../core/types.js';
import type { EnvMap } from './env-map.js';
import { ENV_RADIANCE_SH } from './env-sh.generated.js';
import { lightDirection, lobeRadianceSh } from './key-light.js';
import type { PresetInfo, PresetLight } from './presets.js';
import { CUSTOM_PRESET_ID, findPreset } from './presets.js';
import { projectEnvMapToSh } from './sh-projection.js';
import { rotateShYawPitch } from './sh-rotation.js';

/** A user-loaded environment, as lightingFromEnvMap returns it (normalised like the presets). */
export interface CustomLighting {
  readonly irradianceSh: SH9;
}

/** Target mean irradiance over camera-facing normals: shading 1 for a white surface. */
export const TARGET_FRONT_IRRADIANCE = Math.PI;

/**
 * Below this share of the whole-sphere mean, the front mean is not trusted for normalising: a rig lit only from
 * behind would otherwise be scaled up until its rim is many times overexposed.
 */
const MIN_FRONT_SHARE = 0.35;

function lum3(sh: ArrayLike<number>, k: number): number {
  return luminance(sh[k * 3]!, sh[k * 3 + 1]!, sh[k * 3 + 2]!);
}

/** Mean irradiance (luminance) over all normals: only band 0 survives the average. */
export function meanIrradiance(irradianceSh: ArrayLike<number>): number {
  return lum3(irradianceSh, 0) * SH_C0;
}

/**
 * Mean irradiance (luminance) over the normals facing the camera (z > 0). Closed form: over that hemisphere the
 * basis functions average to C0 (band 0), C1 / 2 (z) and 0 (all others, including 3z^2 - 1).
 */
export function frontMeanIrradiance(irradianceSh: ArrayLike<number>): number {
  return lum3(irradianceSh, 0) * SH_C0 + lum3(irradianceSh, 2) * (SH_C1 / 2);
}

/** Scales irradiance SH in place so that its front mean is TARGET_FRONT_IRRADIANCE (see MIN_FRONT_SHARE). */
function normalise(sh: Float32Array): Float32Array {
  const front = Math.max(frontMeanIrradiance(sh), MIN_FRONT_SHARE * meanIrradiance(sh));
  if (!(front > 0) || !Number.isFinite(front)) return sh;
  const s = TARGET_FRONT_IRRADIANCE / front;
  for (let i = 0; i < 27; i++) sh[i]! *= s;
  return sh;
}

/** Adds a light (camera-space direction, power relative to `meanIrr`) to irradiance SH in place. */
function addLight(sh: Float32Array, key: PresetLight, meanIrr: number): void {
  if (!(key.intensity > 0)) return;
  const rad = lobeRadianceSh(lightDirection(key.azimuthDeg, key.elevationDeg), kelvinToLinearRgb(key.colorTempK),
    key.intensity * meanIrr, key.softness);
  const irr = radianceToIrradiance(rad);
  for (let i = 0; i < 27; i++) sh[i]! += irr[i]!;
}

/** The environment part of a preset: irradiance SH of its map, turned by the preset's own yaw/pitch. */
export function presetEnvironmentSh(preset: PresetInfo): Float32Array {
  return radianceToIrradiance(rotateShYawPitch(ENV_RADIANCE_SH[preset.envName], preset.yawDeg, preset.pitchDeg));
}

let warnedPresets: Set<string> | undefined;
function warnUnknownPreset(id: string): void {
  warnedPresets ??= new Set();
  if (warnedPresets.has(id)) return;
  warnedPresets.add(id);
  console.warn(`[resolveLighting] unknown preset "${id}" (or 'custom' without a loaded file): using "${DEFAULT_SETTINGS.preset}"`);
}

/**
 * Target lighting for the renderer from validated settings. `custom` is the user's loaded HDR (lightingFromEnvMap)
 * and is used when `settings.preset` is 'custom'. An unknown preset id (e.g. stored by an older version) falls
 * back to the default preset with a one-time warning rather than failing a live call.
 */
export function resolveLighting(settings: RelightSettings, custom?: CustomLighting): TargetLighting {
  let rig: Float32Array;
  let preset: PresetInfo | undefined;
  if (settings.preset === CUSTOM_PRESET_ID && custom) {
    rig = Float32Array.from(custom.irradianceSh);
  } else {
    preset = findPreset(settings.preset);
    if (!preset) {
      warnUnknownPreset(settings.preset);
      preset = findPreset(DEFAULT_SETTINGS.preset)!;
    }
    rig = presetEnvironmentSh(preset);
  }
  const envMean = meanIrradiance(rig);
  // Fill takes the environment's own average colour, so it lifts shadows without washing out the preset's tint.
  const envColour = [rig[0]!, rig[1]!, rig[2]!].map((v) => v / Math.max(1e-12, lum3(rig, 0)));
  for (const light of preset?.lights ?? []) addLight(rig, light, envMean);
  const sh = rotateShYawPitch(rig, settings.yawDeg, settings.pitchDeg);
  if (settings.keyLight.enabled) addLight(sh, settings.keyLight, envMean);
  const fill = (preset?.fill ?? 0) + settings.fill;
  if (fill > 0) {
    // Uniform irradiance F has only a DC coefficient, F / Y_0.
    for (let c = 0; c < 3; c++) sh[c]! += (fill * envMean * envColour[c]!) / SH_C0;
  }
  const tint = warmthToRgb(Math.max(-1, Math.min(1, (preset?.warmth ?? 0) + settings.warmth)));
  for (let k = 0; k < 9; k++) for (let c = 0; c < 3; c++) sh[k * 3 + c]! *= tint[c]!;
  normalise(sh); // after the tint, so warmth never changes brightness
  for (let i = 0; i < 27; i++) sh[i]! *= settings.intensity;
  return {
    irradianceSh: sh,
    background: settings.background,
    backgroundDim: settings.backgroundDim,
    strength: settings.strength,
  };
}

/** A user's HDR as lighting: projected, convolved and normalised like the presets (front mean irradiance pi). */
export function lightingFromEnvMap(env: EnvMap): CustomLighting {
  return { irradianceSh: normalise(radianceToIrradiance(projectEnvMapToSh(env))) };
}
