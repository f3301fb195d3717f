// composite.wgsl: joint-bilateral upsampling of the ratio + composite, at full resolution
// (relight-math.ts compositeFrame). One invocation per frame pixel.
// In:  frameTex  rgba8unorm, frame size, sRGB camera pixels
//      maskTex   r32float, mask size (sampled bilinearly, pixel centres aligned)
//      guideCur  rgba32float, geometry size: low-res linear rgb + mask (range-weight reference)
//      ratioCur  rgba32float, geometry size: smoothed shading ratio (shading-ratio.wgsl)
// Out: outTex    rgba8unorm, frame size: sRGB relit pixels; alpha copied from the input.
// Per pixel: R = sum_taps w R_tap / sum w over the 3x3 low-res taps around the pixel, w = tent(1.5) spatial x
// (1 / (1 + d^2)^2 + 1e-4), d^2 = (dguide / sigma_g)^2 + (dmask / sigma_m)^2; M = 1 + s (m (R - 1) + (1 - m)(B - 1))
// (m < epsilon: M = 1 + s (B - 1)); out = soft-clip(in * M) in linear light, sRGB encoded.

@group(0) @binding(1) var frameTex: texture_2d<f32>;
@group(0) @binding(2) var maskTex: texture_2d<f32>;
@group(0) @binding(3) var guideCur: texture_2d<f32>;
@group(0) @binding(4) var ratioCur: texture_2d<f32>;
@group(0) @binding(5) var outTex: texture_storage_2d<rgba8unorm, write>;

fn tent(d: f32) -> f32 {
  return max(1.5 - abs(d), 0.0);
}

fn soft_clip_scale(outMax: f32, inMax: f32, knee: f32) -> f32 {
  let k = max(knee, inMax);
  if (!(outMax > k)) {
    return 1.0;
  }
  let room = 1.0 - k;
  if (!(room > 1e-6)) {
    return k / outMax;
  }
  let t = (outMax - k) / room;
  return (k + room * t / (1.0 + t)) / outMax;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= P.frameSize.x || id.y >= P.frameSize.y) {
    return;
  }
  let fs = vec2<f32>(P.frameSize);
  let gs = vec2<f32>(P.geoSize);
  let px = textureLoad(frameTex, vec2<i32>(id.xy), 0);
  let lin = srgb_decode(px.rgb);
  let m = clamp(mask_bilinear(maskTex, src_coord(f32(id.x), fs.x, f32(P.maskSize.x)), src_coord(f32(id.y), fs.y, f32(P.maskSize.y))), 0.0, 1.0);
  let s = P.background.w;
  let bgM = P.background.rgb - vec3<f32>(1.0);
  // Below the mask epsilon the pixel is background: no upsampling, mask taken as 0 (as relight-math.ts).
  var M = vec3<f32>(1.0) + s * bgM;
  if (m >= P.jbu.z) {
    let gv = guide_value(lin);
    let u = src_coord(f32(id.x), fs.x, gs.x);
    let v = src_coord(f32(id.y), fs.y, gs.y);
    let cx = i32(floor(u + 0.5));
    let cy = i32(floor(v + 0.5));
    let maxp = vec2<i32>(P.geoSize) - vec2<i32>(1);
    var sw = 0.0;
    var acc = vec3<f32>(0.0);
    for (var ty = -1; ty <= 1; ty++) {
      let j = cy + ty;
      let wy = tent(v - f32(j));
      if (wy == 0.0) {
        continue;
      }
      for (var tx = -1; tx <= 1; tx++) {
        let i = cx + tx;
        let wx = tent(u - f32(i));
        if (wx == 0.0) {
          continue;
        }
        let q = vec2<i32>(clamp(i, 0, maxp.x), clamp(j, 0, maxp.y));
        let g = textureLoad(guideCur, q, 0);
        let dg = gv - guide_value(g.rgb);
        let dm = m - g.a;
        let t = 1.0 + dg * dg * P.jbu.x + dm * dm * P.jbu.y;
        let w = wx * wy * (1.0 / (t * t) + 1e-4);
        sw += w;
        acc += w * textureLoad(ratioCur, q, 0).rgb;
      }
    }
    let R = acc / sw;
    M = vec3<f32>(1.0) + s * (m * (R - vec3<f32>(1.0)) + (1.0 - m) * bgM);
  }
  var o = lin * M;
  let k = soft_clip_scale(max(o.r, max(o.g, o.b)), max(lin.r, max(lin.g, lin.b)), P.ratio.w);
  o *= k;
  textureStore(outTex, vec2<i32>(id.xy), vec4<f32>(srgb_encode(o), px.a));
}
