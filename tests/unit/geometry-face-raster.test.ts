/**
 * face-raster.ts with synthetic landmarks: the canonical mesh's vertices lifted onto a sphere must rasterise to the
 * sphere's normals; a tilted plane to its constant normal; a turned head keeps n.z >= 0 and turns the normals;
 * the confidence is 1 inside and feathers to 0 at the border; the distance transform is exact.
 */
import { describe, expect, it } from 'vitest';
import { CANONICAL_POSITIONS_CM, CANONICAL_TRIANGLES } from '../../src/geometry/canonical-mesh.generated.js';
import { distanceToSeeds } from '../../src/geometry/distance-transform.js';
import { FaceRasterizer, landmarkVertexNormals } from '../../src/geometry/face-raster.js';
import { geometryGridFor, gridPixelSize } from '../../src/geometry/geometry-grid.js';

const FRAME_W = 640, FRAME_H = 480, ASPECT = FRAME_W / FRAME_H;
/** Frame-height units per cm: the canonical face (about 17 cm tall) spans a third of the frame. */
const SCALE = 0.02;
const CENTRE = { u: 0.5, v: 0.45 };

/**
 * Landmarks (x, y normalised to the frame; z in frame-width units, smaller = closer) of camera-space points
 * given in cm, as FaceLandmarks would report them.
 */
function toLandmarks(points: (i: number) => [number, number, number]): Float32Array {
  const out = new Float32Array(478 * 3);
  for (let i = 0; i < 468; i++) {
    const [X, Y, Z] = points(i);
    out[3 * i] = CENTRE.u + (X * SCALE) / ASPECT;
    out[3 * i + 1] = CENTRE.v - Y * SCALE;
    out[3 * i + 2] = -(Z * SCALE) / ASPECT;
  }
  return out;
}

const SPHERE_R = 10;
const sphereLandmarks = () => toLandmarks((i) => {
  const X = CANONICAL_POSITIONS_CM[3 * i]!, Y = CANONICAL_POSITIONS_CM[3 * i + 1]!;
  return [X, Y, Math.sqrt(Math.max(SPHERE_R * SPHERE_R - X * X - Y * Y, 0))];
});

/** Camera-space cm of a grid pixel centre. */
function pixelToCm(x: number, y: number, W: number, H: number): [number, number] {
  const u = (x + 0.5) / W, v = (y + 0.5) / H;
  return [((u - CENTRE.u) * ASPECT) / SCALE, -(v - CENTRE.v) / SCALE];
}

const angleDeg = (a: number[], b: number[]) => (Math.acos(Math.min(1, Math.abs(a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!))) * 180) / Math.PI;

describe('FaceRasterizer', () => {
  const grid = geometryGridFor(FRAME_W, FRAME_H);

  it('uses a 128x96 grid for 640x480 (square pixels)', () => {
    expect(grid).toMatchObject({ widthPx: 128, heightPx: 96 });
    const { pixelWidth, pixelHeight } = gridPixelSize(grid);
    expect(pixelWidth).toBeCloseTo(pixelHeight, 9);
  });

  it('canonical mesh winding gives outward normals (nose +z, image-left cheek -x, forehead +y, chin -y)', () => {
    const n = landmarkVertexNormals(toLandmarks((i) => [CANONICAL_POSITIONS_CM[3 * i]!, CANONICAL_POSITIONS_CM[3 * i + 1]!, CANONICAL_POSITIONS_CM[3 * i + 2]!]), ASPECT);
    expect(n[3 * 1 + 2]).toBeGreaterThan(0.9);
    expect(n[3 * 234]).toBeLessThan(-0.5); // canonical x < 0 = image left
    expect(n[3 * 454]).toBeGreaterThan(0.5);
    expect(n[3 * 10 + 1]).toBeGreaterThan(0.3);
    expect(n[3 * 152 + 1]).toBeLessThan(-0.3);
  });

  it('a sphere\'s points give the sphere\'s normals', () => {
    const r = new FaceRasterizer().rasterize(sphereLandmarks(), grid);
    let count = 0, sum = 0, worst = 0, leftX = 0, rightX = 0;
    for (let y = 0; y < grid.heightPx; y++) {
      for (let x = 0; x < grid.widthPx; x++) {
        const i = y * grid.widthPx + x;
        if (r.confidence[i]! < 0.5) continue;
        const [X, Y] = pixelToCm(x, y, grid.widthPx, grid.heightPx);
        const expected = [X / SPHERE_R, Y / SPHERE_R, Math.sqrt(Math.max(1 - (X * X + Y * Y) / (SPHERE_R * SPHERE_R), 0))];
        const got = [r.normals[3 * i]!, r.normals[3 * i + 1]!, r.normals[3 * i + 2]!];
        const a = angleDeg(got, expected);
        sum += a; worst = Math.max(worst, a); count++;
        if (X < -4) leftX += got[0]!;
        if (X > 4) rightX += got[0]!;
      }
    }
    expect(count).toBeGreaterThan(500);
    expect(sum / count).toBeLessThan(3);
    expect(worst).toBeLessThan(12);
    expect(leftX).toBeLessThan(0);
    expect(rightX).toBeGreaterThan(0);
  });

  it('keeps the sphere round on a non-square grid (pixel aspect handled)', () => {
    const square = { widthPx: 96, heightPx: 96, frameAspect: ASPECT };
    const r = new FaceRasterizer().rasterize(sphereLandmarks(), square);
    let sum = 0, count = 0;
    for (let y = 0; y < 96; y++) {
      for (let x = 0; x < 96; x++) {
        const i = y * 96 + x;
        if (r.confidence[i]! < 0.5) continue;
        const [X, Y] = pixelToCm(x, y, 96, 96);
        const e = [X / SPHERE_R, Y / SPHERE_R, Math.sqrt(Math.max(1 - (X * X + Y * Y) / 100, 0))];
        sum += angleDeg([r.normals[3 * i]!, r.normals[3 * i + 1]!, r.normals[3 * i + 2]!], e);
        count++;
      }
    }
    expect(count).toBeGreaterThan(300);
    expect(sum / count).toBeLessThan(3.5);
  });

  it('a tilted plane gives its constant normal everywhere', () => {
    const a = 0.4, b = -0.3; // Z = a X + b Y
    const r = new FaceRasterizer().rasterize(toLandmarks((i) => {
      const X = CANONICAL_POSITIONS_CM[3 * i]!, Y = CANONICAL_POSITIONS_CM[3 * i + 1]!;
      return [X, Y, a * X + b * Y];
    }), grid);
    const l = Math.hypot(a, b, 1);
    const expected = [-a / l, -b / l, 1 / l];
    let count = 0;
    for (let i = 0; i < grid.widthPx * grid.heightPx; i++) {
      if (r.confidence[i]! <= 0) continue;
      expect(angleDeg([r.normals[3 * i]!, r.normals[3 * i + 1]!, r.normals[3 * i + 2]!], expected)).toBeLessThan(0.5);
      count++;
    }
    expect(count).toBe(r.coveredPx);
  });

  it('a head turned toward image right turns the normals right and never away from the camera', () => {
    const yaw = (35 * Math.PI) / 180;
    const turned = (dir: number) => new FaceRasterizer().rasterize(toLandmarks((i) => {
      const X = CANONICAL_POSITIONS_CM[3 * i]!, Y = CANONICAL_POSITIONS_CM[3 * i + 1]!, Z = CANONICAL_POSITIONS_CM[3 * i + 2]!;
      return [X * Math.cos(dir * yaw) + Z * Math.sin(dir * yaw), Y, -X * Math.sin(dir * yaw) + Z * Math.cos(dir * yaw)];
    }), grid);
    for (const dir of [1, -1]) {
      const lm = toLandmarks((i) => {
        const X = CANONICAL_POSITIONS_CM[3 * i]!, Y = CANONICAL_POSITIONS_CM[3 * i + 1]!, Z = CANONICAL_POSITIONS_CM[3 * i + 2]!;
        return [X * Math.cos(dir * yaw) + Z * Math.sin(dir * yaw), Y, -X * Math.sin(dir * yaw) + Z * Math.cos(dir * yaw)];
      });
      const r = turned(dir);
      for (let i = 0; i < grid.widthPx * grid.heightPx; i++) {
        if (r.confidence[i]! > 0) expect(r.normals[3 * i + 2]!).toBeGreaterThanOrEqual(0);
      }
      // The nose tip (landmark 1) faces where the head turned: about sin(35 deg) sideways.
      const nx = Math.round(lm[3]! * grid.widthPx - 0.5), ny = Math.round(lm[4]! * grid.heightPx - 0.5);
      const i = ny * grid.widthPx + nx;
      expect(r.confidence[i]).toBeGreaterThan(0.9);
      expect(dir * r.normals[3 * i]!).toBeGreaterThan(0.35);
    }
  });

  it('confidence is 1 in the middle, 0 outside, feathered in between', () => {
    const r = new FaceRasterizer().rasterize(sphereLandmarks(), grid);
    const W = grid.widthPx;
    const cx = Math.round(CENTRE.u * W - 0.5), cy = Math.round(CENTRE.v * grid.heightPx - 0.5);
    expect(r.confidence[cy * W + cx]).toBe(1);
    expect(r.confidence[0]).toBe(0);
    let partial = 0;
    for (let i = 0; i < r.confidence.length; i++) {
      const c = r.confidence[i]!;
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThanOrEqual(1);
      if (c > 0 && c < 1) partial++;
      if (c === 0) expect(r.normals[3 * i]! ** 2 + r.normals[3 * i + 1]! ** 2 + r.normals[3 * i + 2]! ** 2 === 0 || r.normals[3 * i + 2]! >= 0).toBe(true);
    }
    expect(partial).toBeGreaterThan(50);
    // Walking from the centre to the left edge, confidence never increases.
    let prev = 1;
    for (let x = cx; x >= 0; x--) {
      const c = r.confidence[cy * W + x]!;
      expect(c).toBeLessThanOrEqual(prev + 1e-6);
      prev = c;
    }
  });

  it('rejects too few landmarks and handles a face fully outside the frame', () => {
    expect(() => new FaceRasterizer().rasterize(new Float32Array(30), grid)).toThrow();
    const away = sphereLandmarks();
    for (let i = 0; i < 468; i++) away[3 * i] = away[3 * i]! + 3;
    const r = new FaceRasterizer().rasterize(away, grid);
    expect(r.coveredPx).toBe(0);
    expect(r.confidence.every((c) => c === 0)).toBe(true);
  });

  it('has 898 canonical triangles', () => {
    expect(CANONICAL_TRIANGLES.length).toBe(898 * 3);
  });
});

describe('distanceToSeeds', () => {
  it('matches brute force on a random pattern with non-square pixels', () => {
    const W = 23, H = 17, pw = 0.7, ph = 1.3;
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const seeds = Array.from({ length: W * H }, () => rand() < 0.05);
    const d = distanceToSeeds(W, H, (i) => seeds[i]!, pw, ph);
    for (let i = 0; i < W * H; i++) {
      let best = Infinity;
      for (let j = 0; j < W * H; j++) {
        if (!seeds[j]) continue;
        best = Math.min(best, Math.hypot(((i % W) - (j % W)) * pw, (Math.floor(i / W) - Math.floor(j / W)) * ph));
      }
      expect(d[i]).toBeCloseTo(best, 4);
    }
  });

  it('is +Infinity everywhere without seeds', () => {
    expect(Array.from(distanceToSeeds(4, 3, () => false))).toEqual(new Array(12).fill(Infinity));
  });
});
