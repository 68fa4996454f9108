// y = act(x) for the activation ops (Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish).
// x, y: f32 padded to a multiple of 4 (lanes past n are garbage, never read back); y may not alias x.
// Bindings: 0 x (read), 1 y (read_write), 2 params. One vec4 per invocation over n4 = ceil(n / 4).
// #include "lib/activation.wgsl"
// #include "lib/grid.wgsl"
override WG: u32 = 64u;

struct Params { n4: u32, p0: f32, p1: f32, pad: u32 }
@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = flat_group(wid, nwg) * WG + li;
  if (i >= p.n4) { return; }
  y[i] = activate4(x[i], p.p0, p.p1);
}
