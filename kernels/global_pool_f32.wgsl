// GlobalAveragePool / GlobalMaxPool over [N, S, C] (S = the product of the spatial dims), one (n, c)
// per invocation; neighbouring invocations read neighbouring channels. Bindings: 0 x, 1 y [N, C], 2 params.
// #include "lib/grid.wgsl"
override MAX: bool = false;
override WG: u32 = 64u;
const F32_MAX = 3.4028234663852886e38;

struct Params { C: u32, S: u32, total: u32, pad0: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = flat_group(wid, nwg) * WG + li;
  if (i >= p.total) { return; }
  let c = i % p.C;
  let base = (i / p.C) * p.S * p.C + c;
  var m = -F32_MAX;
  var s = 0.0;
  for (var k = 0u; k < p.S; k++) {
    let v = x[base + k * p.C];
    if (MAX) { m = max(m, v); } else { s += v; }
  }
  y[i] = select(s / f32(p.S), m, MAX);
}
