// matmul_f32 when A's rows and B are contiguous and K % 4 == N % 4 == 0 (1x1 Conv, dense layers): the same
// Params, batch offsets and epilogue, with A, B and Y read and written as vec4s. Each invocation owns a
// 4x4 block and reads its operands straight from memory, 4 k at a time (no workgroup tiles, no barriers:
// the blocks of a workgroup share their rows and columns through the cache). B is [K, N] (n-major), or
// [N, K] when B_KMAJOR. Bindings: 0 a, 1 b, 2 c (read; unused unless HAS_C), 3 y, 4 params.
// Grid: (ceil(N / 32), ceil(M / 32), batch), 8x8 invocations per workgroup.
// #include "lib/activation.wgsl"
// #include "lib/gemm_params.wgsl"
override HAS_C: bool = false;
override B_KMAJOR: bool = false;
@group(0) @binding(0) var<storage, read> a: array<vec4f>;
@group(0) @binding(1) var<storage, read> b: array<vec4f>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let off = batch_offsets(wid.z) / 4u;
  let m0 = wid.y * 32u + lid.y * 4u;
  let n = wid.x * 32u + lid.x * 4u;
  if (n >= p.N || m0 >= p.M) { return; }
  let K4 = p.K / 4u;
  let N4 = p.N / 4u;
  // Rows past M repeat the last row (never stored), so the loop needs no bounds checks.
  var arow: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) { arow[i] = off.x + min(m0 + i, p.M - 1u) * K4; }
  var acc: array<vec4f, 4>;
  for (var k4 = 0u; k4 < K4; k4++) {
    let a0 = a[arow[0] + k4];
    let a1 = a[arow[1] + k4];
    let a2 = a[arow[2] + k4];
    let a3 = a[arow[3] + k4];
    if (B_KMAJOR) {
      // Columns n..n+3 are rows of B: acc[i][j] += dot(A row i, B row j) over these 4 k.
      let bb = off.y + n * K4 + k4;
      let b0 = b[bb];
      let b1 = b[bb + K4];
      let b2 = b[bb + 2u * K4];
      let b3 = b[bb + 3u * K4];
      acc[0] += vec4f(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
      acc[1] += vec4f(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
      acc[2] += vec4f(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
      acc[3] += vec4f(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
    } else {
      // Rows k..k+3 of B, columns n..n+3 each: acc[i] += sum_kk A[i][kk] * B row kk.
      let bb = off.y + k4 * 4u * N4 + n / 4u;
      let b0 = b[bb];
      let b1 = b[bb + N4];
      let b2 = b[bb + 2u * N4];
      let b3 = b[bb + 3u * N4];
      acc[0] += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
      acc[1] += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
      acc[2] += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
      acc[3] += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
    }
  }
  let y0 = wid.z * p.M * N4;
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    y[y0 + m * N4 + n / 4u] = epilogue4(acc[i], m, n);
  }
}
