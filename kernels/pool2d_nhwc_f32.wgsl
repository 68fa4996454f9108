// MaxPool / AveragePool on NHWC, one output element per invocation, channel fastest. Padding never enters
// a max; an average divides by the taps inside the input, or with COUNT_PAD set by those inside input +
// pads (not the ceil-mode overhang). A window with no counted tap gives -F32_MAX (max) or 0 (average).
// Bindings: 0 x, 1 y, 2 params. Geometry from poolGeometry (src/ops/pool.ts).
// #include "lib/grid.wgsl"
// #include "lib/window.wgsl"
override MAX: bool = true;
override WG: u32 = 64u;
const F32_MAX = 3.4028234663852886e38;

struct Params {
  H: u32, W: u32, C: u32, OH: u32,
  OW: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, dh: u32, dw: u32, pad_top: u32,
  pad_left: u32, pad_bottom: u32, pad_right: u32, total: u32,
  count_pad: u32, pad0: u32, pad1: u32, pad2: u32,
}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

/** Taps start + t * d (t < k) inside [lo, hi). */
fn taps_inside(start: i32, k: u32, d: u32, lo: i32, hi: i32) -> u32 {
  var n = 0u;
  for (var t = 0u; t < k; t++) {
    let q = start + i32(t * d);
    if (q >= lo && q < hi) { n++; }
  }
  return n;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = flat_group(wid, nwg) * WG + li;
  if (i >= p.total) { return; }
  let c = i % p.C;
  let pix = i / p.C;
  let win = window_at(pix, p.OH, p.OW, p.H, p.W, p.sh, p.sw, p.pad_top, p.pad_left);
  var m = -F32_MAX;
  var s = 0.0;
  for (var ky = 0u; ky < p.kh; ky++) {
    for (var kx = 0u; kx < p.kw; kx++) {
      let at = tap_pixel(win.img, win.iy0 + i32(ky * p.dh), win.ix0 + i32(kx * p.dw), p.H, p.W);
      if (at < 0) { continue; }
      let v = x[u32(at) * p.C + c];
      if (MAX) { m = max(m, v); } else { s += v; }
    }
  }
  if (MAX) { y[i] = m; return; }
  var count: u32;
  if (p.count_pad != 0u) {
    count = taps_inside(win.iy0, p.kh, p.dh, -i32(p.pad_top), i32(p.H + p.pad_bottom))
      * taps_inside(win.ix0, p.kw, p.dw, -i32(p.pad_left), i32(p.W + p.pad_right));
  } else {
    count = taps_inside(win.iy0, p.kh, p.dh, 0, i32(p.H)) * taps_inside(win.ix0, p.kw, p.dw, 0, i32(p.W));
  }
  y[i] = select(0.0, s / f32(count), count > 0u);
}
