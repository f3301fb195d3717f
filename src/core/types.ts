/**
 * Data that crosses seams. All of it is plain typed arrays (garbage-collected, transferable), so ownership is
 * simple: whoever receives one may keep it. The handles that need closing (VideoFrame, MPMask, GPU textures)
 * never cross a seam except as documented on the seam's interface.
 *
 * Conventions used everywhere:
 * - Images are row-major, origin top-left, width-major (index = y * widthPx + x).
 * - Colour arrays are linear-light RGB floats unless a name says `srgb`/`rgba8`.
 * - Normals are camera space: +x = image right, +y = image up, +z = toward the camera; unit length.
 * - SH: 9 coefficients per channel, band order (0,0) (1,-1) (1,0) (1,1) (2,-2) (2,-1) (2,0) (2,1) (2,2),
 *   real SH basis, stored coefficient-major: index = k * 3 + channel.
 */

/** Person confidence at mask resolution, 0..1. Independent of the frame's resolution. */
export interface Mask {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly data: Float32Array;
  readonly timestampUs: number;
}

/** What a geometry estimator (analytic prior or student) gives the renderer, at model resolution. */
export interface GeometryMaps {
  readonly widthPx: number;
  readonly heightPx: number;
  /** 3 floats per pixel, unit camera-space normal (zero where unknown). */
  readonly normals: Float32Array;
  /** Per-pixel trust 0..1 (0 outside the person). */
  readonly confidence: Float32Array;
  /** Optional linear RGB albedo, 3 floats per pixel. */
  readonly albedo?: Float32Array;
  /** Which estimator produced it (for stats). */
  readonly source: string;
}

/** 27 floats: 9 SH irradiance-ready radiance coefficients x RGB, index k * 3 + c. */
export type SH9 = Float32Array;

/** What the renderer needs to light a frame: resolved from settings + presets by src/lighting. */
export interface TargetLighting {
  /** Irradiance SH (already convolved with the clamped cosine): E(n) = sum_k sh[k] * Y_k(n). */
  readonly irradianceSh: SH9;
  readonly background: 'keep' | 'dim' | 'relight';
  readonly backgroundDim: number;
  /** 0..1 blend of relit over original. */
  readonly strength: number;
}

/** A frame's pixels on the CPU: RGBA8, sRGB. */
export interface RgbaImage {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly data: Uint8ClampedArray;
}
