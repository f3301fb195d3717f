// shading-ratio.wgsl: the shading ratio at geometry resolution + motion-aware temporal smoothing
// (relight-math.ts computeRatioMap, then temporal.ts smoothRatioMap). One invocation per geometry pixel.
// In:  geoTex     rgba32float: xyz = camera-space unit normal (0 where unknown), w = confidence 0..1
//      guideCur   rgba32float: this frame's low-res guide (downsample.wgsl)
//      guidePrev  rgba32float: last frame's guide (ping-pong partner; ignored when P.flags.x == 0)
//      ratioPrev  rgba32float: last frame's smoothed ratio (ping-pong partner)
// Out: ratioOut   rgba32float: rgb = R = clamp((E_target(n) / pi) / (max(E_source(n), floor) / m_s)),
//                 blended toward the mean ratio by (1 - confidence), then toward ratioPrev where static.

@group(0) @binding(1) var geoTex: texture_2d<f32>;
@group(0) @binding(2) var guideCur: texture_2d<f32>;
@group(0) @binding(3) var guidePrev: texture_2d<f32>;
@group(0) @binding(4) var ratioPrev: texture_2d<f32>;
@group(0) @binding(5) var ratioOut: texture_storage_2d<rgba32float, write>;

fn guide_at(t: texture_2d<f32>, p: vec2<i32>) -> vec4<f32> {
  return textureLoad(t, p, 0);
}

// Displacement estimate in low-res pixels: temporal difference / spatial gradient (temporal.ts localMotionPx).
fn local_motion(p: vec2<i32>) -> f32 {
  let maxp = vec2<i32>(P.geoSize) - vec2<i32>(1);
  let l = guide_at(guideCur, vec2<i32>(max(p.x - 1, 0), p.y));
  let r = guide_at(guideCur, vec2<i32>(min(p.x + 1, maxp.x), p.y));
  let u = guide_at(guideCur, vec2<i32>(p.x, max(p.y - 1, 0)));
  let d = guide_at(guideCur, vec2<i32>(p.x, min(p.y + 1, maxp.y)));
  let c = guide_at(guideCur, p);
  let o = guide_at(guidePrev, p);
  let gradG = (abs(guide_value(r.rgb) - guide_value(l.rgb)) + abs(guide_value(d.rgb) - guide_value(u.rgb))) * 0.5;
  let gradM = (abs(r.a - l.a) + abs(d.a - u.a)) * 0.5;
  let dg = abs(guide_value(c.rgb) - guide_value(o.rgb));
  let dm = abs(c.a - o.a);
  return max(dg / (gradG + P.motion.z), dm / (gradM + P.motion.w));
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= P.geoSize.x || id.y >= P.geoSize.y) {
    return;
  }
  let p = vec2<i32>(id.xy);
  let g = textureLoad(geoTex, p, 0);
  let n = g.xyz;
  let conf = clamp(g.w, 0.0, 1.0);
  let meanR = P.meanRatio.rgb;
  var R = meanR;
  if (conf > 0.0 && dot(n, n) >= 0.25) {
    let x = n.x;
    let y = n.y;
    let z = n.z;
    var b = array<f32, 9>(SH_C0, SH_C1 * y, SH_C1 * z, SH_C1 * x, SH_C2 * x * y, SH_C2 * y * z,
                          SH_C3 * (3.0 * z * z - 1.0), SH_C2 * x * z, SH_C4 * (x * x - y * y));
    var et = vec3<f32>(0.0);
    var es = 0.0;
    for (var k = 0; k < 9; k++) {
      et += P.sh[k].xyz * b[k];
      es += P.sh[k].w * b[k];
    }
    es = max(es, P.ratio.z);
    let raw = clamp(max(et, vec3<f32>(0.0)) * (P.meanRatio.w / es), vec3<f32>(P.ratio.x), vec3<f32>(P.ratio.y));
    R = meanR + (raw - meanR) * conf;
  }
  if (P.flags.x == 1u) {
    let a = P.temporal.x * (1.0 - smoothstep(P.motion.x, P.motion.y, local_motion(p)));
    let prev = textureLoad(ratioPrev, p, 0).rgb;
    R = R + (prev - R) * a;
  }
  textureStore(ratioOut, p, vec4<f32>(R, 1.0));
}
