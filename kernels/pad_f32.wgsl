// Pad (ONNX constant / reflect / edge; negative pads crop), one output element per invocation, rank <= 8.
// Source index per axis: s = o - begin; outside [0, d) -> the constant, the mirror (-s or 2(d-1) - s, one
// bounce, which padShape guarantees suffices) or the nearest edge. Bindings: 0 x, 1 y, 2 params.
// #include "lib/grid.wgsl"
// #include "lib/nd.wgsl"
override MODE: u32 = 0u; // 0 constant, 1 reflect, 2 edge
override WG: u32 = 64u;

struct Params { n: u32, rank: u32, value: f32, pad0: u32, out_shape: Dims8, in_shape: Dims8, in_strides: Dims8, begin: Dims8 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = flat_group(wid, nwg) * WG + li;
  if (i >= p.n) { return; }
  var rem = i;
  var src = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let e = dim8(p.out_shape, u32(d));
    let size = i32(dim8(p.in_shape, u32(d)));
    var s = i32(rem % e) - bitcast<i32>(dim8(p.begin, u32(d)));
    rem /= e;
    if (s < 0 || s >= size) {
      if (MODE == 0u) { y[i] = p.value; return; }
      if (MODE == 1u) { s = select(2 * (size - 1) - s, -s, s < 0); } else { s = clamp(s, 0, size - 1); }
    }
    src += u32(s) * dim8(p.in_strides, u32(d));
  }
  y[i] = x[src];
}
