/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012, "Distance Transforms of Sampled
 * Functions"): two separable passes of the 1D lower envelope of parabolas. Pure, no allocation per call when
 * scratch buffers are passed back in. Pixels may be non-square (`pixelWidth`, `pixelHeight` in any unit), which
 * the geometry grid needs when it is stretched over a frame of another aspect.
 */

/** 'Far' as a finite number: Infinity - Infinity would make NaN in the envelope maths. */
const INF = 1e20;

export interface DistanceScratch {
  f: Float64Array;
  d: Float64Array;
  v: Int32Array;
  z: Float64Array;
}

export function createDistanceScratch(maxSide: number): DistanceScratch {
  return { f: new Float64Array(maxSide), d: new Float64Array(maxSide), v: new Int32Array(maxSide), z: new Float64Array(maxSide + 1) };
}

/** 1D squared distance transform of f[0..n) with squared sample spacing w2; result in s.d. */
function transform1d(s: DistanceScratch, n: number, w2: number): void {
  const { f, d, v, z } = s;
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    const fq = f[q]! + w2 * q * q;
    let p = v[k]!;
    let sv = (fq - (f[p]! + w2 * p * p)) / (2 * w2 * (q - p));
    // z[0] is -Infinity and f is finite, so k never goes below 0.
    while (sv <= z[k]!) {
      k--;
      p = v[k]!;
      sv = (fq - (f[p]! + w2 * p * p)) / (2 * w2 * (q - p));
    }
    k++;
    v[k] = q;
    z[k] = sv;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const p = v[k]!;
    d[q] = w2 * (q - p) * (q - p) + f[p]!;
  }
}

/**
 * For every pixel, the distance to the nearest pixel where `isSeed(i)` is true (0 on seeds). Distances are in the
 * units of pixelWidth/pixelHeight. With no seed at all, every value is +Infinity.
 */
export function distanceToSeeds(
  widthPx: number,
  heightPx: number,
  isSeed: (index: number) => boolean,
  pixelWidth = 1,
  pixelHeight = 1,
  out?: Float32Array,
  scratch?: DistanceScratch,
): Float32Array {
  const n = widthPx * heightPx;
  const dist = out && out.length === n ? out : new Float32Array(n);
  const s = scratch && scratch.f.length >= Math.max(widthPx, heightPx) ? scratch : createDistanceScratch(Math.max(widthPx, heightPx));
  const grid = new Float64Array(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    const seed = isSeed(i);
    any ||= seed;
    grid[i] = seed ? 0 : INF;
  }
  if (!any) {
    dist.fill(Infinity);
    return dist;
  }
  const wx2 = pixelWidth * pixelWidth;
  const wy2 = pixelHeight * pixelHeight;
  // Columns first, then rows.
  for (let x = 0; x < widthPx; x++) {
    for (let y = 0; y < heightPx; y++) s.f[y] = grid[y * widthPx + x]!;
    transform1d(s, heightPx, wy2);
    for (let y = 0; y < heightPx; y++) grid[y * widthPx + x] = s.d[y]!;
  }
  for (let y = 0; y < heightPx; y++) {
    const row = y * widthPx;
    for (let x = 0; x < widthPx; x++) s.f[x] = grid[row + x]!;
    transform1d(s, widthPx, wx2);
    for (let x = 0; x < widthPx; x++) dist[row + x] = Math.sqrt(s.d[x]!);
  }
  return dist;
}
