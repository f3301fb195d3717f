/**
 * Prior (d): shape from shading under the fitted SH light, a slow per-image refinement of the analytic prior's
 * face normals, offline (`node scripts/sfs-priors.mjs --dir <dump-priors folder>` adds <id>_normal_sfs.png and
 * <id>_conf_sfs.png to a dump): ~1.5 s per 256x256 image here, far too slow for every frame.
 *
 * STATUS (measured, models/MODELS.md): on synthetic Lambertian faces it recovers most of a nose/eye-socket shape
 * the prior lacks (8.1 -> 4.9 deg); on held-out Yale B photos it makes the prior WORSE (face region 15.5 -> 17.5
 * deg: cast shadows of the point lights, grey albedo with no chromaticity cue, and landmark misregistration that
 * the SH model cannot see; conservative options, e.g. heightSmooth 0.05 / darkLinear 0.04 / robustScale 0.05, are
 * neutral there: 15.3 deg), so it is NOT used to train the student. Kept, with its test, as the measured baseline
 * for the next attempt (shadow-aware data weights, per-subject albedo).
 *
 * Why: the face-mesh prior is a mean face shape posed by landmarks; the image's own shading says where the nose,
 * cheeks and eye sockets really turn. Lambertian image model on the luminance: Y = rho * S(n), S(n) = l . b(n)
 * with b the 9 real SH basis functions (src/core/sh.ts), l the (irradiance-ready) light, rho the albedo.
 *
 * Algorithm (alternating, all closed form, no learning):
 * 1. data weights: face region (face confidence), not too dark (cast/attached shadow, noise), not clipped, and,
 *    for colour input, close to the face's median chromaticity (brows, lips, eyes, beard are albedo, not shape);
 * 2. light: robust ridge least squares of Y ~ rho * l . b(n) over the weighted pixels (rho = 1 at first);
 * 3. albedo: rho = Y / S(n), smoothed with a wide confidence-weighted Gaussian (albedo is taken to vary slowly over
 *    skin; what the smooth albedo cannot explain is left to the normals) and normalised to mean 1;
 * 4. normals: Gauss-Newton steps on an integrable height correction added to the prior's slopes (HeightSolver,
 *    conjugate gradients inside), robust (Cauchy) weights on the shading residual so that specularities, eyes and
 *    cast shadows do not carve the surface; a per-pixel normal solver was tried first and fixed only the component
 *    along the shading gradient (synthetic faces: 8.1 -> 6.5 deg vs 4.9 deg with heights);
 * 5. repeat 2-4 a few rounds.
 * Output confidence: the smaller of the face confidence and the data support (data weight x how well the final
 * shading explains the pixel, smoothed). Outside the face the prior is returned unchanged (hair and clothes have no usable
 * albedo model).
 *
 * Pure TypeScript (no DOM): runs in pages, workers and Node tests. Everything is on the caller's grid, taken to have
 * square pixels (the dump grids do).
 */
import { SH_C0, SH_C1, SH_C2, SH_C3, SH_C4, shBasis } from '../core/sh.js';
import { solveSpd } from '../gpu/relight-math.js';

export interface SfsInput {
  readonly widthPx: number;
  readonly heightPx: number;
  /** Linear RGB (3 floats per pixel, 0..1). Grey input (R = G = B) disables the chromaticity weight. */
  readonly rgbLinear: Float32Array;
  /** The prior's unit normals (3 per pixel, camera space, zero where unknown). */
  readonly normals: Float32Array;
  /** The prior's confidence (0 outside the person). */
  readonly confidence: Float32Array;
  /** Where the refinement may act (the face-mesh confidence); outside it the prior is returned unchanged. */
  readonly faceConfidence: Float32Array;
}

export interface SfsOptions {
  /** Outer rounds of light -> albedo -> normals. Default 4. */
  rounds?: number;
  /** Gauss-Newton steps per round and CG iterations per step. Defaults 3 and 40. */
  gnSteps?: number;
  cgIterations?: number;
  /** Weight of |grad d|^2 on the height correction d (grid pixels). Default 0.01. */
  heightSmooth?: number;
  /** Albedo smoothing sigma as a fraction of the face's size (sqrt of its area). Default 0.12. */
  albedoSigmaFrac?: number;
  /** Cauchy scale of the relative shading residual. Default 0.08. */
  robustScale?: number;
  /** Ridge on the non-DC light coefficients, relative to the data's DC energy. Default 1e-3. */
  ridge?: number;
  /** Luminance below this (linear) is shadow/noise: no data. Default 0.01. */
  darkLinear?: number;
  /** Luminance above this (linear) is clipped: no data. Default 0.9. */
  clipLinear?: number;
}

export interface SfsResult {
  /** Refined unit normals (3 per pixel); equal to the prior outside the face. */
  readonly normals: Float32Array;
  /** Where the refinement is trusted (0..1); 0 outside the face. */
  readonly confidence: Float32Array;
  /** The fitted luminance light: 9 irradiance-ready SH coefficients (albedo scale folded in). */
  readonly light: Float64Array;
  /** Relative luminance albedo (mean 1 over the face), 0 outside it. */
  readonly albedo: Float32Array;
  readonly stats: {
    /** Face pixels with data weight > 0.5. */
    readonly dataPixels: number;
    /** Weighted RMS of (rho S(n) - Y) / mean(Y) with the prior normals and with the refined ones. */
    readonly relResidualPrior: number;
    readonly relResidualRefined: number;
    /** Mean angle between refined and prior normals over the face, degrees. */
    readonly meanChangeDeg: number;
    readonly ms: number;
  };
}

const DEFAULTS: Required<SfsOptions> = {
  rounds: 4, gnSteps: 3, cgIterations: 40, heightSmooth: 0.01, albedoSigmaFrac: 0.25, robustScale: 0.08,
  ridge: 1e-3, darkLinear: 0.01, clipLinear: 0.9,
};

/** Runs the refinement; BORROWS the input arrays, returns fresh ones. */
export function refineShapeFromShading(input: SfsInput, options: SfsOptions = {}): SfsResult {
  const t0 = typeof performance !== 'undefined' ? performance.now() : Date.now();
  const o = { ...DEFAULTS, ...options };
  const { widthPx: w, heightPx: h, rgbLinear, normals: prior, confidence, faceConfidence: face } = input;
  const n = w * h;
  if (rgbLinear.length !== 3 * n || prior.length !== 3 * n || confidence.length !== n || face.length !== n) {
    throw new RangeError(`[SfsRefine] array sizes do not match a ${w}x${h} grid`);
  }
  const out = Float32Array.from(prior);
  const conf = new Float32Array(n);
  const albedo = new Float32Array(n);
  const light = new Float64Array(9);

  // Luminance, the face region (where the refinement acts) and the static part of the data weight.
  const Y = new Float32Array(n);
  const valid = new Float32Array(n);
  const region = new Uint8Array(n);
  let faceArea = 0;
  let grey = true;
  for (let i = 0; i < n; i++) {
    const r = rgbLinear[3 * i]!, g = rgbLinear[3 * i + 1]!, b = rgbLinear[3 * i + 2]!;
    Y[i] = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    if (Math.abs(r - g) > 1e-3 || Math.abs(g - b) > 1e-3) grey = false;
    const f = face[i]!;
    if (f > 0 && confidence[i]! > 0 && prior[3 * i + 2]! > 0) {
      region[i] = 1;
      faceArea += f;
    }
  }
  const emptyStats = { dataPixels: 0, relResidualPrior: 0, relResidualRefined: 0, meanChangeDeg: 0 };
  if (faceArea < 16) {
    return { normals: out, confidence: conf, light, albedo, stats: { ...emptyStats, ms: elapsed(t0) } };
  }
  const skin = grey ? null : medianChromaticity(rgbLinear, face, n);
  for (let i = 0; i < n; i++) {
    if (!region[i]) continue;
    const f = face[i]!, y = Y[i]!;
    // Smooth ramps, not hard cuts: the weight map must not introduce edges the normals would follow.
    let v = f * ramp(y, o.darkLinear, 2 * o.darkLinear) * (1 - ramp(y, o.clipLinear - 0.05, o.clipLinear));
    if (skin) {
      const s = rgbLinear[3 * i]! + rgbLinear[3 * i + 1]! + rgbLinear[3 * i + 2]! + 1e-6;
      const dr = rgbLinear[3 * i]! / s - skin[0], dg = rgbLinear[3 * i + 1]! / s - skin[1];
      v *= Math.exp(-(dr * dr + dg * dg) / (0.035 * 0.035));
    }
    valid[i] = v;
  }

  const sigmaPx = Math.max(1.5, o.albedoSigmaFrac * Math.sqrt(faceArea));
  const robust = new Float32Array(n).fill(1);
  const S = new Float32Array(n);
  const rho = new Float32Array(n).fill(1);
  const cur = out;            // refined in place
  let meanY = 0, wsum = 0;
  for (let i = 0; i < n; i++) { meanY += valid[i]! * Y[i]!; wsum += valid[i]!; }
  meanY = wsum > 0 ? meanY / wsum : 0;
  if (!(meanY > 0)) return { normals: out, confidence: conf, light, albedo, stats: { ...emptyStats, ms: elapsed(t0) } };
  // Work on Y / mean(Y): the weights below are then independent of exposure.
  for (let i = 0; i < n; i++) Y[i] = Y[i]! / meanY;

  const height = new HeightSolver(w, h, prior, region);
  let relResidualPrior = -1;
  for (let round = 0; round < o.rounds; round++) {
    // 2. light, robust ridge LS of Y ~ rho * l.b(n).
    if (!fitLight(cur, Y, rho, valid, robust, n, o.ridge, light)) break;
    // 3. albedo = Y / S, smoothed (confidence-weighted) and normalised to mean 1 over the face.
    shade(cur, light, n, S);
    const ratio = new Float32Array(n), rw = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const wi = valid[i]! * robust[i]!;
      if (wi > 0 && S[i]! > 1e-4) { ratio[i] = wi * (Y[i]! / S[i]!); rw[i] = wi; }
    }
    const num = gaussianBlur(ratio, w, h, sigmaPx), den = gaussianBlur(rw, w, h, sigmaPx);
    let rmean = 0, rcount = 0;
    for (let i = 0; i < n; i++) {
      rho[i] = den[i]! > 1e-3 ? num[i]! / den[i]! : 1;
      if (valid[i]! > 0) { rmean += rho[i]!; rcount++; }
    }
    rmean = rcount > 0 ? rmean / rcount : 1;
    for (let i = 0; i < n; i++) rho[i] = rho[i]! / rmean;
    for (let k = 0; k < 9; k++) light[k] = light[k]! * rmean;
    // Robust weights from the current residual.
    shade(cur, light, n, S);
    const res = residualRms(Y, rho, S, valid, n);
    if (relResidualPrior < 0) relResidualPrior = res;
    const c2 = o.robustScale ** 2;
    for (let i = 0; i < n; i++) {
      const e = rho[i]! * S[i]! - Y[i]!;
      robust[i] = 1 / (1 + (e * e) / c2);
    }
    // 4. normals.
    for (let k = 0; k < o.gnSteps; k++) height.step(cur, Y, rho, valid, robust, light, o.heightSmooth, o.cgIterations);
  }

  // Final residual, confidence and albedo.
  shade(cur, light, n, S);
  const relResidualRefined = residualRms(Y, rho, S, valid, n);
  for (let k = 0; k < 9; k++) light[k] = light[k]! * meanY;
  const c2 = o.robustScale ** 2;
  const support = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (!(valid[i]! > 0)) continue;
    const e = rho[i]! * S[i]! - Y[i]!;
    support[i] = valid[i]! / (1 + (e * e) / c2);
  }
  const supportBlur = gaussianBlur(support, w, h, 1.5);
  let dataPixels = 0, change = 0, changeW = 0;
  for (let i = 0; i < n; i++) {
    const f = face[i]!;
    if (!region[i]) {
      // Outside the face: the prior, untouched.
      cur[3 * i] = prior[3 * i]!; cur[3 * i + 1] = prior[3 * i + 1]!; cur[3 * i + 2] = prior[3 * i + 2]!;
      continue;
    }
    if (valid[i]! > 0.5) dataPixels++;
    conf[i] = Math.min(f, supportBlur[i]!);
    albedo[i] = rho[i]!;
    const d = cur[3 * i]! * prior[3 * i]! + cur[3 * i + 1]! * prior[3 * i + 1]! + cur[3 * i + 2]! * prior[3 * i + 2]!;
    change += f * Math.acos(Math.min(1, Math.max(-1, d)));
    changeW += f;
  }
  return {
    normals: cur, confidence: conf, light, albedo,
    stats: {
      dataPixels, relResidualPrior: Math.max(0, relResidualPrior), relResidualRefined,
      meanChangeDeg: changeW > 0 ? (change / changeW) * 180 / Math.PI : 0, ms: elapsed(t0),
    },
  };
}

function elapsed(t0: number): number {
  return (typeof performance !== 'undefined' ? performance.now() : Date.now()) - t0;
}

function ramp(x: number, a: number, b: number): number {
  return x <= a ? 0 : x >= b ? 1 : (x - a) / (b - a);
}

function shade(nrm: Float32Array, l: Float64Array, n: number, S: Float32Array): void {
  for (let i = 0; i < n; i++) S[i] = shadeLum(l, nrm[3 * i]!, nrm[3 * i + 1]!, nrm[3 * i + 2]!);
}

function residualRms(Y: Float32Array, rho: Float32Array, S: Float32Array, valid: Float32Array, n: number): number {
  let e2 = 0, ws = 0;
  for (let i = 0; i < n; i++) {
    const v = valid[i]!;
    if (!(v > 0)) continue;
    const e = rho[i]! * S[i]! - Y[i]!;
    e2 += v * e * e;
    ws += v;
  }
  return ws > 0 ? Math.sqrt(e2 / ws) : 0;
}

/** Weighted ridge LS of Y ~ rho * l.b(n); the DC term is not shrunk. Returns false when singular. */
function fitLight(nrm: Float32Array, Y: Float32Array, rho: Float32Array, valid: Float32Array, robust: Float32Array,
  n: number, ridge: number, l: Float64Array): boolean {
  const M = new Float64Array(81), r = new Float64Array(9), b = new Float64Array(9);
  for (let i = 0; i < n; i++) {
    const wi = valid[i]! * robust[i]!;
    if (!(wi > 0)) continue;
    shBasis(nrm[3 * i]!, nrm[3 * i + 1]!, nrm[3 * i + 2]!, b);
    const a = rho[i]!;
    for (let p = 0; p < 9; p++) {
      const bp = wi * a * b[p]!;
      r[p] = r[p]! + (bp * Y[i]!);
      for (let q = 0; q <= p; q++) M[p * 9 + q] = M[p * 9 + q]! + (bp * a * b[q]!);
    }
  }
  for (let p = 0; p < 9; p++) for (let q = 0; q < p; q++) M[q * 9 + p] = M[p * 9 + q]!;
  const lam = ridge * Math.max(M[0]!, 1e-12) / (SH_C0 * SH_C0);
  for (let p = 1; p < 9; p++) M[p * 9 + p] = M[p * 9 + p]! + (lam);
  const x = solveSpd(M, r, 9);
  if (!x) return false;
  l.set(x);
  return true;
}

/**
 * Integrable refinement: the surface slope is the prior's plus the gradient of a height correction d (grid pixels,
 * toward the camera), a = a0 + Dx d, b = b0 + Dy d with (a, b) = (dz/dx, dz/dy_up) and n = normalize(-a, -b, 1).
 * d = 0 outside the face and on the grid border (the prior anchors it). Each `step` is one Gauss-Newton step of
 *   sum W (rho S(n) - Y)^2 + heightSmooth sum |grad d|^2 (forward differences)
 * with central differences in the data term, solved by conjugate gradients, plus a backtracking check that the
 * energy went down. Integrability is what makes single-light SfS well posed (up to the bas-relief family, which the
 * zero boundary and the smoothness pin): per-pixel normals can only turn along the shading gradient.
 */
class HeightSolver {
  private readonly n: number;
  private readonly a0: Float32Array;
  private readonly b0: Float32Array;
  readonly d: Float32Array;
  private readonly inF: Uint8Array;
  constructor(private readonly w: number, private readonly h: number, prior: Float32Array, region: Uint8Array) {
    const n = (this.n = w * h);
    this.a0 = new Float32Array(n);
    this.b0 = new Float32Array(n);
    this.d = new Float32Array(n);
    this.inF = new Uint8Array(n);
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const p = j * w + i;
        const nz = prior[3 * p + 2]!;
        if (!(nz > 0)) continue;
        const z = Math.max(nz, 0.2);   // slopes of at most ~5: a silhouette normal must not become infinite
        this.a0[p] = -prior[3 * p]! / z;
        this.b0[p] = -prior[3 * p + 1]! / z;
        if (region[p] && i > 0 && j > 0 && i < w - 1 && j < h - 1) this.inF[p] = 1;
      }
    }
  }

  /** Slopes at p for the height field `d` (central differences; rows go down, so dy_up = -(row below - above)). */
  private slopes(d: Float32Array, p: number): [number, number] {
    const w = this.w;
    return [this.a0[p]! + 0.5 * (d[p + 1]! - d[p - 1]!), this.b0[p]! - 0.5 * (d[p + w]! - d[p - w]!)];
  }

  private energy(d: Float32Array, Y: Float32Array, rho: Float32Array, W: Float32Array, l: Float64Array, smooth: number): number {
    const { w, h } = this;
    let e = 0;
    for (let j = 1; j < h - 1; j++) {
      for (let i = 1; i < w - 1; i++) {
        const p = j * w + i;
        if (!this.inF[p]) continue;
        if (W[p]! > 0) {
          const [a, b] = this.slopes(d, p);
          const inv = 1 / Math.hypot(a, b, 1);
          const r = rho[p]! * shadeLum(l, -a * inv, -b * inv, inv) - Y[p]!;
          e += W[p]! * r * r;
        }
        const dx = d[p + 1]! - d[p]!, dy = d[p + w]! - d[p]!;
        e += smooth * (dx * dx + dy * dy);
      }
    }
    return e;
  }

  /** One damped Gauss-Newton step on d; writes the resulting normals into `out` (face pixels only). */
  step(out: Float32Array, Y: Float32Array, rho: Float32Array, valid: Float32Array, robust: Float32Array, l: Float64Array,
    smooth: number, cgIterations: number): void {
    const { w, h, n, d, inF } = this;
    const W = new Float32Array(n), r0 = new Float32Array(n), sa = new Float32Array(n), sb = new Float32Array(n);
    for (let p = 0; p < n; p++) {
      if (!inF[p]) continue;
      W[p] = valid[p]! * robust[p]!;
      if (!(W[p]! > 0)) continue;
      const [a, b] = this.slopes(d, p);
      const len = Math.hypot(a, b, 1), inv = 1 / len;
      const nx = -a * inv, ny = -b * inv, nz = inv;
      const [gx, gy, gz] = shadeGrad(l, nx, ny, nz);
      const gn = gx * nx + gy * ny + gz * nz;
      // dn/da = -(e_x - n n_x) / |v|, dn/db = -(e_y - n n_y) / |v|, v = (-a, -b, 1)
      sa[p] = rho[p]! * -(gx - gn * nx) * inv;
      sb[p] = rho[p]! * -(gy - gn * ny) * inv;
      r0[p] = rho[p]! * shadeLum(l, nx, ny, nz) - Y[p]!;
    }
    // J v at p: sa * 0.5 (v[p+1] - v[p-1]) + sb * -0.5 (v[p+w] - v[p-w]); J^T is its adjoint.
    const applyA = (v: Float32Array, outv: Float32Array, damping: number) => {
      outv.fill(0);
      for (let p = 0; p < n; p++) {
        if (!inF[p]) continue;
        if (W[p]! > 0) {
          const jv = sa[p]! * 0.5 * (v[p + 1]! - v[p - 1]!) - sb[p]! * 0.5 * (v[p + w]! - v[p - w]!);
          const t = W[p]! * jv;
          outv[p + 1] = outv[p + 1]! + (0.5 * sa[p]! * t); outv[p - 1] = outv[p - 1]! - (0.5 * sa[p]! * t);
          outv[p + w] = outv[p + w]! - (0.5 * sb[p]! * t); outv[p - w] = outv[p - w]! + (0.5 * sb[p]! * t);
        }
        const dx = v[p + 1]! - v[p]!, dy = v[p + w]! - v[p]!;
        outv[p + 1] = outv[p + 1]! + (smooth * dx); outv[p] = outv[p]! - (smooth * dx);
        outv[p + w] = outv[p + w]! + (smooth * dy); outv[p] = outv[p]! - (smooth * dy);
        outv[p] = outv[p]! + (damping * v[p]!);
      }
      for (let p = 0; p < n; p++) if (!inF[p]) outv[p] = 0;   // d is fixed (0) outside the face
    };
    // Right-hand side: -(J^T W r0 + smooth * grad^T grad d).
    const rhs = new Float32Array(n);
    for (let p = 0; p < n; p++) {
      if (!inF[p]) continue;
      if (W[p]! > 0) {
        const t = W[p]! * r0[p]!;
        rhs[p + 1] = rhs[p + 1]! - (0.5 * sa[p]! * t); rhs[p - 1] = rhs[p - 1]! + (0.5 * sa[p]! * t);
        rhs[p + w] = rhs[p + w]! + (0.5 * sb[p]! * t); rhs[p - w] = rhs[p - w]! - (0.5 * sb[p]! * t);
      }
      const dx = d[p + 1]! - d[p]!, dy = d[p + w]! - d[p]!;
      rhs[p + 1] = rhs[p + 1]! - (smooth * dx); rhs[p] = rhs[p]! + (smooth * dx);
      rhs[p + w] = rhs[p + w]! - (smooth * dy); rhs[p] = rhs[p]! + (smooth * dy);
    }
    for (let p = 0; p < n; p++) if (!inF[p]) rhs[p] = 0;
    const damping = 1e-3;
    const x = conjugateGradient((v, o2) => applyA(v, o2, damping), rhs, n, cgIterations);
    // Backtracking: accept the largest of 1, 1/2, 1/4 that lowers the energy.
    const e0 = this.energy(d, Y, rho, W, l, smooth);
    const trial = new Float32Array(n);
    for (let s = 1; s >= 0.25; s /= 2) {
      for (let p = 0; p < n; p++) trial[p] = d[p]! + s * x[p]!;
      if (this.energy(trial, Y, rho, W, l, smooth) < e0) { d.set(trial); break; }
    }
    for (let j = 1; j < h - 1; j++) {
      for (let i = 1; i < w - 1; i++) {
        const p = j * w + i;
        if (!inF[p]) continue;
        const [a, b] = this.slopes(d, p);
        const inv = 1 / Math.hypot(a, b, 1);
        out[3 * p] = -a * inv; out[3 * p + 1] = -b * inv; out[3 * p + 2] = inv;
      }
    }
  }
}

function conjugateGradient(apply: (v: Float32Array, out: Float32Array) => void, b: Float32Array, n: number, iterations: number): Float32Array {
  const x = new Float32Array(n), r = Float32Array.from(b), p = Float32Array.from(b), Ap = new Float32Array(n);
  let rr = 0;
  for (let i = 0; i < n; i++) rr += r[i]! * r[i]!;
  const rr0 = rr;
  for (let it = 0; it < iterations && rr > 1e-12 * rr0; it++) {
    apply(p, Ap);
    let pAp = 0;
    for (let i = 0; i < n; i++) pAp += p[i]! * Ap[i]!;
    if (!(pAp > 0)) break;
    const alpha = rr / pAp;
    let rrNew = 0;
    for (let i = 0; i < n; i++) {
      x[i] = x[i]! + (alpha * p[i]!);
      r[i] = r[i]! - (alpha * Ap[i]!);
      rrNew += r[i]! * r[i]!;
    }
    const beta = rrNew / rr;
    rr = rrNew;
    for (let i = 0; i < n; i++) p[i] = r[i]! + beta * p[i]!;
  }
  return x;
}

function shadeLum(l: Float64Array, x: number, y: number, z: number): number {
  return SH_C0 * l[0]! + SH_C1 * (l[1]! * y + l[2]! * z + l[3]! * x) + SH_C2 * (l[4]! * x * y + l[5]! * y * z + l[7]! * x * z) +
    SH_C3 * l[6]! * (3 * z * z - 1) + SH_C4 * l[8]! * (x * x - y * y);
}

function shadeGrad(l: Float64Array, x: number, y: number, z: number): [number, number, number] {
  return [
    SH_C1 * l[3]! + SH_C2 * (l[4]! * y + l[7]! * z) + 2 * SH_C4 * l[8]! * x,
    SH_C1 * l[1]! + SH_C2 * (l[4]! * x + l[5]! * z) - 2 * SH_C4 * l[8]! * y,
    SH_C1 * l[2]! + SH_C2 * (l[5]! * y + l[7]! * x) + 6 * SH_C3 * l[6]! * z,
  ];
}

/** The skin chromaticity (r, g of rgb / sum): per-channel median over the confident face pixels. */
function medianChromaticity(rgb: Float32Array, face: Float32Array, n: number): [number, number] {
  const rs: number[] = [], gs: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!(face[i]! > 0.7)) continue;
    const s = rgb[3 * i]! + rgb[3 * i + 1]! + rgb[3 * i + 2]!;
    if (s < 0.03) continue;
    rs.push(rgb[3 * i]! / s);
    gs.push(rgb[3 * i + 1]! / s);
  }
  const med = (v: number[]) => {
    if (!v.length) return 1 / 3;
    v.sort((a, b) => a - b);
    return v[v.length >> 1]!;
  };
  return [med(rs), med(gs)];
}

/** Separable Gaussian blur, zero outside the grid (callers that need a normalised mean blur value*w and w alike). */
function gaussianBlur(src: Float32Array, w: number, h: number, sigmaPx: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigmaPx));
  const k = new Float32Array(2 * r + 1);
  let ks = 0;
  for (let d = -r; d <= r; d++) { k[d + r] = Math.exp(-(d * d) / (2 * sigmaPx * sigmaPx)); ks += k[d + r]!; }
  for (let d = 0; d < k.length; d++) k[d] = k[d]! / ks;
  const tmp = new Float32Array(w * h), out = new Float32Array(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      let s = 0;
      for (let d = -r; d <= r; d++) {
        const ii = i + d;
        if (ii >= 0 && ii < w) s += k[d + r]! * src[j * w + ii]!;
      }
      tmp[j * w + i] = s;
    }
  }
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      let s = 0;
      for (let d = -r; d <= r; d++) {
        const jj = j + d;
        if (jj >= 0 && jj < h) s += k[d + r]! * tmp[jj * w + i]!;
      }
      out[j * w + i] = s;
    }
  }
  return out;
}
