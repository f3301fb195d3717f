// common.wgsl: declarations shared by every relight pass (prepended to each pass's source by webgpu-renderer.ts).
// Mirrors src/gpu/relight-math.ts: keep the two in step (the browser test compares them pixel by pixel).
//
// Params (one uniform buffer for all passes, written once per frame; layout = PARAMS_* in webgpu-renderer.ts):
//   frameSize, maskSize, geoSize   pixel sizes of the frame, the mask and the geometry/guide/ratio maps
//   flags.x                        1 when last frame's guide and ratio (ping-pong) are valid history
//   sh[k]                          xyz = target irradiance SH coefficient k (RGB), w = source luminance SH coefficient k
//   meanRatio                      rgb = the person's mean ratio (fallback where geometry is unknown), w = m_s / pi
//   background                     rgb = background multiplier, w = strength
//   ratio                          x = ratioMin, y = ratioMax, z = absolute source floor, w = highlight knee
//   jbu                            x = 1 / guideSigma^2, y = 1 / maskSigma^2, z = mask epsilon
//   motion                         x = motionLo, y = motionHi, z = guide gradient floor, w = mask gradient floor
//   temporal                       x = smoothing * global keep factor (0 disables the history)

struct Params {
  frameSize: vec2<u32>,
  maskSize: vec2<u32>,
  geoSize: vec2<u32>,
  flags: vec2<u32>,
  sh: array<vec4<f32>, 9>,
  meanRatio: vec4<f32>,
  background: vec4<f32>,
  ratio: vec4<f32>,
  jbu: vec4<f32>,
  motion: vec4<f32>,
  temporal: vec4<f32>,
}

@group(0) @binding(0) var<uniform> P: Params;

const SH_C0: f32 = 0.282095;
const SH_C1: f32 = 0.488603;
const SH_C2: f32 = 1.092548;
const SH_C3: f32 = 0.315392;
const SH_C4: f32 = 0.546274;
const LUMA: vec3<f32> = vec3<f32>(0.2126, 0.7152, 0.0722);

fn srgb_decode(v: vec3<f32>) -> vec3<f32> {
  let lo = v / 12.92;
  let hi = pow((v + vec3<f32>(0.055)) / 1.055, vec3<f32>(2.4));
  return select(hi, lo, v <= vec3<f32>(0.04045));
}

fn srgb_encode(v: vec3<f32>) -> vec3<f32> {
  let c = clamp(v, vec3<f32>(0.0), vec3<f32>(1.0));
  let lo = c * 12.92;
  let hi = 1.055 * pow(c, vec3<f32>(1.0 / 2.4)) - vec3<f32>(0.055);
  return select(hi, lo, c <= vec3<f32>(0.0031308));
}

// sqrt of linear luminance: the value the spatial and temporal filters compare.
fn guide_value(rgb: vec3<f32>) -> f32 {
  return sqrt(max(dot(rgb, LUMA), 0.0));
}

// Continuous source coordinate of destination pixel i when resampling dstN pixels from srcN.
fn src_coord(i: f32, dstN: f32, srcN: f32) -> f32 {
  return (i + 0.5) * srcN / dstN - 0.5;
}

// Bilinear sample of an r32float mask (P.maskSize) at continuous pixel coordinates (u, v), clamped to the edge.
// Shared by downsample.wgsl and composite.wgsl (the texture is a parameter: each pass binds its own).
fn mask_bilinear(tex: texture_2d<f32>, u: f32, v: f32) -> f32 {
  let size = vec2<f32>(P.maskSize);
  let uc = clamp(u, 0.0, size.x - 1.0);
  let vc = clamp(v, 0.0, size.y - 1.0);
  let x0 = floor(uc);
  let y0 = floor(vc);
  let x1 = min(x0 + 1.0, size.x - 1.0);
  let y1 = min(y0 + 1.0, size.y - 1.0);
  let fx = uc - x0;
  let fy = vc - y0;
  let a = textureLoad(tex, vec2<i32>(i32(x0), i32(y0)), 0).r;
  let b = textureLoad(tex, vec2<i32>(i32(x1), i32(y0)), 0).r;
  let c = textureLoad(tex, vec2<i32>(i32(x0), i32(y1)), 0).r;
  let d = textureLoad(tex, vec2<i32>(i32(x1), i32(y1)), 0).r;
  return (a * (1.0 - fx) + b * fx) * (1.0 - fy) + (c * (1.0 - fx) + d * fx) * fy;
}
