/**
 * Pure pieces of the analytic prior shared by the estimators: the face-over-silhouette blend and the large-motion
 * gate that resets temporal smoothing.
 */
import { FACE_MESH_VERTEX_COUNT as FACE_MESH_POINT_COUNT } from './face-raster.js';

/** Detects large motion between consecutive frames (pure state machine, shared with SilhouetteEstimator). */
export class MotionGate {
  private prevMask: Float32Array | null = null;
  private prevFace: { cx: number; cy: number; size: number } | null = null;

  constructor(private readonly faceMotionResetFrac = 0.15, private readonly maskChangeResetFrac = 0.25) {}

  reset(): void {
    this.prevMask = null;
    this.prevFace = null;
  }

  /** True when the frame differs too much from the previous one for temporal blending. */
  check(gridMask: Float32Array, landmarks: Float32Array | null, frameAspect: number): boolean {
    let large = false;
    const prevMask = this.prevMask;
    if (prevMask && prevMask.length === gridMask.length) {
      let flipped = 0, person = 0;
      for (let i = 0; i < gridMask.length; i++) {
        const a = gridMask[i]! >= 0.5, b = prevMask[i]! >= 0.5;
        if (a || b) person++;
        if (a !== b) flipped++;
      }
      if (person > 0 && flipped / person > this.maskChangeResetFrac) large = true;
    }
    this.prevMask = gridMask.slice();
    if (landmarks) {
      let cx = 0, cy = 0, minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
      for (let i = 0; i < FACE_MESH_POINT_COUNT; i++) {
        const x = landmarks[3 * i]! * frameAspect, y = landmarks[3 * i + 1]!;
        cx += x;
        cy += y;
        minX = Math.min(minX, x); maxX = Math.max(maxX, x);
        minY = Math.min(minY, y); maxY = Math.max(maxY, y);
      }
      const face = { cx: cx / FACE_MESH_POINT_COUNT, cy: cy / FACE_MESH_POINT_COUNT, size: Math.hypot(maxX - minX, maxY - minY) };
      const p = this.prevFace;
      if (p && Math.hypot(face.cx - p.cx, face.cy - p.cy) > this.faceMotionResetFrac * Math.max(p.size, 1e-6)) large = true;
      this.prevFace = face;
    } else {
      this.prevFace = null;
    }
    return large;
  }
}

/**
 * Blends face normals over silhouette normals: n = normalize(cf n_face + (1 - cf) cs n_sil), confidence
 * cf + (1 - cf) cs. Writes into `outN` / `outC`.
 */
export function blendFaceOverSilhouette(
  faceN: Float32Array | null,
  faceC: Float32Array | null,
  silN: Float32Array,
  silC: Float32Array,
  outN: Float32Array,
  outC: Float32Array,
): void {
  const n = silC.length;
  for (let i = 0; i < n; i++) {
    const cf = faceC ? faceC[i]! : 0;
    const cs = silC[i]!;
    const j = 3 * i;
    if (cf <= 0 && cs <= 0) {
      outN[j] = outN[j + 1] = outN[j + 2] = 0;
      outC[i] = 0;
      continue;
    }
    if (cf <= 0) {
      outN[j] = silN[j]!;
      outN[j + 1] = silN[j + 1]!;
      outN[j + 2] = silN[j + 2]!;
      outC[i] = cs;
      continue;
    }
    const fN = faceN!;
    if (cs <= 0) {
      outN[j] = fN[j]!;
      outN[j + 1] = fN[j + 1]!;
      outN[j + 2] = fN[j + 2]!;
      outC[i] = cf;
      continue;
    }
    // Confidence-weighted average: the silhouette's weight is its share (1 - cf) times its own (lower) trust, so
    // in the feather zone the face's tilted border normals are not flattened by the silhouette's head interior.
    const ws = (1 - cf) * cs;
    const x = cf * fN[j]! + ws * silN[j]!;
    const y = cf * fN[j + 1]! + ws * silN[j + 1]!;
    const z = cf * fN[j + 2]! + ws * silN[j + 2]!;
    const l = Math.hypot(x, y, z) || 1;
    outN[j] = x / l;
    outN[j + 1] = y / l;
    outN[j + 2] = z / l;
    outC[i] = cf + (1 - cf) * cs;
  }
}

