// conv2d_nhwc_f32 for ungrouped convs with O % 4 == 0 but C % 4 != 0 (an RGB or grey image's first conv):
// the implicit GEMM four output channels at a time, weights re-laid as [K, O] (the host does it once for
// constants) so that each k's four weights are one vec4. Each invocation owns 4 output pixels x 4 output
// channels and reads its operands straight from memory (no workgroup tiles, no barriers), tap by tap.
// Bindings: 0 x (NHWC), 1 w [kh*kw*C, O], 2 bias (read; unused unless HAS_BIAS), 3 y (NHWC), 4 params.
// Grid: (ceil(O / 32), ceil(N*OH*OW / 32)), 8x8 invocations. Geometry from convGeometry.
// #include "lib/activation.wgsl"
// #include "lib/window.wgsl"
override HAS_BIAS: bool = false;

struct Params {
  H: u32, W: u32, C: u32, OH: u32,
  OW: u32, O4: u32, P: u32, kh: u32,
  kw: u32, sh: u32, sw: u32, dh: u32,
  dw: u32, pad_top: u32, pad_left: u32, pad0: u32,
  p0: f32, p1: f32, pad1: u32, pad2: u32,
}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<vec4f>;
@group(0) @binding(2) var<storage, read> bias: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let pix0 = wid.y * 32u + lid.y * 4u;
  let o4 = wid.x * 8u + lid.x;
  if (o4 >= p.O4 || pix0 >= p.P) { return; }
  // Pixels past P repeat the last one (never stored).
  var win: array<Window, 4>;
  for (var i = 0u; i < 4u; i++) {
    win[i] = window_at(min(pix0 + i, p.P - 1u), p.OH, p.OW, p.H, p.W, p.sh, p.sw, p.pad_top, p.pad_left);
  }
  var acc: array<vec4f, 4>;
  for (var ky = 0u; ky < p.kh; ky++) {
    for (var kx = 0u; kx < p.kw; kx++) {
      // Where each pixel reads this tap, or none (outside the input: zero padding).
      var xo: array<u32, 4>;
      var inside: array<bool, 4>;
      for (var i = 0u; i < 4u; i++) {
        let at = tap_pixel(win[i].img, win[i].iy0 + i32(ky * p.dh), win[i].ix0 + i32(kx * p.dw), p.H, p.W);
        inside[i] = at >= 0;
        xo[i] = select(0u, u32(at) * p.C, inside[i]);
      }
      let k0 = (ky * p.kw + kx) * p.C;
      for (var ci = 0u; ci < p.C; ci++) {
        let wv = w[(k0 + ci) * p.O4 + o4];
        for (var i = 0u; i < 4u; i++) {
          acc[i] += select(0.0, x[xo[i] + ci], inside[i]) * wv;
        }
      }
    }
  }
  var bv = vec4f(0.0);
  if (HAS_BIAS) { bv = bias[o4]; }
  for (var i = 0u; i < 4u; i++) {
    let pix = pix0 + i;
    if (pix >= p.P) { break; }
    y[pix * p.O4 + o4] = activate4(acc[i] + bv, p.p0, p.p1);
  }
}
