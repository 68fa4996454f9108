// matmul_f32 for M <= 4 rows (dense layers at batch 1..4): same Params, strides and epilogue, but no 32-row
// tile of which all but M rows would be padding. Each column's K products are summed by one invocation
// when B is n-major (neighbours read neighbouring columns), or split over 16 lanes and summed through
// workgroup memory when B is k-major (B_KMAJOR: transB weights; neighbouring lanes read neighbouring k).
// Bindings: 0 a, 1 b, 2 c (read; unused unless HAS_C), 3 y, 4 params.
// Grid: (ceil(N / (B_KMAJOR ? 4 : 64)), 1, batch).
// #include "lib/activation.wgsl"
// #include "lib/gemm_params.wgsl"
override HAS_C: bool = false;
override B_KMAJOR: bool = false;
const WG = 64u;
const LANES = 16u;
const MAX_M = 4u;
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

var<workgroup> partial: array<array<f32, WG>, MAX_M>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let off = batch_offsets(wid.z);
  let y0 = wid.z * p.M * p.N;
  var acc: array<f32, MAX_M>;
  if (B_KMAJOR) {
    let n = wid.x * (WG / LANES) + li / LANES;
    let lane = li % LANES;
    if (n < p.N) {
      for (var k = lane; k < p.K; k += LANES) {
        let bv = b[off.y + k * p.sbk + n * p.sbn];
        for (var m = 0u; m < p.M; m++) { acc[m] += a[off.x + m * p.sam + k * p.sak] * bv; }
      }
    }
    for (var m = 0u; m < MAX_M; m++) { partial[m][li] = acc[m]; }
    workgroupBarrier();
    for (var half = LANES / 2u; half > 0u; half /= 2u) {
      if (lane < half) {
        for (var m = 0u; m < MAX_M; m++) { partial[m][li] += partial[m][li + half]; }
      }
      workgroupBarrier();
    }
    if (lane == 0u && n < p.N) {
      for (var m = 0u; m < p.M; m++) { y[y0 + m * p.N + n] = epilogue1(partial[m][li], m, n); }
    }
  } else {
    let n = wid.x * WG + li;
    if (n >= p.N) { return; }
    for (var k = 0u; k < p.K; k++) {
      let bv = b[off.y + k * p.sbk + n * p.sbn];
      for (var m = 0u; m < p.M; m++) { acc[m] += a[off.x + m * p.sam + k * p.sak] * bv; }
    }
    for (var m = 0u; m < p.M; m++) { y[y0 + m * p.N + n] = epilogue1(acc[m], m, n); }
  }
}
