// ReduceMean: one output element per invocation; its kept-axes index picks a base offset in x, then it
// walks the reduced axes (count R). Kept and reduced axes arrive separately coalesced, rank <= 8 each.
// Bindings: 0 x, 1 y, 2 params.
// #include "lib/grid.wgsl"
// #include "lib/nd.wgsl"
override WG: u32 = 64u;

struct Params { n: u32, kept_rank: u32, red_rank: u32, R: u32, kept_shape: Dims8, kept_strides: Dims8, red_shape: Dims8, red_strides: Dims8 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = flat_group(wid, nwg) * WG + li;
  if (i >= p.n) { return; }
  let base = strided_offset(i, p.kept_rank, p.kept_shape, p.kept_strides);
  var s = 0.0;
  for (var r = 0u; r < p.R; r++) {
    s += x[base + strided_offset(r, p.red_rank, p.red_shape, p.red_strides)];
  }
  y[i] = s / f32(p.R);
}
