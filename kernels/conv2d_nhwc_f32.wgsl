// Conv as an implicit GEMM, output-stationary: rows = output pixels (n, oh, ow), columns = the output
// channels of group z, K = kh * kw * C/group gathered from NHWC x on the fly (zero outside the padding).
// Weights OHWI are [O, K] row-major, so each tile_b column is one contiguous weight row.
// Bindings: 0 x, 1 w, 2 bias (read; unused unless HAS_BIAS), 3 y (NHWC), 4 params.
// Grid: (ceil(O/group / 32), ceil(N*OH*OW / 32), group). Geometry from convGeometry (src/ops/conv.ts).
// #include "lib/activation.wgsl"
// #include "lib/gemm_tile.wgsl"
// #include "lib/window.wgsl"
override HAS_BIAS: bool = false;

struct Params {
  H: u32, W: u32, C: u32, OH: u32,
  OW: u32, O: u32, K: u32, P: u32,
  kw: u32, sh: u32, sw: u32, dh: u32,
  dw: u32, pad_top: u32, pad_left: u32, cpg: u32,
  cout_pg: u32, p0: f32, p1: f32, pad0: u32,
}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let g = wid.z;
  let m0 = wid.y * TILE_M;
  let n0 = wid.x * TILE_N;
  // Loader roles: invocation li fills column k = li % 16 of tile_a for 8 output pixels (rows li/16 + 4j,
  // decoded once here) and the same k of tile_b for 8 output channels, so neighbouring invocations read
  // neighbouring input channels and neighbouring weights. k is decoded once per step, shared by all 8 rows.
  let lk = li % TILE_K;
  let lr = li / TILE_K;
  var win: array<Window, 8>;
  var valid: array<bool, 8>;
  for (var j = 0u; j < 8u; j++) {
    let pa = m0 + lr + 4u * j;
    win[j] = window_at(pa, p.OH, p.OW, p.H, p.W, p.sh, p.sw, p.pad_top, p.pad_left);
    valid[j] = pa < p.P;
  }
  for (var i = 0u; i < 4u; i++) { acc[i] = vec4f(0.0); }
  for (var k0 = 0u; k0 < p.K; k0 += TILE_K) {
    let k = k0 + lk;
    let ci = k % p.cpg;
    let tap = k / p.cpg;
    let dy = i32((tap / p.kw) * p.dh);
    let dx = i32((tap % p.kw) * p.dw);
    for (var j = 0u; j < 8u; j++) {
      let at = tap_pixel(win[j].img, win[j].iy0 + dy, win[j].ix0 + dx, p.H, p.W);
      var va = 0.0;
      if (valid[j] && k < p.K && at >= 0) { va = x[u32(at) * p.C + g * p.cpg + ci]; }
      tile_a[lr + 4u * j][lk] = va;
      let oc = n0 + lr + 4u * j;
      var vb = 0.0;
      if (oc < p.cout_pg && k < p.K) { vb = w[(g * p.cout_pg + oc) * p.K + k]; }
      tile_b[lk][lr + 4u * j] = vb;
    }
    workgroupBarrier();
    tile_multiply(li % 8u, li / 8u);
    workgroupBarrier();
  }
  let tx = li % 8u;
  let ty = li / 8u;
  // The activation runs once per pixel on 4 channels (as a vec4): lanes past the group are never stored.
  for (var i = 0u; i < 4u; i++) {
    let pix = m0 + ty * 4u + i;
    if (pix >= p.P) { break; }
    var v = acc[i];
    if (HAS_BIAS) {
      for (var j = 0u; j < 4u; j++) {
        v[j] += bias[g * p.cout_pg + min(n0 + tx * 4u + j, p.cout_pg - 1u)];
      }
    }
    v = activate4(v, p.p0, p.p1);
    for (var j = 0u; j < 4u; j++) {
      let oc = n0 + tx * 4u + j;
      if (oc >= p.cout_pg) { break; }
      y[pix * p.O + g * p.cout_pg + oc] = v[j];
    }
  }
}
