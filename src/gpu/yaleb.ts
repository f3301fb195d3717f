/**
 * Real-data check of the relighting maths on the Extended Yale Face Database B (cropped, 168x192 grayscale,
 * 64 known light directions per subject) with photometric-stereo normals. Reused by the unit test
 * (tests/unit/yaleb-relight.test.ts) and by `npm run eval`.
 *
 * Pure TypeScript: file access is injected (`YaleBFiles`), so Node passes fs and a browser could pass fetch.
 *
 * Conventions established against the images (see the test's log and the README):
 * - The files' light azimuth is positive toward IMAGE LEFT (A+070 lights the left half of the image), and the
 *   photometric-stereo normals' x is positive on the image's left half ("x = +azimuth side"). Our camera space
 *   has +x = image right, so both are flipped: n_ours = (-n_ps.x, n_ps.y, n_ps.z), l = (-sin a cos e, sin e, cos a cos e).
 * - Pixel values are linear (photometric stereo on them fits far better than on sRGB-decoded values: 16% vs 43%
 *   relative RMS residual on three subjects), so the maths runs on 'linear' pixel buffers.
 */
import type { GeometryMaps, Mask } from '../core/types.js';
import { palApply, palFit, psnr as psnrMetric, ssim } from '../core/metrics.js';
import {
  DEFAULT_RELIGHT_PARAMS, buildLowResGuide, compositeFrame, computeRatioMap, estimateSourceLighting, exposureNeutralSh,
  shLuminance, shadingNormalisation, type LowResGuide, type PixelBuffer, type RelightParams,
} from './relight-math.js';
import { directionalSh } from './synthetic-scene.js';

export interface YaleBFiles {
  readFile(path: string): Promise<Uint8Array>;
  listDir(path: string): Promise<string[]>;
}

export interface GrayImage {
  readonly widthPx: number;
  readonly heightPx: number;
  /** 0..1 */
  readonly data: Float32Array;
}

export interface YaleBImage extends GrayImage {
  readonly name: string;
  readonly azimuthDeg: number;
  readonly elevationDeg: number;
}

export interface YaleBSubject {
  readonly id: string;
  readonly widthPx: number;
  readonly heightPx: number;
  /** P00A+000E+00: the input of every relighting. */
  readonly frontal: GrayImage;
  /** Every other image with a known light direction (filtered by the caller's limits). */
  readonly images: readonly YaleBImage[];
  /** Photometric-stereo normals in OUR camera convention (x flipped), 3 floats per pixel. */
  readonly normals: Float32Array;
  readonly albedo: Float32Array;
  /** Face region: pixels with a valid, camera-facing normal, away from the crop border. */
  readonly region: Uint8Array;
}

// ------------------------------------------------------------------------------------------------------------
// File formats

/** Binary (P5) or ASCII (P2) PGM, 8 or 16 bit. */
export function parsePgm(bytes: Uint8Array): GrayImage {
  let pos = 0;
  const token = (): string => {
    for (;;) {
      while (pos < bytes.length && /\s/.test(String.fromCharCode(bytes[pos]!))) pos++;
      if (bytes[pos] === 0x23) { while (pos < bytes.length && bytes[pos] !== 0x0a) pos++; continue; }
      break;
    }
    const s = pos;
    while (pos < bytes.length && !/\s/.test(String.fromCharCode(bytes[pos]!))) pos++;
    return String.fromCharCode(...bytes.subarray(s, pos));
  };
  const magic = token();
  if (magic !== 'P5' && magic !== 'P2') throw new Error(`[YaleB] not a PGM (magic ${magic})`);
  const w = Number(token()), h = Number(token()), maxval = Number(token());
  if (!(w > 0 && h > 0 && maxval > 0)) throw new Error('[YaleB] bad PGM header');
  const data = new Float32Array(w * h);
  if (magic === 'P5') {
    pos++; // exactly one whitespace byte after maxval
    const two = maxval > 255;
    for (let i = 0; i < w * h; i++) {
      const v = two ? (bytes[pos + 2 * i]! << 8) | bytes[pos + 2 * i + 1]! : bytes[pos + i]!;
      data[i] = v / maxval;
    }
  } else {
    for (let i = 0; i < w * h; i++) data[i] = Number(token()) / maxval;
  }
  return { widthPx: w, heightPx: h, data };
}

export interface NpyArray {
  readonly shape: number[];
  readonly data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
}

/** NumPy .npy (format 1.x/2.x/3.x, little-endian f4/f8/i4/i8/u1, C order). */
export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') throw new Error('[YaleB] not an .npy');
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (fortran) throw new Error('[YaleB] Fortran-order .npy not supported');
  const count = shape.reduce((a, b) => a * b, 1);
  const off = start + headerLen;
  const body = bytes.slice(off); // copy: aligned for the typed-array views below
  switch (descr) {
    case '<f4': return { shape, data: new Float32Array(body.buffer, 0, count) };
    case '<f8': return { shape, data: new Float64Array(body.buffer, 0, count) };
    case '<i4': return { shape, data: new Int32Array(body.buffer, 0, count) };
    case '<i8': return { shape, data: new BigInt64Array(body.buffer, 0, count) };
    case '|u1': return { shape, data: new Uint8Array(body.buffer, 0, count) };
    default: throw new Error(`[YaleB] unsupported .npy dtype ${descr}`);
  }
}

async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Reads a .npz (zip of .npy, stored or deflated) through the zip's central directory. */
export async function readNpz(bytes: Uint8Array): Promise<Map<string, NpyArray>> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('[YaleB] .npz: no zip end record');
  const entries = dv.getUint16(eocd + 10, true);
  let cd = dv.getUint32(eocd + 16, true);
  const out = new Map<string, NpyArray>();
  for (let e = 0; e < entries; e++) {
    if (dv.getUint32(cd, true) !== 0x02014b50) throw new Error('[YaleB] .npz: bad central directory');
    const method = dv.getUint16(cd + 10, true);
    let compSize = dv.getUint32(cd + 20, true);
    const nameLen = dv.getUint16(cd + 28, true), extraLen = dv.getUint16(cd + 30, true), commentLen = dv.getUint16(cd + 32, true);
    let local = dv.getUint32(cd + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(cd + 46, cd + 46 + nameLen));
    // Zip64 (numpy writes it for big arrays): sizes/offset live in the extra field.
    if (compSize === 0xffffffff || local === 0xffffffff) {
      let x = cd + 46 + nameLen;
      const end = x + extraLen;
      while (x < end) {
        const id = dv.getUint16(x, true), size = dv.getUint16(x + 2, true);
        if (id === 0x0001) {
          let q = x + 4;
          if (dv.getUint32(cd + 24, true) === 0xffffffff) q += 8; // uncompressed size first
          if (compSize === 0xffffffff) { compSize = Number(dv.getBigUint64(q, true)); q += 8; }
          if (local === 0xffffffff) local = Number(dv.getBigUint64(q, true));
        }
        x += 4 + size;
      }
    }
    const dataStart = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    const raw = bytes.subarray(dataStart, dataStart + compSize);
    const content = method === 0 ? raw : method === 8 ? await inflateRaw(raw) : null;
    if (!content) throw new Error(`[YaleB] .npz: compression method ${method} not supported`);
    out.set(name.replace(/\.npy$/, ''), parseNpy(content));
    cd += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------------
// Lights

/** Azimuth/elevation from a file name like yaleB01_P00A+035E-20.pgm; null for the ambient image and others. */
export function parseLightName(name: string): { azimuthDeg: number; elevationDeg: number } | null {
  const m = /_P00A([+-]\d{3})E([+-]\d{2})\.pgm$/.exec(name);
  return m ? { azimuthDeg: Number(m[1]), elevationDeg: Number(m[2]) } : null;
}

/** Camera-space direction (+x image right, +y up, +z toward the camera) of a Yale B light. */
export function yaleLightDirection(azimuthDeg: number, elevationDeg: number): [number, number, number] {
  const a = (azimuthDeg * Math.PI) / 180, e = (elevationDeg * Math.PI) / 180;
  return [-Math.sin(a) * Math.cos(e), Math.sin(e), Math.cos(a) * Math.cos(e)];
}

/** Irradiance SH of a white directional light from a Yale B direction + a small ambient (fraction of it). */
export function yaleTargetSh(azimuthDeg: number, elevationDeg: number, ambient: number): Float32Array {
  return directionalSh(yaleLightDirection(azimuthDeg, elevationDeg), [1, 1, 1], [ambient, ambient, ambient]);
}

// ------------------------------------------------------------------------------------------------------------
// Loading

export interface YaleBLimits {
  readonly maxAbsAzimuthDeg: number;
  readonly maxElevationDeg: number;
}

export const DEFAULT_LIMITS: YaleBLimits = { maxAbsAzimuthDeg: 70, maxElevationDeg: 45 };

const join = (a: string, b: string) => `${a.replace(/\/$/, '')}/${b}`;

/** Subjects that have both the images and the photometric-stereo maps. */
export async function listYaleBSubjects(files: YaleBFiles, relightDir: string, intrinsicsDir: string): Promise<string[]> {
  const subjects = (await files.listDir(relightDir)).filter((n) => /^yaleB\d+$/.test(n));
  const maps = new Set((await files.listDir(intrinsicsDir)).filter((n) => n.endsWith('_ps.npz')).map((n) => n.replace('_ps.npz', '')));
  return subjects.filter((s) => maps.has(s)).sort();
}

export async function loadYaleBSubject(files: YaleBFiles, relightDir: string, intrinsicsDir: string, id: string, limits: YaleBLimits = DEFAULT_LIMITS): Promise<YaleBSubject> {
  const dir = join(relightDir, id);
  const names = (await files.listDir(dir)).sort();
  const frontalName = `${id}_P00A+000E+00.pgm`;
  if (!names.includes(frontalName)) throw new Error(`[YaleB] ${id}: no frontal image ${frontalName}`);
  const frontal = parsePgm(await files.readFile(join(dir, frontalName)));
  const images: YaleBImage[] = [];
  for (const name of names) {
    const light = parseLightName(name);
    if (!light || name === frontalName) continue;
    if (Math.abs(light.azimuthDeg) > limits.maxAbsAzimuthDeg || light.elevationDeg > limits.maxElevationDeg) continue;
    const img = parsePgm(await files.readFile(join(dir, name)));
    if (img.widthPx !== frontal.widthPx || img.heightPx !== frontal.heightPx) continue;
    images.push({ ...img, name, ...light });
  }
  const npz = await readNpz(await files.readFile(join(intrinsicsDir, `${id}_ps.npz`)));
  const n = npz.get('normal'), a = npz.get('albedo');
  if (!n || !a) throw new Error(`[YaleB] ${id}: npz lacks normal/albedo`);
  const [h, w] = n.shape;
  if (w !== frontal.widthPx || h !== frontal.heightPx) throw new Error(`[YaleB] ${id}: normal map ${w}x${h} vs image ${frontal.widthPx}x${frontal.heightPx}`);
  const normals = new Float32Array(w * h * 3);
  const region = new Uint8Array(w * h);
  const border = 4;
  for (let p = 0; p < w * h; p++) {
    const nx = -Number(n.data[p * 3]), ny = Number(n.data[p * 3 + 1]), nz = Number(n.data[p * 3 + 2]);
    const l = Math.hypot(nx, ny, nz);
    if (!(l > 0.5)) continue;
    normals[p * 3] = nx / l; normals[p * 3 + 1] = ny / l; normals[p * 3 + 2] = nz / l;
    const x = p % w, y = Math.floor(p / w);
    if (nz / l > 0.1 && x >= border && y >= border && x < w - border && y < h - border) region[p] = 1;
  }
  return { id, widthPx: w, heightPx: h, frontal, images, normals, albedo: Float32Array.from(a.data as Float32Array), region };
}

/**
 * The "mean-face template": the average of the given subjects' photometric-stereo normals, renormalised. The
 * crops are eye-aligned, so this is what a generic face prior would give. Pass all subjects but the one under
 * test (leave-one-out) so the template never contains the answer.
 */
export function meanFaceNormals(subjects: readonly YaleBSubject[]): Float32Array {
  const s0 = subjects[0];
  if (!s0) throw new Error('[YaleB] no subjects for the template');
  const sum = new Float64Array(s0.normals.length);
  for (const s of subjects) {
    if (s.normals.length !== sum.length) throw new Error('[YaleB] template subjects differ in size');
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + s.normals[i]!;
  }
  const out = new Float32Array(sum.length);
  for (let p = 0; p < sum.length / 3; p++) {
    const l = Math.hypot(sum[p * 3]!, sum[p * 3 + 1]!, sum[p * 3 + 2]!);
    if (l > 1e-6) for (let c = 0; c < 3; c++) out[p * 3 + c] = sum[p * 3 + c]! / l;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------------
// Relighting and scoring

export interface YaleBRelightOptions {
  /** Ambient of the target light, as a fraction of the directional light's radiance. */
  readonly ambient: number;
  /**
   * Geometry at 1/geometryDownscale of the image resolution (normals box-averaged and renormalised), so the
   * ratio goes through the edge-aware upsampling as it does in the product (a 128-px model on a bigger frame).
   */
  readonly geometryDownscale?: number;
  readonly params?: Partial<RelightParams>;
}

export const DEFAULT_YALEB_OPTIONS: YaleBRelightOptions = { ambient: 0.05 };

/** Box-downsamples a normal map by an integer factor (unknown normals, z <= 0.05, do not count). */
export function downsampleNormals(normals: Float32Array, w: number, h: number, factor: number): { normals: Float32Array; confidence: Float32Array; widthPx: number; heightPx: number } {
  const lw = Math.floor(w / factor), lh = Math.floor(h / factor);
  const out = new Float32Array(lw * lh * 3), conf = new Float32Array(lw * lh);
  for (let j = 0; j < lh; j++) for (let i = 0; i < lw; i++) {
    let x = 0, y = 0, z = 0, n = 0;
    for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) {
      const p = (j * factor + dy) * w + i * factor + dx;
      if (!(normals[p * 3 + 2]! > 0.05)) continue;
      x += normals[p * 3]!; y += normals[p * 3 + 1]!; z += normals[p * 3 + 2]!; n++;
    }
    const l = Math.hypot(x, y, z);
    const q = j * lw + i;
    if (n === 0 || l < 1e-6) continue;
    out[q * 3] = x / l; out[q * 3 + 1] = y / l; out[q * 3 + 2] = z / l;
    conf[q] = n / (factor * factor);
  }
  return { normals: out, confidence: conf, widthPx: lw, heightPx: lh };
}

/**
 * What stays fixed while one subject's frontal photo is relit to many lights: the frame, mask, geometry, the
 * low-res guide and the source-light estimate (relight-math.ts steps 1-2).
 */
export interface PreparedYaleB {
  readonly src: PixelBuffer;
  readonly mask: Mask;
  readonly geometry: GeometryMaps;
  readonly guide: LowResGuide;
  readonly sourceLum: Float32Array;
  readonly params: Readonly<RelightParams>;
}

export function prepareYaleB(subject: YaleBSubject, normals: Float32Array, opts: YaleBRelightOptions = DEFAULT_YALEB_OPTIONS): PreparedYaleB {
  const { widthPx: w, heightPx: h } = subject;
  const maskData = new Float32Array(w * h);
  for (let p = 0; p < w * h; p++) maskData[p] = subject.region[p]! ? 1 : 0;
  const f = opts.geometryDownscale ?? 1;
  const g = f > 1 ? downsampleNormals(normals, w, h, f) : {
    normals, widthPx: w, heightPx: h, confidence: Float32Array.from({ length: w * h }, (_, p) => (normals[p * 3 + 2]! > 0.05 ? 1 : 0)),
  };
  const geometry: GeometryMaps = { widthPx: g.widthPx, heightPx: g.heightPx, normals: g.normals, confidence: g.confidence, source: 'yaleb' };
  const mask: Mask = { widthPx: w, heightPx: h, data: maskData, timestampUs: 0 };
  const src: PixelBuffer = { kind: 'linear', widthPx: w, heightPx: h, channels: 1, data: subject.frontal.data };
  const params = { ...DEFAULT_RELIGHT_PARAMS, ...(opts.params ?? {}) };
  const guide = buildLowResGuide(src, mask, geometry.widthPx, geometry.heightPx);
  const estimate = estimateSourceLighting(guide, geometry, params);
  if (!estimate) throw new Error(`[YaleB] ${subject.id}: no source-light estimate (too few face pixels)`);
  return { src, mask, geometry, guide, sourceLum: shLuminance(estimate.sh), params };
}

/**
 * Relights a prepared frontal photo to a Yale B light: relight-math.ts steps 3 and 5, exactly what
 * CpuRelighter runs for a first frame (no temporal history), with an exposure-neutral target.
 */
export function relightPrepared(prep: PreparedYaleB, azimuthDeg: number, elevationDeg: number, ambient: number): Float32Array {
  // Exposure-neutral target (the camera's auto exposure): PAL forgives a global gain anyway, but the ratio
  // clamps do not, and a bare directional light has ~1/pi of the "unit" irradiance (see relight-math.ts).
  const target = exposureNeutralSh(yaleTargetSh(azimuthDeg, elevationDeg, ambient), prep.geometry);
  const norm = shadingNormalisation(prep.geometry, prep.guide, prep.sourceLum, target, prep.params);
  const ratio = computeRatioMap(prep.geometry, prep.sourceLum, target, norm, prep.params);
  const dst: PixelBuffer = { kind: 'linear', widthPx: prep.src.widthPx, heightPx: prep.src.heightPx, channels: 1, data: new Float32Array(prep.src.widthPx * prep.src.heightPx) };
  compositeFrame({ src: prep.src, mask: prep.mask, guide: prep.guide, ratio, background: [1, 1, 1], strength: 1 }, dst, prep.params);
  return dst.data;
}

/** One-shot: relights the subject's frontal image to a Yale B light with the given normals. */
export function relightYaleB(subject: YaleBSubject, normals: Float32Array, azimuthDeg: number, elevationDeg: number, opts: YaleBRelightOptions = DEFAULT_YALEB_OPTIONS): Float32Array {
  return relightPrepared(prepareYaleB(subject, normals, opts), azimuthDeg, elevationDeg, opts.ambient);
}

export interface YaleBScore {
  readonly subject: string;
  readonly image: string;
  readonly azimuthDeg: number;
  readonly elevationDeg: number;
  /** PAL-aligned PSNR (dB) and SSIM over the face region, per method. */
  readonly psnr: Record<string, number>;
  readonly ssim: Record<string, number>;
}

export interface YaleBMethod {
  readonly name: string;
  /** null = identity (the input unchanged). */
  readonly normals: Float32Array | null;
  readonly options?: YaleBRelightOptions;
}

/** Scores every image of one subject for each method. */
export function scoreSubject(subject: YaleBSubject, methods: readonly YaleBMethod[]): YaleBScore[] {
  const scores: YaleBScore[] = [];
  const prepared = new Map<string, PreparedYaleB>();
  for (const m of methods) if (m.normals) prepared.set(m.name, prepareYaleB(subject, m.normals, m.options ?? DEFAULT_YALEB_OPTIONS));
  for (const img of subject.images) {
    const psnr: Record<string, number> = {}, ss: Record<string, number> = {};
    const psnr1 = (a: Float32Array, b: Float32Array, r: Uint8Array) => psnrMetric(a, b, 1, r);
    for (const m of methods) {
      const prep = prepared.get(m.name);
      const pred = prep ? relightPrepared(prep, img.azimuthDeg, img.elevationDeg, (m.options ?? DEFAULT_YALEB_OPTIONS).ambient) : subject.frontal.data;
      // Both metrics on the PAL-aligned prediction: SSIM is not gain-invariant, and the renderer's exposure
      // convention (keep the mean brightness) differs from the photos' (fixed camera, dimmer side lights).
      const aligned = palApply(palFit(pred, img.data, 1, subject.region), pred);
      psnr[m.name] = psnr1(aligned, img.data, subject.region);
      ss[m.name] = ssim(aligned, img.data, subject.widthPx, subject.heightPx, subject.region);
    }
    scores.push({ subject: subject.id, image: img.name, azimuthDeg: img.azimuthDeg, elevationDeg: img.elevationDeg, psnr, ssim: ss });
  }
  return scores;
}

export function meanBy(scores: readonly YaleBScore[], metric: 'psnr' | 'ssim'): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const s of scores) for (const [k, v] of Object.entries(s[metric])) sums[k] = (sums[k] ?? 0) + v;
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / scores.length]));
}
