/**
 * Face normals from landmarks, in pure TypeScript (no DOM, no GPU): the 468 face-mesh landmarks + the canonical
 * mesh's triangles -> per-vertex normals of the landmark mesh -> barycentric interpolation with a z-buffer onto
 * the geometry grid (see geometry-grid.ts for the grid convention).
 *
 * Landmark input (as FaceLandmarks returns): x, y normalised to the frame (origin top-left, y down), z relative
 * depth in frame-width units, smaller = closer (MediaPipe's weak-perspective convention). They are lifted to
 * camera space in frame-height units: X = x * aspect, Y = -y, Z = -z * aspect (+x image right, +y up, +z toward
 * the camera). Orthographic (weak perspective) projection, so a visible surface's normal has n.z >= 0.
 *
 * Output: unit camera-space normals (zero outside the face) and a confidence map that is 1 inside the face and
 * is feathered to 0 at the face's border (smoothstep over `featherFrac` of the face size), so blending it over
 * another prior leaves no visible seam.
 */
import { CANONICAL_TRIANGLES } from './canonical-mesh.generated.js';
import { createDistanceScratch, distanceToSeeds, type DistanceScratch } from './distance-transform.js';
import { gridPixelSize, type GeometryGrid } from './geometry-grid.js';

export const FACE_MESH_VERTEX_COUNT = 468;

export interface FaceRasterOptions {
  /** Feather width as a fraction of the face size (square root of its area on the grid). Default 0.15. */
  featherFrac?: number;
}

export interface FaceRaster {
  readonly grid: GeometryGrid;
  /** 3 floats per grid pixel, unit camera-space normal, zero outside the face. */
  readonly normals: Float32Array;
  /** 0..1 per grid pixel. */
  readonly confidence: Float32Array;
  /** Grid pixels covered by the face mesh. */
  readonly coveredPx: number;
  /** Face size (square root of covered area) in frame-height units; 0 when nothing was covered. */
  readonly faceSize: number;
}

/**
 * Per-vertex normals of the landmark mesh (area-weighted face normals, MediaPipe's winding: counter-clockwise
 * seen from the front, so cross(b - a, c - a) points out of the face). Writes 3 floats per vertex into `out`.
 */
export function landmarkVertexNormals(
  points: Float32Array,
  frameAspect: number,
  triangles: Uint16Array = CANONICAL_TRIANGLES,
  out = new Float32Array(FACE_MESH_VERTEX_COUNT * 3),
): Float32Array {
  out.fill(0);
  for (let t = 0; t < triangles.length; t += 3) {
    const a = triangles[t]! * 3;
    const b = triangles[t + 1]! * 3;
    const c = triangles[t + 2]! * 3;
    const ax = points[a]! * frameAspect, ay = -points[a + 1]!, az = -points[a + 2]! * frameAspect;
    const ux = points[b]! * frameAspect - ax, uy = -points[b + 1]! - ay, uz = -points[b + 2]! * frameAspect - az;
    const vx = points[c]! * frameAspect - ax, vy = -points[c + 1]! - ay, vz = -points[c + 2]! * frameAspect - az;
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    for (const i of [a, b, c]) {
      out[i] = out[i]! + nx;
      out[i + 1] = out[i + 1]! + ny;
      out[i + 2] = out[i + 2]! + nz;
    }
  }
  for (let i = 0; i < out.length; i += 3) {
    const l = Math.hypot(out[i]!, out[i + 1]!, out[i + 2]!);
    if (l > 0) {
      out[i] = out[i]! / l;
      out[i + 1] = out[i + 1]! / l;
      out[i + 2] = out[i + 2]! / l;
    } else {
      out[i + 2] = 1;
    }
  }
  return out;
}

export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(Math.max((x - edge0) / (edge1 - edge0), 0), 1);
  return t * t * (3 - 2 * t);
}

/**
 * Reusable rasteriser: buffers are allocated per grid size, not per frame. The returned FaceRaster's arrays are
 * owned by the rasteriser and overwritten by the next call (copy what you keep).
 */
export class FaceRasterizer {
  private grid: GeometryGrid | null = null;
  private normals = new Float32Array(0);
  private confidence = new Float32Array(0);
  private depth = new Float32Array(0);
  private covered = new Uint8Array(0);
  private distance = new Float32Array(0);
  private scratch: DistanceScratch | null = null;
  private readonly vertexNormals = new Float32Array(FACE_MESH_VERTEX_COUNT * 3);

  constructor(private readonly triangles: Uint16Array = CANONICAL_TRIANGLES) {}

  private ensure(grid: GeometryGrid): void {
    if (this.grid && this.grid.widthPx === grid.widthPx && this.grid.heightPx === grid.heightPx) {
      this.grid = grid;
      return;
    }
    const n = grid.widthPx * grid.heightPx;
    this.grid = grid;
    this.normals = new Float32Array(n * 3);
    this.confidence = new Float32Array(n);
    this.depth = new Float32Array(n);
    this.covered = new Uint8Array(n);
    this.distance = new Float32Array(n);
    this.scratch = createDistanceScratch(Math.max(grid.widthPx, grid.heightPx));
  }

  /** `points`: at least 468 landmarks x (x, y, z), see the file comment. */
  rasterize(points: Float32Array, grid: GeometryGrid, opts: FaceRasterOptions = {}): FaceRaster {
    if (points.length < FACE_MESH_VERTEX_COUNT * 3) throw new Error(`[FaceRasterizer] need ${FACE_MESH_VERTEX_COUNT} landmarks`);
    this.ensure(grid);
    const { widthPx: W, heightPx: H, frameAspect } = grid;
    const normals = this.normals;
    const depth = this.depth;
    const covered = this.covered;
    normals.fill(0);
    depth.fill(-Infinity);
    covered.fill(0);
    const vn = landmarkVertexNormals(points, frameAspect, this.triangles, this.vertexNormals);
    const tri = this.triangles;
    let coveredPx = 0;
    for (let t = 0; t < tri.length; t += 3) {
      const ia = tri[t]!, ib = tri[t + 1]!, ic = tri[t + 2]!;
      // Screen coordinates: pixel centres at integers.
      const ax = points[3 * ia]! * W - 0.5, ay = points[3 * ia + 1]! * H - 0.5;
      const bx = points[3 * ib]! * W - 0.5, by = points[3 * ib + 1]! * H - 0.5;
      const cx = points[3 * ic]! * W - 0.5, cy = points[3 * ic + 1]! * H - 0.5;
      const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
      if (Math.abs(area) < 1e-12) continue;
      const x0 = Math.max(0, Math.ceil(Math.min(ax, bx, cx) - 1e-6));
      const x1 = Math.min(W - 1, Math.floor(Math.max(ax, bx, cx) + 1e-6));
      const y0 = Math.max(0, Math.ceil(Math.min(ay, by, cy) - 1e-6));
      const y1 = Math.min(H - 1, Math.floor(Math.max(ay, by, cy) + 1e-6));
      if (x0 > x1 || y0 > y1) continue;
      const za = -points[3 * ia + 2]! * frameAspect;
      const zb = -points[3 * ib + 2]! * frameAspect;
      const zc = -points[3 * ic + 2]! * frameAspect;
      const inv = 1 / area;
      // Shared edges are sampled by both neighbours (tolerance), so the mesh has no cracks; the z-test decides.
      const eps = -1e-5;
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const wa = ((bx - x) * (cy - y) - (by - y) * (cx - x)) * inv;
          const wb = ((cx - x) * (ay - y) - (cy - y) * (ax - x)) * inv;
          const wc = 1 - wa - wb;
          if (wa < eps || wb < eps || wc < eps) continue;
          const z = wa * za + wb * zb + wc * zc;
          const i = y * W + x;
          if (z <= depth[i]!) continue;
          depth[i] = z;
          let nx = wa * vn[3 * ia]! + wb * vn[3 * ib]! + wc * vn[3 * ic]!;
          let ny = wa * vn[3 * ia + 1]! + wb * vn[3 * ib + 1]! + wc * vn[3 * ic + 1]!;
          let nz = wa * vn[3 * ia + 2]! + wb * vn[3 * ib + 2]! + wc * vn[3 * ic + 2]!;
          // Orthographic view: a visible surface cannot face away. Fold-overs at the silhouette are clamped.
          if (nz < 0) nz = 0;
          const l = Math.hypot(nx, ny, nz);
          if (l < 1e-8) {
            nx = 0;
            ny = 0;
            nz = 1;
          } else {
            nx /= l;
            ny /= l;
            nz /= l;
          }
          normals[3 * i] = nx;
          normals[3 * i + 1] = ny;
          normals[3 * i + 2] = nz;
          if (!covered[i]) {
            covered[i] = 1;
            coveredPx++;
          }
        }
      }
    }
    const { pixelWidth, pixelHeight } = gridPixelSize(grid);
    const confidence = this.confidence;
    if (coveredPx === 0) {
      confidence.fill(0);
      return { grid, normals, confidence, coveredPx, faceSize: 0 };
    }
    const faceSize = Math.sqrt(coveredPx * pixelWidth * pixelHeight);
    const pixel = Math.max(pixelWidth, pixelHeight);
    const feather = Math.max((opts.featherFrac ?? 0.15) * faceSize, 1.5 * pixel);
    // Distance from each face pixel to the nearest non-face pixel (pixel centre to centre): the border is half a
    // pixel in from that centre.
    const dist = distanceToSeeds(W, H, (i) => covered[i] === 0, pixelWidth, pixelHeight, this.distance, this.scratch ?? undefined);
    const half = 0.5 * Math.min(pixelWidth, pixelHeight);
    for (let i = 0; i < W * H; i++) {
      confidence[i] = covered[i] ? smoothstep(0, feather, dist[i]! - half) : 0;
    }
    return { grid, normals, confidence, coveredPx, faceSize };
  }
}
