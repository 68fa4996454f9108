// Depthwise Conv (group = C = O, one weight channel per input channel) with C % 4 == 0: dwconv2d_nhwc_f32
// four channels at a time, as vec4 loads and math. Weights come re-laid as [kh * kw, C] (the host does it
// once for constants), so the 4 channels' weights of a tap are one vec4 too.
// Bindings: 0 x (NHWC), 1 w [kh*kw, C], 2 bias (read; unused unless HAS_BIAS), 3 y (NHWC), 4 params.
// One (pixel, 4 channels) per invocation, channel quads fastest. Geometry from convGeometry.
// #include "lib/activation.wgsl"
// #include "lib/grid.wgsl"
// #include "lib/window.wgsl"
override HAS_BIAS: bool = false;
override WG: u32 = 64u;

struct Params {
  H: u32, W: u32, C4: u32, OH: u32,
  OW: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, dh: u32, dw: u32, pad_top: u32,
  pad_left: u32, total: u32, p0: f32, p1: f32,
}
@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read> w: array<vec4f>;
@group(0) @binding(2) var<storage, read> bias: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = flat_group(wid, nwg) * WG + li;
  if (i >= p.total) { return; }
  let c4 = i % p.C4;
  let pix = i / p.C4;
  let win = window_at(pix, p.OH, p.OW, p.H, p.W, p.sh, p.sw, p.pad_top, p.pad_left);
  var v = vec4f(0.0);
  for (var ky = 0u; ky < p.kh; ky++) {
    for (var kx = 0u; kx < p.kw; kx++) {
      let at = tap_pixel(win.img, win.iy0 + i32(ky * p.dh), win.ix0 + i32(kx * p.dw), p.H, p.W);
      if (at < 0) { continue; }
      v += x[u32(at) * p.C4 + c4] * w[(ky * p.kw + kx) * p.C4 + c4];
    }
  }
  if (HAS_BIAS) { v += bias[c4]; }
  y[i] = activate4(v, p.p0, p.p1);
}
