/**
 * Synthetic scenes with known geometry and light, for the renderer's tests (Node and browser pages): a sphere
 * "head" on a "body" ellipse over a textured background, lit by a given irradiance SH. Because the normals and
 * the light are known exactly, a relit frame can be compared with a direct rendering under the target light.
 * Pure TypeScript (no DOM).
 */
import { shEval } from '../core/sh.js';
import type { GeometryMaps, Mask } from '../core/types.js';
import { srgbEncode, type PixelBuffer } from './relight-math.js';

export interface SphereSceneOptions {
  readonly widthPx: number;
  readonly heightPx: number;
  /** Geometry-map resolution (covers the whole frame). */
  readonly geometryWidthPx: number;
  readonly geometryHeightPx: number;
  /** Mask resolution (covers the whole frame). */
  readonly maskWidthPx: number;
  readonly maskHeightPx: number;
  /** Irradiance SH (27 floats) lighting the sphere in the frame. */
  readonly lightSh: ArrayLike<number>;
  /** Linear albedo of the sphere. */
  readonly albedo: readonly [number, number, number];
  /** Sphere centre and radius as fractions of the frame height (x centre as a fraction of width). */
  readonly centreX?: number;
  readonly centreY?: number;
  readonly radius?: number;
  /** Add the body ellipse below the sphere (part of the mask, no geometry confidence). */
  readonly body?: boolean;
  /** 'rgba8' = sRGB bytes as from VideoFrame.copyTo; 'linear' = linear float RGB. */
  readonly kind: 'rgba8' | 'linear';
  /** Per-normal perturbation (e.g. estimator jitter) applied to the geometry map only. */
  readonly normalNoise?: (i: number) => [number, number, number];
}

export interface SphereScene {
  readonly frame: PixelBuffer;
  readonly mask: Mask;
  readonly geometry: GeometryMaps;
  /** Sphere centre/radius in full-res pixels. */
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
}

/** Unit normal of the sphere at full-res coordinates (px, py), or null outside it. Camera space, y up. */
export function sphereNormal(px: number, py: number, cx: number, cy: number, r: number): [number, number, number] | null {
  const dx = (px - cx) / r, dy = -(py - cy) / r;
  const d2 = dx * dx + dy * dy;
  if (d2 >= 1) return null;
  return [dx, dy, Math.sqrt(1 - d2)];
}

/** A background that is neither flat nor aligned with the low-res grid: checker + gradient, linear RGB. */
export function backgroundLinear(x: number, y: number, w: number, h: number): [number, number, number] {
  const check = ((Math.floor(x / 13) + Math.floor(y / 11)) & 1) === 1;
  const g = 0.15 + 0.25 * (x / w);
  return check ? [g, g * 0.9, 0.12] : [0.05, 0.06 + 0.2 * (y / h), 0.1];
}

function inBody(px: number, py: number, w: number, h: number, cx: number): boolean {
  const sx = (px - cx) / (w * 0.3), sy = (py - h) / (h * 0.35);
  return sx * sx + sy * sy < 1;
}

/** Fraction of a full-res pixel covered by the person (4x4 supersampled), for an anti-aliased mask. */
function coverage(x0: number, y0: number, sx: number, sy: number, inside: (px: number, py: number) => boolean): number {
  let c = 0;
  for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) if (inside(x0 + (i + 0.5) * sx / 4, y0 + (j + 0.5) * sy / 4)) c++;
  return c / 16;
}

export function sphereScene(o: SphereSceneOptions): SphereScene {
  const W = o.widthPx, H = o.heightPx;
  const cx = (o.centreX ?? 0.5) * W, cy = (o.centreY ?? 0.45) * H, r = (o.radius ?? 0.3) * H;
  const body = o.body ?? false;
  const inside = (px: number, py: number) => {
    const dx = px - cx, dy = py - cy;
    return dx * dx + dy * dy < r * r || (body && inBody(px, py, W, H, cx));
  };
  const rgb = [0, 0, 0];
  const lin = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const n = sphereNormal(x + 0.5, y + 0.5, cx, cy, r);
      let c: [number, number, number];
      if (n) {
        shEval(o.lightSh, n[0], n[1], n[2], rgb);
        c = [o.albedo[0] * Math.max(rgb[0]!, 0) / Math.PI, o.albedo[1] * Math.max(rgb[1]!, 0) / Math.PI, o.albedo[2] * Math.max(rgb[2]!, 0) / Math.PI];
      } else if (body && inBody(x + 0.5, y + 0.5, W, H, cx)) {
        c = [0.08, 0.12, 0.3];
      } else {
        c = backgroundLinear(x, y, W, H);
      }
      lin[i * 3] = c[0]; lin[i * 3 + 1] = c[1]; lin[i * 3 + 2] = c[2];
    }
  }
  let frame: PixelBuffer;
  if (o.kind === 'linear') {
    frame = { kind: 'linear', widthPx: W, heightPx: H, channels: 3, data: lin };
  } else {
    const d = new Uint8ClampedArray(W * H * 4);
    for (let i = 0; i < W * H; i++) {
      for (let c = 0; c < 3; c++) d[i * 4 + c] = Math.round(srgbEncode(lin[i * 3 + c]!) * 255);
      d[i * 4 + 3] = 255;
    }
    frame = { kind: 'rgba8', widthPx: W, heightPx: H, data: d };
  }
  const mw = o.maskWidthPx, mh = o.maskHeightPx;
  const maskData = new Float32Array(mw * mh);
  for (let j = 0; j < mh; j++) {
    for (let i = 0; i < mw; i++) maskData[j * mw + i] = coverage((i * W) / mw, (j * H) / mh, W / mw, H / mh, inside);
  }
  const gw = o.geometryWidthPx, gh = o.geometryHeightPx;
  const normals = new Float32Array(gw * gh * 3);
  const confidence = new Float32Array(gw * gh);
  for (let j = 0; j < gh; j++) {
    for (let i = 0; i < gw; i++) {
      const p = j * gw + i;
      const n = sphereNormal(((i + 0.5) * W) / gw, ((j + 0.5) * H) / gh, cx, cy, r);
      if (!n) continue;
      let [nx, ny, nz] = n;
      if (o.normalNoise) {
        const [ax, ay, az] = o.normalNoise(p);
        nx += ax; ny += ay; nz += az;
        const l = Math.hypot(nx, ny, nz);
        nx /= l; ny /= l; nz /= l;
      }
      normals[p * 3] = nx; normals[p * 3 + 1] = ny; normals[p * 3 + 2] = nz;
      confidence[p] = 1;
    }
  }
  return {
    frame,
    mask: { widthPx: mw, heightPx: mh, data: maskData, timestampUs: 0 },
    geometry: { widthPx: gw, heightPx: gh, normals, confidence, source: 'synthetic-sphere' },
    cx, cy, r,
  };
}

/**
 * Irradiance SH of an ambient term plus one directional light: direction (camera space, unit), RGB intensity.
 * E(n) = ambient * pi + colour * (clamped cosine, projected to 9 SH terms).
 */
export function directionalSh(dir: readonly [number, number, number], colour: readonly [number, number, number], ambient: readonly [number, number, number]): Float32Array {
  const [x, y, z] = dir;
  const Y = [0.282095, 0.488603 * y, 0.488603 * z, 0.488603 * x, 1.092548 * x * y, 1.092548 * y * z, 0.315392 * (3 * z * z - 1), 1.092548 * x * z, 0.546274 * (x * x - y * y)];
  const A = [Math.PI, (2 * Math.PI) / 3, (2 * Math.PI) / 3, (2 * Math.PI) / 3, Math.PI / 4, Math.PI / 4, Math.PI / 4, Math.PI / 4, Math.PI / 4];
  const sh = new Float32Array(27);
  for (let k = 0; k < 9; k++) for (let c = 0; c < 3; c++) sh[k * 3 + c] = colour[c]! * A[k]! * Y[k]!;
  // A uniform radiance a has SH coefficient a * sqrt(4 pi) on Y0; irradiance = pi * that.
  for (let c = 0; c < 3; c++) sh[c] = sh[c]! + Math.PI * ambient[c]! * Math.sqrt(4 * Math.PI);
  return sh;
}

/** Unit direction from azimuth (+ = image right) and elevation (+ = up), degrees. */
export function directionFromAngles(azimuthDeg: number, elevationDeg: number): [number, number, number] {
  const a = (azimuthDeg * Math.PI) / 180, e = (elevationDeg * Math.PI) / 180;
  return [Math.sin(a) * Math.cos(e), Math.sin(e), Math.cos(a) * Math.cos(e)];
}
