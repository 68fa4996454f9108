// The parameters of the strided GEMM kernels (matmul_f32, gemv_f32), filled by gemmStep
// (src/backends/webgpu/ops/matmul.ts), and what both derive from them: the batch offsets of A and B and the
// epilogue. The including shader declares `p: Params`, `c` and the HAS_C override (and includes activation).
struct Params {
  M: u32, N: u32, K: u32, batch_rank: u32,
  sam: u32, sak: u32, sbk: u32, sbn: u32,
  scm: u32, scn: u32, alpha: f32, beta: f32,
  p0: f32, p1: f32, pad0: u32, pad1: u32,
  batch_shape: vec4u, batch_sa: vec4u, batch_sb: vec4u,
}

/** Element offsets of batch z's A (x) and B (y) matrices, through up to 4 broadcast batch dims. */
fn batch_offsets(z: u32) -> vec2u {
  var rem = z;
  var off = vec2u(0u);
  for (var d = i32(p.batch_rank) - 1; d >= 0; d--) {
    let e = p.batch_shape[d];
    off += (rem % e) * vec2u(p.batch_sa[d], p.batch_sb[d]);
    rem /= e;
  }
  return off;
}

/** act(alpha * acc + beta * C[m, n]) for four columns n..n+3 of row m (lanes past N read a clamped C). */
fn epilogue4(acc: vec4f, m: u32, n: u32) -> vec4f {
  var v = p.alpha * acc;
  if (HAS_C) {
    for (var j = 0u; j < 4u; j++) {
      v[j] += p.beta * c[m * p.scm + min(n + j, p.N - 1u) * p.scn];
    }
  }
  return activate4(v, p.p0, p.p1);
}

/** epilogue4 for one element. */
fn epilogue1(acc: f32, m: u32, n: u32) -> f32 {
  var v = p.alpha * acc;
  if (HAS_C) { v += p.beta * c[m * p.scm + n * p.scn]; }
  return activate1(v, p.p0, p.p1);
}
