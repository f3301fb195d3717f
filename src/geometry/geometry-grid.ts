/**
 * The geometry grid: the low-resolution raster every estimator writes (normals, confidence).
 *
 * Convention: the grid covers the WHOLE frame (no crop, no letterbox). Grid pixel (i, j) has its centre at
 * normalised frame coordinates u = (i + 0.5) / widthPx, v = (j + 0.5) / heightPx (origin top-left, v down), so a
 * renderer samples it with the frame's own UVs. By default the long side is 128 px and the short side follows the
 * frame's aspect (640x480 -> 128x96, 1280x720 -> 128x72), so grid pixels are square; callers may force any size
 * (pixels are then non-square and every computation here accounts for it).
 *
 * Physical unit used by the geometry code: the frame HEIGHT = 1. A grid pixel is `frameAspect / widthPx` wide
 * and `1 / heightPx` tall in that unit.
 */
export interface GeometryGrid {
  readonly widthPx: number;
  readonly heightPx: number;
  /** frame width / frame height. */
  readonly frameAspect: number;
}

export const DEFAULT_GEOMETRY_LONG_SIDE_PX = 128;

export interface GridSizeOptions {
  /** Long side of the grid when width/height are not forced. */
  longSidePx?: number;
  widthPx?: number;
  heightPx?: number;
}

export function geometryGridFor(frameWidthPx: number, frameHeightPx: number, opts: GridSizeOptions = {}): GeometryGrid {
  const frameAspect = frameWidthPx / frameHeightPx;
  if (opts.widthPx && opts.heightPx) return { widthPx: opts.widthPx, heightPx: opts.heightPx, frameAspect };
  const longSide = opts.longSidePx ?? DEFAULT_GEOMETRY_LONG_SIDE_PX;
  if (frameAspect >= 1) {
    return { widthPx: longSide, heightPx: Math.max(1, Math.round(longSide / frameAspect)), frameAspect };
  }
  return { widthPx: Math.max(1, Math.round(longSide * frameAspect)), heightPx: longSide, frameAspect };
}

/** Width and height of one grid pixel in frame-height units. */
export function gridPixelSize(grid: GeometryGrid): { pixelWidth: number; pixelHeight: number } {
  return { pixelWidth: grid.frameAspect / grid.widthPx, pixelHeight: 1 / grid.heightPx };
}

export function sameGrid(a: GeometryGrid | null, b: GeometryGrid): boolean {
  return !!a && a.widthPx === b.widthPx && a.heightPx === b.heightPx && Math.abs(a.frameAspect - b.frameAspect) < 1e-6;
}
