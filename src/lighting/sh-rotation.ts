/**
 * Exact rotation of band 0..2 SH (layout k * 3 + c). Works on radiance or irradiance SH alike: the clamped-cosine
 * convolution is rotation invariant, so rotating before or after it gives the same result.
 *
 * Band 0 is invariant. Band 1 is (y, z, x) * C1, i.e. a plain 3-vector, so it rotates by the 3x3 matrix itself.
 * Band 2 is found by fitting: the rotated band-2 function is still in band 2, so evaluating it at a fixed set of 16
 * well-spread directions and solving the (precomputed) least-squares system recovers its 5 coefficients exactly,
 * up to float rounding (the test checks 1e-6). Cheaper to get right than the recurrence of Ivanic & Ruedenberg.
 *
 * Conventions: `rotation` maps a direction of the original environment to where it ends up. Yaw turns about +y
 * so that +z moves toward +x (a light's azimuth grows by the yaw, src/core/settings.ts); pitch turns about +x so
 * that +z moves toward +y (a frontal light rises). Yaw is applied first: R = Rx(pitch) * Ry(yaw).
 */
import { SH_C2, SH_C3, SH_C4 } from '../core/sh.js';

/** Row-major 3x3 rotation matrix. */
export type Mat3 = readonly [number, number, number, number, number, number, number, number, number];

const DEG = Math.PI / 180;

export function yawPitchRotation(yawDeg: number, pitchDeg: number): Mat3 {
  const cy = Math.cos(yawDeg * DEG), sy = Math.sin(yawDeg * DEG);
  const cp = Math.cos(pitchDeg * DEG), sp = Math.sin(pitchDeg * DEG);
  // Ry: (x, y, z) -> (x cy + z sy, y, -x sy + z cy); Rx: (x, y, z) -> (x, y cp + z sp, -y sp + z cp).
  return [
    cy, 0, sy,
    -sp * sy, cp, sp * cy,
    -cp * sy, -sp, cp * cy,
  ];
}

export function applyMat3(m: Mat3, x: number, y: number, z: number): [number, number, number] {
  return [m[0] * x + m[1] * y + m[2] * z, m[3] * x + m[4] * y + m[5] * z, m[6] * x + m[7] * y + m[8] * z];
}

function band2Basis(x: number, y: number, z: number): [number, number, number, number, number] {
  return [SH_C2 * x * y, SH_C2 * y * z, SH_C3 * (3 * z * z - 1), SH_C2 * x * z, SH_C4 * (x * x - y * y)];
}

/** 16 Fibonacci-sphere directions: no symmetry that would make the band-2 fit singular. */
const FIT_DIRS: readonly (readonly [number, number, number])[] = Array.from({ length: 16 }, (_, i) => {
  const y = 1 - (2 * (i + 0.5)) / 16;
  const r = Math.sqrt(1 - y * y);
  const a = i * Math.PI * (3 - Math.sqrt(5));
  return [r * Math.cos(a), y, r * Math.sin(a)] as const;
});

/** pinv(A) = (A^T A)^-1 A^T for A[i][j] = band-2 basis j at FIT_DIRS[i]; 5 x 16, row-major. */
const FIT_PINV: Float64Array = (() => {
  const n = FIT_DIRS.length;
  const A = FIT_DIRS.map((d) => band2Basis(d[0], d[1], d[2]));
  // Gauss-Jordan on [A^T A | A^T].
  const rows = Array.from({ length: 5 }, (_, r) => {
    const row = new Float64Array(5 + n);
    for (let c = 0; c < 5; c++) for (let i = 0; i < n; i++) row[c]! += A[i]![r]! * A[i]![c]!;
    for (let i = 0; i < n; i++) row[5 + i] = A[i]![r]!;
    return row;
  });
  for (let col = 0; col < 5; col++) {
    let piv = col;
    for (let r = col + 1; r < 5; r++) if (Math.abs(rows[r]![col]!) > Math.abs(rows[piv]![col]!)) piv = r;
    [rows[col], rows[piv]] = [rows[piv]!, rows[col]!];
    const p = rows[col]!;
    const inv = 1 / p[col]!;
    for (let c = 0; c < p.length; c++) p[c]! *= inv;
    for (let r = 0; r < 5; r++) {
      if (r === col) continue;
      const f = rows[r]![col]!;
      if (f !== 0) for (let c = 0; c < p.length; c++) rows[r]![c]! -= f * p[c]!;
    }
  }
  const out = new Float64Array(5 * n);
  for (let r = 0; r < 5; r++) for (let i = 0; i < n; i++) out[r * n + i] = rows[r]![5 + i]!;
  return out;
})();

/**
 * 5x5 matrix M (row-major) with rotated band-2 coefficients = M * original band-2 coefficients.
 * Column k is the fit of "basis function k, rotated", sampled as Y_k(R^T d) at the fit directions.
 */
function band2RotationMatrix(m: Mat3): Float64Array {
  const n = FIT_DIRS.length;
  const samples = FIT_DIRS.map((d) => {
    // R^T d: where the fit direction came from before the rotation.
    const x = m[0] * d[0] + m[3] * d[1] + m[6] * d[2];
    const y = m[1] * d[0] + m[4] * d[1] + m[7] * d[2];
    const z = m[2] * d[0] + m[5] * d[1] + m[8] * d[2];
    return band2Basis(x, y, z);
  });
  const M = new Float64Array(25);
  for (let r = 0; r < 5; r++) {
    for (let k = 0; k < 5; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += FIT_PINV[r * n + i]! * samples[i]![k]!;
      M[r * 5 + k] = s;
    }
  }
  return M;
}

/** Rotates SH coefficients (27 floats, k * 3 + c) by a rotation matrix; returns new coefficients. */
export function rotateSh(sh: ArrayLike<number>, m: Mat3): Float32Array {
  const out = new Float32Array(27);
  const m2 = band2RotationMatrix(m);
  for (let c = 0; c < 3; c++) {
    out[c] = sh[c]!;
    // Band 1 in (x, y, z) order is (k=3, k=1, k=2).
    const [x, y, z] = applyMat3(m, sh[9 + c]!, sh[3 + c]!, sh[6 + c]!);
    out[9 + c] = x; out[3 + c] = y; out[6 + c] = z;
    for (let r = 0; r < 5; r++) {
      let s = 0;
      for (let k = 0; k < 5; k++) s += m2[r * 5 + k]! * sh[(4 + k) * 3 + c]!;
      out[(4 + r) * 3 + c] = s;
    }
  }
  return out;
}

/** Rotates by yaw then pitch (degrees), see the module comment for the sign conventions. */
export function rotateShYawPitch(sh: ArrayLike<number>, yawDeg: number, pitchDeg: number): Float32Array {
  if (yawDeg === 0 && pitchDeg === 0) return Float32Array.from(sh as ArrayLike<number>);
  return rotateSh(sh, yawPitchRotation(yawDeg, pitchDeg));
}
