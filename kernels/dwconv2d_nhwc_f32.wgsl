// Depthwise Conv (group = C, weights [C * mult, kh, kw, 1]): output channel o reads input channel o / mult.
// One output element per invocation, channel fastest, so neighbouring invocations read neighbouring x.
// Bindings: 0 x, 1 w, 2 bias (read; unused unless HAS_BIAS), 3 y (NHWC), 4 params. Geometry from convGeometry.
// #include "lib/activation.wgsl"
// #include "lib/grid.wgsl"
// #include "lib/window.wgsl"
override HAS_BIAS: bool = false;
override WG: u32 = 64u;

struct Params {
  H: u32, W: u32, C: u32, OH: u32,
  OW: u32, O: u32, kh: u32, kw: u32,
  sh: u32, sw: u32, dh: u32, dw: u32,
  pad_top: u32, pad_left: u32, mult: u32, total: u32,
  p0: f32, p1: f32, pad0: u32, pad1: u32,
}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = flat_group(wid, nwg) * WG + li;
  if (i >= p.total) { return; }
  let o = i % p.O;
  let pix = i / p.O;
  let win = window_at(pix, p.OH, p.OW, p.H, p.W, p.sh, p.sw, p.pad_top, p.pad_left);
  let c = o / p.mult;
  var v = 0.0;
  for (var ky = 0u; ky < p.kh; ky++) {
    for (var kx = 0u; kx < p.kw; kx++) {
      let at = tap_pixel(win.img, win.iy0 + i32(ky * p.dh), win.ix0 + i32(kx * p.dw), p.H, p.W);
      if (at < 0) { continue; }
      v += x[u32(at) * p.C + c] * w[(o * p.kh + ky) * p.kw + kx];
    }
  }
  if (HAS_BIAS) { v += bias[o]; }
  y[i] = activate1(v, p.p0, p.p1);
}
