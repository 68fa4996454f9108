// Y[z, m, n] = act(alpha * sum_k A[z, m, k] * B[z, k, n] + beta * C[m * scm + n * scn]) for Gemm and MatMul
// (and 1x1 Conv). A and B are read through element strides, so transposes and broadcast batches cost
// nothing; Y is dense [batch, M, N]. Bindings: 0 a, 1 b, 2 c (read; unused unless HAS_C), 3 y, 4 params.
// Grid: (ceil(N / 32), ceil(M / 32), batch). Batch z -> matrix offsets through up to 4 broadcast dims.
// #include "lib/activation.wgsl"
// #include "lib/gemm_params.wgsl"
// #include "lib/gemm_tile.wgsl"
override HAS_C: bool = false;
override B_KMAJOR: bool = false;
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let off = batch_offsets(wid.z);
  let a0 = off.x;
  let b0 = off.y;
  let m0 = wid.y * TILE_M;
  let n0 = wid.x * TILE_N;
  // Loader roles, chosen so that neighbouring invocations read neighbouring addresses when the fast
  // axis has stride 1: tile_a is filled k-fastest (rows li/16 + 4j), tile_b n-fastest, or k-fastest
  // when B_KMAJOR (B's k stride is 1, e.g. transB weights and 1x1 Conv).
  let ak = li % TILE_K;
  let ar = li / TILE_K;
  for (var i = 0u; i < 4u; i++) { acc[i] = vec4f(0.0); }
  for (var k0 = 0u; k0 < p.K; k0 += TILE_K) {
    let k = k0 + ak;
    for (var j = 0u; j < 8u; j++) {
      let r = ar + 4u * j;
      let m = m0 + r;
      var va = 0.0;
      if (m < p.M && k < p.K) { va = a[a0 + m * p.sam + k * p.sak]; }
      tile_a[r][ak] = va;
      var kk: u32;
      var nn: u32;
      if (B_KMAJOR) { kk = ak; nn = ar + 4u * j; } else { kk = li / TILE_N + 2u * j; nn = li % TILE_N; }
      let bk = k0 + kk;
      let bn = n0 + nn;
      var vb = 0.0;
      if (bn < p.N && bk < p.K) { vb = b[b0 + bk * p.sbk + bn * p.sbn]; }
      tile_b[kk][nn] = vb;
    }
    workgroupBarrier();
    tile_multiply(li % 8u, li / 8u);
    workgroupBarrier();
  }
  let tx = li % 8u;
  let ty = li / 8u;
  let y0 = wid.z * p.M * p.N;
  // The activation runs once per row of 4 columns (as a vec4): lanes past N are computed, never stored.
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + ty * 4u + i;
    if (m >= p.M) { break; }
    let v = epilogue4(acc[i], m, n0 + tx * 4u);
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + tx * 4u + j;
      if (n >= p.N) { break; }
      y[y0 + m * p.N + n] = v[j];
    }
  }
}
