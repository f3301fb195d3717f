/**
 * Built-in lighting presets for video calls. A preset is a light rig: one of the 18 CC0 environments shipped in
 * @pmndrs/assets, turned by `yawDeg`/`pitchDeg` so its main light lands where the look needs it, plus optional
 * lights (key first), extra uniform fill and a warmth tint. resolve.ts turns a preset + the user's settings into target
 * irradiance SH; every preset is normalised to the same frontal brightness there, so presets differ in direction,
 * contrast and colour, not exposure.
 *
 * Directions use the settings' camera-space convention (src/core/settings.ts): azimuth 0 = from the camera,
 * +90 = from image right (the subject's left), 180 = from behind; elevation +90 = from above. The environment's
 * own orientation (before `yawDeg`) is that of env-map.ts: the panorama centre is in front of the subject.
 *
 * Known source problems, measured against the Poly Haven originals (tests/unit/sh-projection.test.ts) and confirmed
 * with OpenCV's OpenEXR reader:
 * in @pmndrs/assets@1.7.0 the suns of `park` and `sunrise` are stored blue-only (R = G = 0) and ~6x too weak, and
 * the sun of `sunset` is ~8x weaker than in the original Poly Haven map. No preset relies on those suns: warm
 * presets get their sun from a key light.
 */
import type { EnvName } from './env-sh.generated.js';

export interface PresetLight {
  /** Camera space, as KeyLightSettings. */
  readonly azimuthDeg: number;
  readonly elevationDeg: number;
  /** Power relative to the environment's mean irradiance (1 = a surface facing the light gets as much again). */
  readonly intensity: number;
  readonly colorTempK: number;
  /** 0 = tight lobe .. 1 = broad. */
  readonly softness: number;
}

export interface PresetInfo {
  /** Stable id, /^[a-z0-9-]+$/, stored in settings and chrome.storage: never rename one. */
  readonly id: string;
  /** Short UI label. */
  readonly label: string;
  /** One sentence for a tooltip: what it looks like and when to use it. */
  readonly description: string;
  /** Base environment (a key of ENV_RADIANCE_SH). */
  readonly envName: EnvName;
  /**
   * Orientation of the environment inside the rig (degrees, sign conventions of sh-rotation.ts). The preset's
   * lights are placed in camera space and are not affected; the user's `yawDeg`/`pitchDeg` then turn the whole rig.
   */
  readonly yawDeg: number;
  readonly pitchDeg: number;
  /** Artificial lights, key first (empty when the environment alone makes the look). */
  readonly lights: readonly PresetLight[];
  /** Extra uniform fill, fraction of the environment's mean irradiance (added to the user's `fill`). */
  readonly fill: number;
  /** Base tint, -1 cool .. +1 warm (added to the user's `warmth`, then clamped). */
  readonly warmth: number;
}

/** The id that means "the user's own HDR" (resolveLighting's `custom` argument). Never a preset id. */
export const CUSTOM_PRESET_ID = 'custom';

export const PRESETS: readonly PresetInfo[] = Object.freeze([
  {
    id: 'studio-key',
    label: 'Studio key',
    description: 'Classic three-quarter studio light: a large softbox above and to one side, gentle shadows.',
    envName: 'studio',
    yawDeg: -50,
    pitchDeg: 0,
    lights: [{ azimuthDeg: 40, elevationDeg: 30, intensity: 1.2, colorTempK: 5600, softness: 0.5 }],
    fill: 0,
    warmth: 0.05,
  },
  {
    id: 'soft-window',
    label: 'Soft window',
    description: 'Daylight from a big window beside you, soft and natural.',
    envName: 'apartment',
    yawDeg: 120,
    pitchDeg: 0,
    lights: [],
    fill: 0.1,
    warmth: 0,
  },
  {
    id: 'warm-sunset',
    label: 'Warm sunset',
    description: 'Low orange sun from the side under a dusky sky.',
    envName: 'sunset',
    yawDeg: 0,
    pitchDeg: 0,
    lights: [{ azimuthDeg: -75, elevationDeg: 8, intensity: 2.5, colorTempK: 2200, softness: 0.25 }],
    fill: 0,
    warmth: 0.25,
  },
  {
    id: 'cool-office',
    label: 'Cool office',
    description: 'Overhead fluorescent office light, cool and even.',
    envName: 'hall',
    yawDeg: 0,
    pitchDeg: 0,
    lights: [],
    fill: 0.05,
    warmth: -0.45,
  },
  {
    id: 'ring-light',
    label: 'Ring light',
    description: 'A ring light around the camera: flat, bright, frontal, few shadows.',
    envName: 'hall',
    yawDeg: 0,
    pitchDeg: 0,
    lights: [{ azimuthDeg: 0, elevationDeg: 3, intensity: 2.5, colorTempK: 5600, softness: 0.55 }],
    fill: 0.1,
    warmth: 0,
  },
  {
    id: 'rim-light',
    label: 'Rim light',
    description: 'Two lights behind you that outline your head and shoulders, with a soft front fill.',
    envName: 'studio',
    yawDeg: 90,
    pitchDeg: 0,
    lights: [
      { azimuthDeg: 130, elevationDeg: 20, intensity: 3, colorTempK: 6500, softness: 0.1 },
      { azimuthDeg: -130, elevationDeg: 20, intensity: 3, colorTempK: 6500, softness: 0.1 },
    ],
    fill: 0.1,
    warmth: 0,
  },
  {
    id: 'desk-lamp-night',
    label: 'Desk lamp at night',
    description: 'A warm lamp low beside your desk in a dark room.',
    envName: 'night',
    yawDeg: 0,
    pitchDeg: 0,
    lights: [{ azimuthDeg: 70, elevationDeg: -5, intensity: 4, colorTempK: 2700, softness: 0.2 }],
    fill: 0,
    warmth: 0.1,
  },
  {
    id: 'overcast-outdoor',
    label: 'Overcast outdoors',
    description: 'Soft, shadowless daylight under a cloudy sky.',
    envName: 'bridge',
    yawDeg: 0,
    pitchDeg: 0,
    lights: [],
    fill: 0.05,
    warmth: -0.1,
  },
  {
    id: 'neutral',
    label: 'Even light',
    description: 'Neutral: even, soft, frontal light that fixes a badly lit room.',
    envName: 'hall',
    yawDeg: 0,
    pitchDeg: 0,
    lights: [{ azimuthDeg: 0, elevationDeg: 5, intensity: 2, colorTempK: 6000, softness: 1 }],
    fill: 0.4,
    warmth: 0,
  },
  {
    id: 'golden-hour',
    label: 'Golden hour',
    description: 'Warm, low, golden sunlight from the front side, flattering and bright.',
    envName: 'sky',
    yawDeg: 0,
    pitchDeg: 0,
    lights: [{ azimuthDeg: 55, elevationDeg: 10, intensity: 3, colorTempK: 2800, softness: 0.3 }],
    fill: 0,
    warmth: 0.3,
  },
  {
    id: 'blue-hour',
    label: 'Blue hour',
    description: 'Cool twilight from the open sky, calm and moody.',
    envName: 'venice',
    yawDeg: 0,
    pitchDeg: 0,
    lights: [],
    fill: 0.05,
    warmth: 0,
  },
  {
    id: 'sunny-day',
    label: 'Sunny day',
    description: 'Bright midday sun from above and to the side, under a blue sky.',
    envName: 'sky',
    yawDeg: 0,
    pitchDeg: 0,
    lights: [],
    fill: 0,
    warmth: 0,
  },
  {
    id: 'cozy-interior',
    label: 'Cozy interior',
    description: 'Warm, diffuse indoor light, like a café or a lobby.',
    envName: 'lobby',
    yawDeg: 0,
    pitchDeg: 0,
    lights: [],
    fill: 0.05,
    warmth: 0,
  },
  {
    id: 'dramatic-side',
    label: 'Dramatic side light',
    description: 'Hard light from one side, the other half of the face in shadow (split lighting).',
    envName: 'warehouse',
    yawDeg: 0,
    pitchDeg: 0,
    lights: [{ azimuthDeg: -90, elevationDeg: 5, intensity: 4, colorTempK: 4500, softness: 0.05 }],
    fill: 0,
    warmth: 0,
  },
] satisfies PresetInfo[]);

const BY_ID = new Map(PRESETS.map((p) => [p.id, p]));

export function findPreset(id: string): PresetInfo | undefined {
  return BY_ID.get(id);
}
