/**
 * An environment map as the lighting code sees it: an equirectangular (latitude-longitude) panorama of linear
 * radiance, and the one convention that ties its pixels to camera-space directions.
 *
 * Orientation (chosen so a panorama "reads" the way the subject sees it):
 * - The subject sits at the centre of the panorama and faces the camera, i.e. looks along +z. The centre of the
 *   image (u = 0.5) is the direction the subject looks at, so light painted there falls on the face.
 * - Row 0 is straight up (+y), the last row straight down (-y).
 * - Moving right in the image turns to the subject's right, which is the camera's -x (image left): u = 0.75 is -x,
 *   u = 0.25 is +x (the subject's left, image right), u = 0 / 1 is -z (behind the subject, toward the background).
 *   The panorama is therefore not mirrored when seen from inside, like any normal panorama viewer.
 *
 * Camera space is the project's: +x image right, +y up, +z toward the camera (src/core/types.ts).
 */

export interface EnvMap {
  readonly widthPx: number;
  readonly heightPx: number;
  /**
   * 3 floats per pixel, linear RGB radiance, row-major from the top row. Relative units (files carry arbitrary
   * exposure); everything downstream normalises. May hold small negative values: lossy EXR codecs (DWA) ring
   * around very bright pixels such as the sun, and clamping that ringing would brighten those lights by up to ~10%,
   * so the loader keeps it (it cancels in the SH projection). Clamp before displaying.
   */
  readonly data: Float32Array;
}

/** Polar angle theta (0 = up) at the top edge of row `row` (row = heightPx gives the bottom edge). */
export function rowEdgeTheta(row: number, heightPx: number): number {
  return (Math.PI * row) / heightPx;
}

/** Azimuth phi at the left edge of column `col`; phi = 0 is the image centre (+z), increasing to the right. */
export function colEdgePhi(col: number, widthPx: number): number {
  return (2 * Math.PI * col) / widthPx - Math.PI;
}

/** Unit camera-space direction for polar angle theta (from +y) and panorama azimuth phi (0 = +z, +pi/2 = -x). */
export function directionFromAngles(theta: number, phi: number, out: number[] = [0, 0, 0]): number[] {
  const s = Math.sin(theta);
  out[0] = -s * Math.sin(phi);
  out[1] = Math.cos(theta);
  out[2] = s * Math.cos(phi);
  return out;
}

/** Continuous panorama coordinates (u, v in 0..1, v = 0 top) of a camera-space direction (need not be unit). */
export function equirectUvOf(x: number, y: number, z: number): [number, number] {
  const len = Math.hypot(x, y, z) || 1;
  const theta = Math.acos(Math.max(-1, Math.min(1, y / len)));
  const phi = Math.atan2(-x, z);
  return [phi / (2 * Math.PI) + 0.5, theta / Math.PI];
}

/** Box-downsamples by an integer factor (both axes), e.g. for brute-force reference integrals in tests. */
export function downsampleEnvMap(env: EnvMap, factor: number): EnvMap {
  const f = Math.max(1, Math.floor(factor));
  const w = Math.floor(env.widthPx / f), h = Math.floor(env.heightPx / f);
  const out = new Float32Array(w * h * 3);
  const norm = 1 / (f * f);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (let dy = 0; dy < f; dy++) {
        let i = ((y * f + dy) * env.widthPx + x * f) * 3;
        for (let dx = 0; dx < f; dx++, i += 3) { r += env.data[i]!; g += env.data[i + 1]!; b += env.data[i + 2]!; }
      }
      const o = (y * w + x) * 3;
      out[o] = r * norm; out[o + 1] = g * norm; out[o + 2] = b * norm;
    }
  }
  return { widthPx: w, heightPx: h, data: out };
}
