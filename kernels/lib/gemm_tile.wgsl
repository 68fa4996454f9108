// The shared core of the tiled GEMM-shaped kernels (matmul_f32, conv2d_nhwc_f32): a workgroup of 8x8
// invocations owns a 32x32 output tile, each invocation a 4x4 block (rows ty*4.., cols tx*4..), and the
// K axis streams through workgroup memory 16 at a time. Loaders fill tile_a[m][k] and tile_b[k][n] with
// zeros outside the problem, so the multiply itself never bound-checks.
const TILE_M = 32u;
const TILE_N = 32u;
const TILE_K = 16u;

var<workgroup> tile_a: array<array<f32, TILE_K>, TILE_M>;
var<workgroup> tile_b: array<array<f32, TILE_N>, TILE_K>;
var<private> acc: array<vec4f, 4>;

fn tile_multiply(tx: u32, ty: u32) {
  for (var k = 0u; k < TILE_K; k++) {
    let c = tx * 4u;
    let bv = vec4f(tile_b[k][c], tile_b[k][c + 1u], tile_b[k][c + 2u], tile_b[k][c + 3u]);
    for (var i = 0u; i < 4u; i++) {
      acc[i] += tile_a[ty * 4u + i][k] * bv;
    }
  }
}
