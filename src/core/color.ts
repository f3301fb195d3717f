/**
 * Colour helpers shared by the lighting code, the renderers and the UI: sRGB transfer functions, Rec. 709
 * luminance, blackbody colour temperature and the `warmth` tint. Pure maths, no DOM: runs in Node, pages and
 * workers.
 *
 * All "linear RGB" here is linear-light sRGB / Rec. 709 primaries with a D65 white, the space the renderer works in.
 */

/** Rec. 709 / sRGB luminance weights (Y row of the linear sRGB -> XYZ matrix). */
export const LUMA_R = 0.2126;
export const LUMA_G = 0.7152;
export const LUMA_B = 0.0722;

export type Rgb = [number, number, number];

export function luminance(r: number, g: number, b: number): number {
  return LUMA_R * r + LUMA_G * g + LUMA_B * b;
}

/** sRGB-encoded value (0..1) -> linear light. The exact piecewise curve of IEC 61966-2-1, not a 2.2 gamma. */
export function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
}

/** Linear light (clamped to 0..1) -> sRGB-encoded value 0..1. */
export function linearToSrgb(v: number): number {
  if (v >= 1) return 1; // exactly: 1.055 - 0.055 rounds to 0.9999999999999999
  if (v <= 0) return 0;
  return v <= 0.0031308 ? v * 12.92 : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
}

let srgb8Lut: Float32Array | undefined;
/** 8-bit sRGB code -> linear light, through a 256-entry table (built on first use). */
export function srgb8ToLinear(code: number): number {
  if (!srgb8Lut) {
    srgb8Lut = new Float32Array(256);
    for (let i = 0; i < 256; i++) srgb8Lut[i] = srgbToLinear(i / 255);
  }
  return srgb8Lut[code & 255]!;
}

/** Linear light -> 8-bit sRGB code (rounded, clamped). */
export function linearToSrgb8(v: number): number {
  return Math.round(linearToSrgb(v) * 255);
}

/** The Kim et al. (2002) cubic-spline fit of the Planckian locus is valid over this range. */
export const KELVIN_MIN = 1667;
export const KELVIN_MAX = 25000;

/** CIE 1931 xy chromaticity of a blackbody at `kelvin` (Kim et al. 2002, US patent 7024034), clamped to its range. */
export function planckianXy(kelvin: number): [number, number] {
  const t = Math.min(KELVIN_MAX, Math.max(KELVIN_MIN, kelvin));
  const t1 = 1e3 / t, t2 = t1 * t1, t3 = t2 * t1; // in units of 1/kK so the coefficients below read as published
  const x = t <= 4000
    ? -0.2661239 * t3 - 0.2343589 * t2 + 0.8776956 * t1 + 0.17991
    : -3.0258469 * t3 + 2.1070379 * t2 + 0.2226347 * t1 + 0.24039;
  const x2 = x * x, x3 = x2 * x;
  const y = t <= 2222
    ? -1.1063814 * x3 - 1.3481102 * x2 + 2.18555832 * x - 0.20219683
    : t <= 4000
      ? -0.9549476 * x3 - 1.37418593 * x2 + 2.09137015 * x - 0.16748867
      : 3.081758 * x3 - 5.8733867 * x2 + 3.75112997 * x - 0.37001483;
  return [x, y];
}

function xyToLinearRgb(x: number, y: number): Rgb {
  const X = x / y, Y = 1, Z = (1 - x - y) / y;
  return [
    3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z,
    -0.969266 * X + 1.8760108 * Y + 0.041556 * Z,
    0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z,
  ];
}

/** The colour that reads as "white". A 6500 K blackbody is slightly pinker than D65 (it lies below the daylight
 *  locus), so we white-balance to it: users expect 6500 K to be neutral and lower values to be warm. */
export const NEUTRAL_KELVIN = 6500;
const NEUTRAL_RGB = xyToLinearRgb(...planckianXy(NEUTRAL_KELVIN));

/**
 * Colour of a blackbody light at `kelvin`, as linear RGB with luminance 1, white-balanced so that 6500 K is
 * (1, 1, 1). Lower temperatures are warm (orange), higher are cool (blue). Channels are clamped at 0 (below
 * ~1900 K the locus leaves the sRGB gamut in blue).
 */
export function kelvinToLinearRgb(kelvin: number): Rgb {
  const raw = xyToLinearRgb(...planckianXy(kelvin));
  const rgb: Rgb = [
    Math.max(0, raw[0] / NEUTRAL_RGB[0]),
    Math.max(0, raw[1] / NEUTRAL_RGB[1]),
    Math.max(0, raw[2] / NEUTRAL_RGB[2]),
  ];
  const lum = luminance(rgb[0], rgb[1], rgb[2]);
  return [rgb[0] / lum, rgb[1] / lum, rgb[2] / lum];
}

/**
 * The `warmth` setting (-1 cool .. +1 warm) as a luminance-1 RGB multiplier. It moves the white point along the
 * blackbody locus in mireds (perceptually even steps): +1 -> ~3400 K, -1 -> ~11300 K, 0 -> exactly neutral.
 * The warm side gets the larger step because warming a video call is the common wish and the cool end of the
 * locus saturates quickly.
 */
export function warmthToRgb(warmth: number): Rgb {
  const w = Math.max(-1, Math.min(1, warmth));
  if (w === 0) return [1, 1, 1];
  const mired = 1e6 / NEUTRAL_KELVIN + w * (w > 0 ? 140 : 65);
  return kelvinToLinearRgb(1e6 / mired);
}
