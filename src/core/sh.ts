/**
 * Real spherical harmonics up to band 2 (9 coefficients), the representation of low-frequency lighting used
 * throughout (Ramamoorthi & Hanrahan 2001). Coefficient layout: k * 3 + channel (see types.ts).
 *
 * `irradianceSh` coefficients are radiance coefficients already multiplied by the clamped-cosine kernel
 * (A0 = pi, A1 = 2pi/3, A2 = pi/4), so irradiance at normal n is simply dot(basis(n), coeffs).
 * Divide irradiance by pi to get the shading of a white Lambertian surface (albedo 1).
 */
export const SH_COUNT = 9;
export const SH_FLOATS = 27;

export const SH_C0 = 0.282095;
export const SH_C1 = 0.488603;
export const SH_C2 = 1.092548;
export const SH_C3 = 0.315392;
export const SH_C4 = 0.546274;

/** Clamped-cosine convolution weights per band. */
export const SH_BAND_A = [Math.PI, (2 * Math.PI) / 3, Math.PI / 4] as const;
export const SH_BAND_OF = [0, 1, 1, 1, 2, 2, 2, 2, 2] as const;

/** Writes the 9 basis values at unit direction (x, y, z) into `out` (length >= 9 + offset). */
export function shBasis<T extends Float32Array | Float64Array | number[] = Float32Array>(x: number, y: number, z: number, out: T = new Float32Array(9) as T, offset = 0): T {
  out[offset + 0] = SH_C0;
  out[offset + 1] = SH_C1 * y;
  out[offset + 2] = SH_C1 * z;
  out[offset + 3] = SH_C1 * x;
  out[offset + 4] = SH_C2 * x * y;
  out[offset + 5] = SH_C2 * y * z;
  out[offset + 6] = SH_C3 * (3 * z * z - 1);
  out[offset + 7] = SH_C2 * x * z;
  out[offset + 8] = SH_C4 * (x * x - y * y);
  return out;
}

/** Evaluates SH (coefficient-major RGB) at a direction; writes RGB into out[0..2]. */
export function shEval(coeffs: ArrayLike<number>, x: number, y: number, z: number, out: Float32Array | number[] = [0, 0, 0]): Float32Array | number[] {
  const b0 = SH_C0, b1 = SH_C1 * y, b2 = SH_C1 * z, b3 = SH_C1 * x;
  const b4 = SH_C2 * x * y, b5 = SH_C2 * y * z, b6 = SH_C3 * (3 * z * z - 1), b7 = SH_C2 * x * z, b8 = SH_C4 * (x * x - y * y);
  for (let c = 0; c < 3; c++) {
    out[c] = b0 * coeffs[c]! + b1 * coeffs[3 + c]! + b2 * coeffs[6 + c]! + b3 * coeffs[9 + c]! + b4 * coeffs[12 + c]! +
      b5 * coeffs[15 + c]! + b6 * coeffs[18 + c]! + b7 * coeffs[21 + c]! + b8 * coeffs[24 + c]!;
  }
  return out;
}

/** Radiance SH -> irradiance SH (multiplies each band by its clamped-cosine weight). */
export function radianceToIrradiance(radiance: ArrayLike<number>): Float32Array {
  const out = new Float32Array(27);
  for (let k = 0; k < 9; k++) {
    const a = SH_BAND_A[SH_BAND_OF[k]!]!;
    for (let c = 0; c < 3; c++) out[k * 3 + c] = radiance[k * 3 + c]! * a;
  }
  return out;
}
