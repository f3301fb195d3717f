/**
 * Maps between the direction pad's 2-D surface and a key-light direction, in the convention of
 * src/core/settings.ts: camera space, azimuth 0 = along the camera axis (light from the front), +90 = from the
 * subject's left (image right), elevation +90 = from above. Unit vector: x = cos(el) sin(az) (image right),
 * y = sin(el) (up), z = cos(el) cos(az) (toward the camera), as in src/core/types.ts.
 *
 * The pad shows the sphere as the camera sees it, orthographically: inside the disc a point (x, y) is the
 * front-hemisphere direction (x, y, sqrt(1 - x^2 - y^2)), so the marker sits where the light's highlight is.
 * Lights from behind the subject (rim lights) live on a ring around the disc: from the rim (90 degrees off the
 * camera axis) out to BACK_RING_OUTER (straight behind), linear in the angle from the camera axis. The mapping is
 * continuous across the rim, so dragging off the sphere's edge moves the light smoothly behind the subject.
 */

export interface LightDirection {
  azimuthDeg: number;
  elevationDeg: number;
}

/** Pad point in sphere radii, +x = image right, +y = up (NOT screen y). */
export interface PadPoint {
  x: number;
  y: number;
  /** True when the direction is behind the subject (the point is on the ring). */
  behind: boolean;
}

/** Radius (in sphere radii) of the ring's outer edge, where the light is straight behind the subject. */
export const BACK_RING_OUTER = 1.25;

const RAD = Math.PI / 180;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function directionToVector(d: LightDirection): [number, number, number] {
  const az = d.azimuthDeg * RAD;
  const el = d.elevationDeg * RAD;
  return [Math.cos(el) * Math.sin(az), Math.sin(el), Math.cos(el) * Math.cos(az)];
}

export function vectorToDirection(x: number, y: number, z: number): LightDirection {
  const len = Math.hypot(x, y, z) || 1;
  const elevationDeg = Math.asin(clamp(y / len, -1, 1)) / RAD;
  // Straight up/down the azimuth is undefined; 0 keeps the value stable.
  const azimuthDeg = Math.hypot(x, z) < 1e-9 ? 0 : Math.atan2(x, z) / RAD;
  return { azimuthDeg, elevationDeg };
}

/**
 * Direction for a pad point. `rimSnap` (sphere radii) snaps points that close to the rim onto it, so a pure side
 * light (azimuth exactly +-90) is easy to hit with a pointer.
 */
export function padPointToDirection(px: number, py: number, rimSnap = 0): LightDirection {
  let r = Math.hypot(px, py);
  if (r > 0 && Math.abs(r - 1) < rimSnap) {
    px /= r;
    py /= r;
    r = 1;
  }
  if (r <= 1) return vectorToDirection(px, py, Math.sqrt(Math.max(0, 1 - r * r)));
  const t = Math.min((r - 1) / (BACK_RING_OUTER - 1), 1);
  const theta = (90 + 90 * t) * RAD; // angle from the camera axis
  const s = Math.sin(theta);
  return vectorToDirection((px / r) * s, (py / r) * s, Math.cos(theta));
}

/** Where the marker for `d` goes on the pad (inverse of padPointToDirection, without the snap). */
export function directionToPadPoint(d: LightDirection): PadPoint {
  const [x, y, z] = directionToVector(d);
  if (z >= 0) return { x, y, behind: false };
  const thetaDeg = Math.acos(clamp(z, -1, 1)) / RAD; // (90, 180]
  const r = 1 + ((thetaDeg - 90) / 90) * (BACK_RING_OUTER - 1);
  const h = Math.hypot(x, y);
  // Straight behind has no in-plane direction: put the marker at the top of the ring.
  if (h < 1e-9) return { x: 0, y: r, behind: true };
  return { x: (x / h) * r, y: (y / h) * r, behind: true };
}

/** Wraps an azimuth into [-180, 180] (the schema's range). */
export function wrapAzimuthDeg(deg: number): number {
  let a = ((deg + 180) % 360 + 360) % 360 - 180;
  if (a === -180 && deg > 0) a = 180;
  return a;
}

/** A direction rounded to 0.1 degree and clamped/wrapped into the schema's ranges. */
export function normalizeDirection(d: LightDirection): LightDirection {
  const round = (v: number) => Math.round(v * 10) / 10 || 0; // `|| 0` turns -0 into 0
  return {
    azimuthDeg: round(wrapAzimuthDeg(d.azimuthDeg)),
    elevationDeg: round(clamp(d.elevationDeg, -90, 90)),
  };
}

/** Human wording of a direction, for aria-valuetext and the readout ("35° right, 25° up"). */
export function describeDirection(d: LightDirection): string {
  const az = Math.round(d.azimuthDeg);
  const el = Math.round(d.elevationDeg);
  const side = az === 0 ? 'front' : `${Math.abs(az)}° ${az > 0 ? 'right' : 'left'}`;
  const height = el === 0 ? 'level' : `${Math.abs(el)}° ${el > 0 ? 'up' : 'down'}`;
  const behind = Math.abs(az) > 90 ? ' (behind)' : '';
  return `${side}, ${height}${behind}`;
}
