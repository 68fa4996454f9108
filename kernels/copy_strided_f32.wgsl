// Data movement: for every row-major index i of `shape`, dst[dst0 + off(i, ds)] = src[src0 + off(i, ss)].
// Serves Reshape/Flatten/Identity (rank 1), Transpose (permuted source strides), Concat and Split (offsets).
// Bindings: 0 src (read), 1 dst (read_write), 2 params. Host coalesces dims to rank <= 8.
// #include "lib/grid.wgsl"
// #include "lib/nd.wgsl"
override WG: u32 = 64u;

struct Params { n: u32, rank: u32, src0: u32, dst0: u32, shape: Dims8, ss: Dims8, ds: Dims8 }
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = flat_group(wid, nwg) * WG + li;
  if (i >= p.n) { return; }
  var rem = i;
  var is = p.src0;
  var id = p.dst0;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let e = dim8(p.shape, u32(d));
    let k = rem % e;
    rem /= e;
    is += k * dim8(p.ss, u32(d));
    id += k * dim8(p.ds, u32(d));
  }
  dst[id] = src[is];
}
