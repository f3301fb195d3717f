/**
 * Image-quality metrics for tests and `npm run eval`: PAL-aligned PSNR, SSIM, CIEDE2000. Pure TypeScript.
 *
 * Images are interleaved float arrays with `channels` values per pixel, in whatever space the caller says
 * (the functions here do not decode sRGB except `srgbToLab`). A `region` selects pixels: one value per pixel,
 * nonzero = in the region; omitted = every pixel.
 */

export type Region = ArrayLike<number> | null | undefined;

function inRegion(region: Region, p: number): boolean {
  return !region || region[p] !== 0;
}

function pixelCount(data: ArrayLike<number>, channels: number): number {
  if (data.length % channels !== 0) throw new Error(`[metrics] length ${data.length} is not a multiple of ${channels} channels`);
  return data.length / channels;
}

// ------------------------------------------------------------------------------------------------------------
// PAL: photometric alignment

export interface AffineColourMap {
  readonly channels: number;
  /** C x C, row-major: out_i = sum_j A[i*C+j] p_j + b_i. */
  readonly A: Float64Array;
  readonly b: Float64Array;
}

/** Solves X * M = Y for X (C x C), M symmetric positive definite, by Gauss-Jordan on the small system. */
function rightSolve(Y: Float64Array, M: Float64Array, C: number): Float64Array {
  // X M = Y  <=>  M^T X^T = Y^T, and M is symmetric, so solve M X^T = Y^T column by column.
  const a = new Float64Array(C * 2 * C);
  const X = new Float64Array(C * C);
  for (let row = 0; row < C; row++) {
    // Augmented [M | y] where y = row `row` of Y (a column of Y^T).
    for (let i = 0; i < C; i++) {
      for (let j = 0; j < C; j++) a[i * (C + 1) + j] = M[i * C + j]!;
      a[i * (C + 1) + C] = Y[row * C + i]!;
    }
    for (let col = 0; col < C; col++) {
      let piv = col;
      for (let i = col + 1; i < C; i++) if (Math.abs(a[i * (C + 1) + col]!) > Math.abs(a[piv * (C + 1) + col]!)) piv = i;
      if (piv !== col) {
        for (let j = 0; j <= C; j++) {
          const t = a[col * (C + 1) + j]!;
          a[col * (C + 1) + j] = a[piv * (C + 1) + j]!;
          a[piv * (C + 1) + j] = t;
        }
      }
      const d = a[col * (C + 1) + col]!;
      if (d === 0) throw new Error('[metrics] singular covariance in PAL fit (use lambda > 0)');
      for (let i = 0; i < C; i++) {
        if (i === col) continue;
        const f = a[i * (C + 1) + col]! / d;
        if (f === 0) continue;
        for (let j = col; j <= C; j++) a[i * (C + 1) + j] = a[i * (C + 1) + j]! - f * a[col * (C + 1) + j]!;
      }
    }
    for (let i = 0; i < C; i++) X[row * C + i] = a[i * (C + 1) + C]! / a[i * (C + 1) + i]!;
  }
  return X;
}

/**
 * Closed-form PAL fit (per sample, over a region): A = Cov(T,P) (Cov(P,P) + lambda I)^-1,
 * b = mean(T) - A mean(P). With lambda = 0 and P of full rank it recovers an exact affine map T = A P + b.
 * A small lambda keeps the fit defined when P has no variance in some direction (e.g. gray images as RGB).
 */
export function palFit(pred: ArrayLike<number>, target: ArrayLike<number>, channels: number, region?: Region, lambda = 1e-4): AffineColourMap {
  const C = channels;
  const n = pixelCount(pred, C);
  if (target.length !== pred.length) throw new Error('[metrics] pred and target differ in size');
  const mp = new Float64Array(C), mt = new Float64Array(C);
  let count = 0;
  for (let p = 0; p < n; p++) {
    if (!inRegion(region, p)) continue;
    for (let c = 0; c < C; c++) {
      mp[c] = mp[c]! + pred[p * C + c]!;
      mt[c] = mt[c]! + target[p * C + c]!;
    }
    count++;
  }
  if (count === 0) throw new Error('[metrics] empty region');
  for (let c = 0; c < C; c++) { mp[c] = mp[c]! / count; mt[c] = mt[c]! / count; }
  const cpp = new Float64Array(C * C), ctp = new Float64Array(C * C);
  const dp = new Float64Array(C), dt = new Float64Array(C);
  for (let p = 0; p < n; p++) {
    if (!inRegion(region, p)) continue;
    for (let c = 0; c < C; c++) {
      dp[c] = pred[p * C + c]! - mp[c]!;
      dt[c] = target[p * C + c]! - mt[c]!;
    }
    for (let i = 0; i < C; i++) {
      for (let j = 0; j < C; j++) {
        cpp[i * C + j] = cpp[i * C + j]! + dp[i]! * dp[j]!;
        ctp[i * C + j] = ctp[i * C + j]! + dt[i]! * dp[j]!;
      }
    }
  }
  for (let i = 0; i < C * C; i++) { cpp[i] = cpp[i]! / count; ctp[i] = ctp[i]! / count; }
  for (let i = 0; i < C; i++) cpp[i * C + i] = cpp[i * C + i]! + lambda;
  const A = rightSolve(ctp, cpp, C);
  const b = new Float64Array(C);
  for (let i = 0; i < C; i++) {
    let s = mt[i]!;
    for (let j = 0; j < C; j++) s -= A[i * C + j]! * mp[j]!;
    b[i] = s;
  }
  return { channels: C, A, b };
}

export function palApply(map: AffineColourMap, pred: ArrayLike<number>, out = new Float32Array(pred.length)): Float32Array {
  const C = map.channels;
  const n = pixelCount(pred, C);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < C; i++) {
      let s = map.b[i]!;
      for (let j = 0; j < C; j++) s += map.A[i * C + j]! * pred[p * C + j]!;
      out[p * C + i] = s;
    }
  }
  return out;
}

export function mse(a: ArrayLike<number>, b: ArrayLike<number>, channels: number, region?: Region): number {
  const n = pixelCount(a, channels);
  if (a.length !== b.length) throw new Error('[metrics] sizes differ');
  let s = 0, count = 0;
  for (let p = 0; p < n; p++) {
    if (!inRegion(region, p)) continue;
    for (let c = 0; c < channels; c++) {
      const d = a[p * channels + c]! - b[p * channels + c]!;
      s += d * d;
    }
    count += channels;
  }
  if (count === 0) throw new Error('[metrics] empty region');
  return s / count;
}

/** PSNR in dB for signals with peak `peak` (1 for 0..1 floats). Identical images give +Infinity. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, channels: number, region?: Region, peak = 1): number {
  const m = mse(a, b, channels, region);
  return m === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((peak * peak) / m);
}

/**
 * PAL-aligned PSNR: fit the affine colour map from pred to target over the region, apply it, PSNR over the
 * region. It forgives global exposure/white-balance differences; keep an unaligned metric beside it when those
 * matter (a preset's tint is intended).
 */
export function palPsnr(pred: ArrayLike<number>, target: ArrayLike<number>, channels: number, region?: Region, lambda = 1e-4, peak = 1): number {
  const map = palFit(pred, target, channels, region, lambda);
  return psnr(palApply(map, pred), target, channels, region, peak);
}

// ------------------------------------------------------------------------------------------------------------
// SSIM

export interface SsimOptions {
  /** Gaussian sigma of the window (Wang et al. 2004: 1.5). */
  readonly sigma: number;
  /** Window radius = round(truncate * sigma) (scikit-image: truncate 3.5 -> radius 5, an 11x11 window). */
  readonly truncate: number;
  readonly dataRange: number;
  readonly k1: number;
  readonly k2: number;
}

const SSIM_DEFAULTS: SsimOptions = { sigma: 1.5, truncate: 3.5, dataRange: 1, k1: 0.01, k2: 0.03 };

/**
 * Mean SSIM of two grayscale images (Wang et al. 2004), Gaussian-weighted window, population covariances. Like
 * scikit-image's structural_similarity(gaussian_weights=True, use_sample_covariance=False), the mean is taken
 * over pixels at least `radius` from the border (where the window fits), intersected with `region`.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, widthPx: number, heightPx: number, region?: Region, options: Partial<SsimOptions> = {}): number {
  const o = { ...SSIM_DEFAULTS, ...options };
  const W = widthPx, H = heightPx;
  if (a.length !== W * H || b.length !== W * H) throw new Error('[ssim] images must be W*H grayscale');
  const r = Math.floor(o.truncate * o.sigma + 0.5);
  const k = new Float64Array(2 * r + 1);
  let ks = 0;
  for (let i = -r; i <= r; i++) { k[i + r] = Math.exp((-i * i) / (2 * o.sigma * o.sigma)); ks += k[i + r]!; }
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / ks;
  // Separable filtering of a, b, a^2, b^2, ab; borders are excluded from the mean, so no padding rule matters
  // except that taps must stay in range (clamped; those outputs are never used).
  const fields = [new Float64Array(W * H), new Float64Array(W * H), new Float64Array(W * H), new Float64Array(W * H), new Float64Array(W * H)];
  for (let p = 0; p < W * H; p++) {
    const x = a[p]!, y = b[p]!;
    fields[0]![p] = x; fields[1]![p] = y; fields[2]![p] = x * x; fields[3]![p] = y * y; fields[4]![p] = x * y;
  }
  const tmp = new Float64Array(W * H);
  for (const f of fields) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let t = -r; t <= r; t++) s += k[t + r]! * f[y * W + Math.min(W - 1, Math.max(0, x + t))]!;
        tmp[y * W + x] = s;
      }
    }
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let t = -r; t <= r; t++) s += k[t + r]! * tmp[Math.min(H - 1, Math.max(0, y + t)) * W + x]!;
        f[y * W + x] = s;
      }
    }
  }
  const c1 = (o.k1 * o.dataRange) ** 2, c2 = (o.k2 * o.dataRange) ** 2;
  let sum = 0, count = 0;
  for (let y = r; y < H - r; y++) {
    for (let x = r; x < W - r; x++) {
      const p = y * W + x;
      if (!inRegion(region, p)) continue;
      const ma = fields[0]![p]!, mb = fields[1]![p]!;
      const va = fields[2]![p]! - ma * ma, vb = fields[3]![p]! - mb * mb, cab = fields[4]![p]! - ma * mb;
      sum += ((2 * ma * mb + c1) * (2 * cab + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      count++;
    }
  }
  if (count === 0) throw new Error('[ssim] no pixel of the region lies inside the valid window area');
  return sum / count;
}

// ------------------------------------------------------------------------------------------------------------
// CIEDE2000

export type Lab = readonly [number, number, number];

/** D65 reference white (2 degree observer), the white of sRGB. */
const XN = 0.95047, YN = 1.0, ZN = 1.08883;

/** sRGB-encoded 0..1 triple -> CIELAB (D65). */
export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const lin = (v: number) => (v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
  const R = lin(r), G = lin(g), B = lin(b);
  const X = 0.4124564 * R + 0.3575761 * G + 0.1804375 * B;
  const Y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const Z = 0.0193339 * R + 0.119192 * G + 0.9503041 * B;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const fx = f(X / XN), fy = f(Y / YN), fz = f(Z / ZN);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

const DEG = Math.PI / 180;

/** CIEDE2000 colour difference (Sharma, Wu & Dalal 2005, with kL = kC = kH = 1 by default). */
export function ciede2000(lab1: Lab, lab2: Lab, kL = 1, kC = 1, kH = 1): number {
  const [L1, a1, b1] = lab1;
  const [L2, a2, b2] = lab2;
  const C1 = Math.hypot(a1, b1), C2 = Math.hypot(a2, b2);
  const Cbar = (C1 + C2) / 2;
  const Cbar7 = Cbar ** 7;
  const G = 0.5 * (1 - Math.sqrt(Cbar7 / (Cbar7 + 25 ** 7)));
  const a1p = (1 + G) * a1, a2p = (1 + G) * a2;
  const C1p = Math.hypot(a1p, b1), C2p = Math.hypot(a2p, b2);
  const hp = (b: number, a: number) => {
    if (b === 0 && a === 0) return 0;
    const h = Math.atan2(b, a) / DEG;
    return h < 0 ? h + 360 : h;
  };
  const h1p = hp(b1, a1p), h2p = hp(b2, a2p);
  const dLp = L2 - L1;
  const dCp = C2p - C1p;
  let dhp = 0;
  if (C1p * C2p !== 0) {
    dhp = h2p - h1p;
    if (dhp > 180) dhp -= 360;
    else if (dhp < -180) dhp += 360;
  }
  const dHp = 2 * Math.sqrt(C1p * C2p) * Math.sin((dhp / 2) * DEG);
  const Lbarp = (L1 + L2) / 2;
  const Cbarp = (C1p + C2p) / 2;
  let hbarp = h1p + h2p;
  if (C1p * C2p !== 0) {
    if (Math.abs(h1p - h2p) <= 180) hbarp = (h1p + h2p) / 2;
    else hbarp = h1p + h2p < 360 ? (h1p + h2p + 360) / 2 : (h1p + h2p - 360) / 2;
  }
  const T = 1 - 0.17 * Math.cos((hbarp - 30) * DEG) + 0.24 * Math.cos(2 * hbarp * DEG) +
    0.32 * Math.cos((3 * hbarp + 6) * DEG) - 0.2 * Math.cos((4 * hbarp - 63) * DEG);
  const dTheta = 30 * Math.exp(-(((hbarp - 275) / 25) ** 2));
  const Cbarp7 = Cbarp ** 7;
  const Rc = 2 * Math.sqrt(Cbarp7 / (Cbarp7 + 25 ** 7));
  const Sl = 1 + (0.015 * (Lbarp - 50) ** 2) / Math.sqrt(20 + (Lbarp - 50) ** 2);
  const Sc = 1 + 0.045 * Cbarp;
  const Sh = 1 + 0.015 * Cbarp * T;
  const Rt = -Math.sin(2 * dTheta * DEG) * Rc;
  const l = dLp / (kL * Sl), c = dCp / (kC * Sc), h = dHp / (kH * Sh);
  return Math.sqrt(l * l + c * c + h * h + Rt * c * h);
}

/**
 * Mean CIEDE2000 between two sRGB images (interleaved, 3 or 4 channels per pixel; 0..1 floats, or 0..255 when
 * `scale255`), over a region.
 */
export function meanDeltaE2000(a: ArrayLike<number>, b: ArrayLike<number>, channels: 3 | 4, region?: Region, scale255 = false): number {
  const n = pixelCount(a, channels);
  if (a.length !== b.length) throw new Error('[metrics] sizes differ');
  const s = scale255 ? 1 / 255 : 1;
  let sum = 0, count = 0;
  for (let p = 0; p < n; p++) {
    if (!inRegion(region, p)) continue;
    const o = p * channels;
    const la = srgbToLab(a[o]! * s, a[o + 1]! * s, a[o + 2]! * s);
    const lb = srgbToLab(b[o]! * s, b[o + 1]! * s, b[o + 2]! * s);
    sum += ciede2000(la, lb);
    count++;
  }
  if (count === 0) throw new Error('[metrics] empty region');
  return sum / count;
}
