/**
 * The library build's main entry (`npm run build:lib` -> dist/lib/lib.js, imported as `relight`): the programmatic
 * API of src/index.ts plus the asset layout a host needs when it serves the models and wasm itself.
 *
 * No side effects: importing this registers no custom element. `<rl-relight-video>` lives in its own entry
 * (`relight/element`, dist/lib/ui/relight-video-element.js) and the settings controls in `relight/ui`, so a host
 * that only wants `createRelighter` tree-shakes the UI away. See docs/EMBED.md.
 */
import { SEGMENTER_ASSET_FILES } from './segmentation/mediapipe-assets.js';
import { STUDENT_ASSET_FILES } from './geometry/student-session.js';

export * from './index.js';
export { SEGMENTER_ASSET_FILES, STUDENT_ASSET_FILES };

/**
 * Spelled out rather than imported: face-landmarks.ts imports tasks-vision (200 KB) at module level, which the
 * main thread must not load just for a path. The type ties it to the original: this fails to compile if it moves.
 */
export const FACE_LANDMARKER_ASSET_FILE: typeof import('./geometry/face-landmarks.js').FACE_LANDMARKER_ASSET_FILE =
  'models/face_landmarker.task';

/**
 * Every file the engine loads by name under `assetBaseUrl`, relative to it. The library build lays dist/lib out
 * the same way (dist/lib/wasm/..., dist/lib/models/...), so a host can copy those two folders as they are.
 */
export const RELIGHT_ASSET_FILES: readonly string[] = Object.freeze([
  SEGMENTER_ASSET_FILES.wasmLoader,
  SEGMENTER_ASSET_FILES.wasmBinary,
  SEGMENTER_ASSET_FILES.models.general,
  SEGMENTER_ASSET_FILES.models.landscape,
  FACE_LANDMARKER_ASSET_FILE,
  STUDENT_ASSET_FILES.model,
  STUDENT_ASSET_FILES.wasm.wasm,
  STUDENT_ASSET_FILES.wasm.mjs,
  STUDENT_ASSET_FILES.webgpu.wasm,
  STUDENT_ASSET_FILES.webgpu.mjs,
]);
