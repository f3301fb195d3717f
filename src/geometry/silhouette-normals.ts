/**
 * Silhouette prior, pure TypeScript: person mask -> "inflated" height field -> camera-space normals.
 *
 * The classic shape-from-silhouette guess (as in Teddy / Ramanarayanan-style inflation): far from the outline the
 * body faces the camera, at the outline the surface turns sideways. Steps on the geometry grid:
 * 1. resample the mask (it covers the whole frame, any resolution) to the grid, bilinear;
 * 2. distance d from each person pixel to the nearest background pixel (exact EDT, frame-height units; the frame
 *    border is NOT background, so a body cut by the frame edge does not curve toward it);
 * 3. height h = sqrt(2 R d - d^2) for d < R, R beyond: a quarter-circle profile of radius R (`radiusFrac` of the
 *    frame height), vertical tangent at the outline, flat (facing the camera) at depth R;
 * 4. a small Gaussian blur of h (removes the creases of the distance transform's medial axis);
 * 5. n = normalize(-dh/dX, -dh/dY, 1) with central differences (+y up), h = 0 outside.
 * Confidence is `confidenceScale` x the mask (default 0.5): lower than the face mesh's 1, because a silhouette
 * says nothing about interior relief (nose, eye sockets, clothing folds).
 */
import { createDistanceScratch, distanceToSeeds, type DistanceScratch } from './distance-transform.js';
import { gridPixelSize, type GeometryGrid } from './geometry-grid.js';

export interface MaskLike {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly data: Float32Array;
}

export interface SilhouetteOptions {
  /** Inflation radius R as a fraction of the frame height. Default 0.12. */
  radiusFrac?: number;
  /** Mask value that counts as person. Default 0.5. */
  threshold?: number;
  /**
   * Gaussian sigma of the height-field blur as a fraction of the frame height (so the result does not depend on
   * the grid size). Default 0.015: 1.4 px on a 96-row grid, 3.8 px on 256 rows.
   */
  blurSigmaFrac?: number;
  /** Confidence = confidenceScale * mask. Default 0.5. */
  confidenceScale?: number;
}

export interface SilhouetteNormals {
  readonly grid: GeometryGrid;
  /** 3 floats per grid pixel, unit camera-space normal, zero outside the person. */
  readonly normals: Float32Array;
  /** 0..confidenceScale per grid pixel. */
  readonly confidence: Float32Array;
  /** The mask resampled to the grid (0..1). */
  readonly mask: Float32Array;
  /** Person pixels on the grid. */
  readonly personPx: number;
}

/** Bilinear resample of a whole-frame mask onto the grid (pixel centres aligned as geometry-grid.ts says). */
export function resampleMask(mask: MaskLike, widthPx: number, heightPx: number, out?: Float32Array): Float32Array {
  const dst = out && out.length === widthPx * heightPx ? out : new Float32Array(widthPx * heightPx);
  const mw = mask.widthPx, mh = mask.heightPx, src = mask.data;
  for (let y = 0; y < heightPx; y++) {
    const sy = Math.min(Math.max(((y + 0.5) / heightPx) * mh - 0.5, 0), mh - 1);
    const y0 = sy | 0, y1 = Math.min(y0 + 1, mh - 1), fy = sy - y0;
    for (let x = 0; x < widthPx; x++) {
      const sx = Math.min(Math.max(((x + 0.5) / widthPx) * mw - 0.5, 0), mw - 1);
      const x0 = sx | 0, x1 = Math.min(x0 + 1, mw - 1), fx = sx - x0;
      const a = src[y0 * mw + x0]!, b = src[y0 * mw + x1]!, c = src[y1 * mw + x0]!, d = src[y1 * mw + x1]!;
      dst[y * widthPx + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
    }
  }
  return dst;
}

/** 1D Gaussian kernel, normalised. */
function gaussianKernel(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(2.5 * sigma));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / s;
  return k;
}

/**
 * Reusable: buffers per grid size. The returned arrays are owned by the instance and overwritten by the next
 * call (copy what you keep).
 */
export class SilhouetteInflator {
  private grid: GeometryGrid | null = null;
  private mask = new Float32Array(0);
  private inside = new Uint8Array(0);
  private dist = new Float32Array(0);
  private height = new Float32Array(0);
  private tmp = new Float32Array(0);
  private normals = new Float32Array(0);
  private confidence = new Float32Array(0);
  private scratch: DistanceScratch | null = null;

  private ensure(grid: GeometryGrid): void {
    if (this.grid && this.grid.widthPx === grid.widthPx && this.grid.heightPx === grid.heightPx) {
      this.grid = grid;
      return;
    }
    const n = grid.widthPx * grid.heightPx;
    this.grid = grid;
    this.mask = new Float32Array(n);
    this.inside = new Uint8Array(n);
    this.dist = new Float32Array(n);
    this.height = new Float32Array(n);
    this.tmp = new Float32Array(n);
    this.normals = new Float32Array(3 * n);
    this.confidence = new Float32Array(n);
    this.scratch = createDistanceScratch(Math.max(grid.widthPx, grid.heightPx));
  }

  inflate(maskIn: MaskLike, grid: GeometryGrid, opts: SilhouetteOptions = {}): SilhouetteNormals {
    this.ensure(grid);
    const { widthPx: W, heightPx: H } = grid;
    const n = W * H;
    const threshold = opts.threshold ?? 0.5;
    const R = opts.radiusFrac ?? 0.12;
    const confidenceScale = opts.confidenceScale ?? 0.5;
    const { pixelWidth, pixelHeight } = gridPixelSize(grid);
    const mask = resampleMask(maskIn, W, H, this.mask);
    const inside = this.inside;
    let personPx = 0;
    for (let i = 0; i < n; i++) {
      inside[i] = mask[i]! >= threshold ? 1 : 0;
      personPx += inside[i]!;
    }
    const normals = this.normals;
    const confidence = this.confidence;
    normals.fill(0);
    confidence.fill(0);
    if (personPx === 0) return { grid, normals, confidence, mask, personPx };

    const dist = distanceToSeeds(W, H, (i) => inside[i] === 0, pixelWidth, pixelHeight, this.dist, this.scratch ?? undefined);
    // Sub-pixel outline: the threshold crossing lies about where the mask passes `threshold` between a person and
    // a background pixel; half a pixel is the unbiased guess on a binary mask.
    const half = 0.5 * Math.min(pixelWidth, pixelHeight);
    const height = this.height;
    for (let i = 0; i < n; i++) {
      if (!inside[i]) {
        height[i] = 0;
        continue;
      }
      // A person with no background pixel on the grid: flat (facing the camera).
      const d = Number.isFinite(dist[i]!) ? Math.max(dist[i]! - half, 0.25 * half) : R;
      height[i] = d >= R ? R : Math.sqrt(2 * R * d - d * d);
    }
    const sigma = opts.blurSigmaFrac ?? 0.015;
    if (sigma / pixelHeight > 0.3) this.blurInside(height, inside, W, H, sigma / pixelWidth, sigma / pixelHeight);

    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        if (!inside[i]) continue;
        // Beyond the grid edge the body continues: clamp (one-sided difference) rather than drop to 0.
        const hl = x > 0 ? height[i - 1]! : height[i]!;
        const hr = x < W - 1 ? height[i + 1]! : height[i]!;
        const hu = y > 0 ? height[i - W]! : height[i]!;
        const hd = y < H - 1 ? height[i + W]! : height[i]!;
        const spanX = (x > 0 ? 1 : 0) + (x < W - 1 ? 1 : 0);
        const spanY = (y > 0 ? 1 : 0) + (y < H - 1 ? 1 : 0);
        const dhdx = spanX ? (hr - hl) / (spanX * pixelWidth) : 0;
        // Grid rows go down, camera +y goes up.
        const dhdy = spanY ? -(hd - hu) / (spanY * pixelHeight) : 0;
        const l = Math.hypot(dhdx, dhdy, 1);
        normals[3 * i] = -dhdx / l;
        normals[3 * i + 1] = -dhdy / l;
        normals[3 * i + 2] = 1 / l;
        confidence[i] = confidenceScale * Math.min(1, Math.max(0, mask[i]!));
      }
    }
    return { grid, normals, confidence, mask, personPx };
  }

  /**
   * Separable Gaussian of h over person pixels, background counting as h = 0 (the profile must still fall to 0
   * at the outline); taps beyond the grid edge are dropped and renormalised (the body continues there).
   */
  private blurInside(h: Float32Array, inside: Uint8Array, W: number, H: number, sigmaXPx: number, sigmaYPx: number): void {
    let k = gaussianKernel(sigmaXPx);
    let r = (k.length - 1) / 2;
    const tmp = this.tmp;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        if (!inside[i]) {
          tmp[i] = 0;
          continue;
        }
        let s = 0, w = 0;
        for (let j = -r; j <= r; j++) {
          const xx = x + j;
          if (xx < 0 || xx >= W) continue;
          const ii = i + j;
          // Outside pixels count with h = 0: the profile must still reach 0 at the outline.
          s += k[j + r]! * (inside[ii] ? h[ii]! : 0);
          w += k[j + r]!;
        }
        tmp[i] = s / w;
      }
    }
    k = gaussianKernel(sigmaYPx);
    r = (k.length - 1) / 2;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        if (!inside[i]) continue;
        let s = 0, w = 0;
        for (let j = -r; j <= r; j++) {
          const yy = y + j;
          if (yy < 0 || yy >= H) continue;
          const ii = i + j * W;
          s += k[j + r]! * tmp[ii]!;
          w += k[j + r]!;
        }
        h[i] = s / w;
      }
    }
  }
}
