// downsample.wgsl: the low-resolution guide (relight-math.ts buildLowResGuide).
// One invocation per geometry-resolution cell.
// In:  frameTex  rgba8unorm, frame size, sRGB-encoded camera pixels
//      maskTex   r32float, mask size, person confidence 0..1
// Out: guideOut  rgba32float, geometry size: rgb = box average of the cell in LINEAR light, a = mask sampled
//                bilinearly at the cell centre. Read back for the source-light estimate and used by the two
//                later passes (motion, joint-bilateral range weights).

@group(0) @binding(1) var frameTex: texture_2d<f32>;
@group(0) @binding(2) var maskTex: texture_2d<f32>;
@group(0) @binding(3) var guideOut: texture_storage_2d<rgba32float, write>;

// Full-res range [s, e) of low-res cell i (never empty, also when the frame is smaller than the map).
fn cell_range(i: u32, lowN: u32, fullN: u32) -> vec2<u32> {
  let s = min((i * fullN) / lowN, fullN - 1u);
  let e = max(((i + 1u) * fullN) / lowN, s + 1u);
  return vec2<u32>(s, e);
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= P.geoSize.x || id.y >= P.geoSize.y) {
    return;
  }
  let rx = cell_range(id.x, P.geoSize.x, P.frameSize.x);
  let ry = cell_range(id.y, P.geoSize.y, P.frameSize.y);
  var sum = vec3<f32>(0.0);
  for (var y = ry.x; y < ry.y; y++) {
    for (var x = rx.x; x < rx.y; x++) {
      sum += srgb_decode(textureLoad(frameTex, vec2<i32>(i32(x), i32(y)), 0).rgb);
    }
  }
  let n = f32((ry.y - ry.x) * (rx.y - rx.x));
  let m = mask_bilinear(maskTex, src_coord(f32(id.x), f32(P.geoSize.x), f32(P.maskSize.x)),
                        src_coord(f32(id.y), f32(P.geoSize.y), f32(P.maskSize.y)));
  textureStore(guideOut, vec2<i32>(id.xy), vec4<f32>(sum / n, m));
}
