/** Public surface of the lighting seam (see README.md). */
export type { EnvMap } from './env-map.js';
export { directionFromAngles, equirectUvOf, downsampleEnvMap } from './env-map.js';
export type { HdrFormat, HdrHeaderInfo, HdrLimits } from './hdr-loader.js';
export { decodeHdr, probeHdr, sniffHdrFormat, HDR_LIMITS } from './hdr-loader.js';
export type { DecodeHdrIsolatedOptions, HdrWorkerLike } from './hdr-decode-client.js';
export { decodeHdrIsolated } from './hdr-decode-client.js';
export { projectEnvMapToSh } from './sh-projection.js';
export type { Mat3 } from './sh-rotation.js';
export { rotateSh, rotateShYawPitch, yawPitchRotation } from './sh-rotation.js';
export { lightDirection, lobeRadianceSh, softnessToKappa, vmfBandFactors } from './key-light.js';
export type { EnvName } from './env-sh.generated.js';
export { ENV_NAMES, ENV_RADIANCE_SH } from './env-sh.generated.js';
export type { PresetInfo, PresetLight } from './presets.js';
export { CUSTOM_PRESET_ID, PRESETS, findPreset } from './presets.js';
export type { CustomLighting } from './resolve.js';
export {
  frontMeanIrradiance, lightingFromEnvMap, meanIrradiance, presetEnvironmentSh, resolveLighting, TARGET_FRONT_IRRADIANCE,
} from './resolve.js';
export { PREVIEW_ALBEDO, presetPreview, renderPreview } from './preview.js';
