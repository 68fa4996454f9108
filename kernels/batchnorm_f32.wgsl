// BatchNormalization, channel = last axis: y = act((x - mean) / sqrt(var + eps) * scale + bias).
// One element per invocation. Bindings: 0 x, 1 scale, 2 bias, 3 mean, 4 var (read), 5 y, 6 params.
// #include "lib/activation.wgsl"
// #include "lib/grid.wgsl"
override WG: u32 = 64u;

struct Params { n: u32, C: u32, eps: f32, p0: f32, p1: f32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> scale: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> variance: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = flat_group(wid, nwg) * WG + li;
  if (i >= p.n) { return; }
  let c = i % p.C;
  let v = (x[i] - mean[c]) * (scale[c] / sqrt(variance[c] + p.eps)) + bias[c];
  y[i] = activate1(v, p.p0, p.p1);
}
