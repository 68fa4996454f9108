// y = a OP b with numpy broadcasting (Add, Sub, Mul, Div; PRelu with a = x, b = slope).
// Host: dims coalesced to rank <= 8; sa/sb are a's and b's element strides over y's shape, 0 where broadcast.
// Bindings: 0 a, 1 b (read), 2 y (read_write), 3 params. One element per invocation.
// #include "lib/grid.wgsl"
// #include "lib/nd.wgsl"
// #include "lib/codes.gen.wgsl"
override OP: u32 = OP_ADD; // BINARY_OP_CODES of src/ops/codes.ts
override WG: u32 = 64u;

struct Params { n: u32, rank: u32, pad0: u32, pad1: u32, shape: Dims8, sa: Dims8, sb: Dims8 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = flat_group(wid, nwg) * WG + li;
  if (i >= p.n) { return; }
  var rem = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let e = dim8(p.shape, u32(d));
    let k = rem % e;
    rem /= e;
    ia += k * dim8(p.sa, u32(d));
    ib += k * dim8(p.sb, u32(d));
  }
  let u = a[ia];
  let v = b[ib];
  switch OP {
    case OP_SUB: { y[i] = u - v; }
    case OP_MUL: { y[i] = u * v; }
    case OP_DIV: { y[i] = u / v; }
    case OP_PRELU: { y[i] = select(u, v * u, u < 0.0); }
    default: { y[i] = u + v; }
  }
}
