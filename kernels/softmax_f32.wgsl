// Softmax / LogSoftmax along one axis: one workgroup per slice (element k at base + k * inner), max and
// sum reduced through workgroup memory; the max is subtracted first so exp never overflows.
// Bindings: 0 x, 1 y, 2 params. Slices fold into (x, y) workgroups past the per-dimension limit.
// #include "lib/grid.wgsl"
override LOG: bool = false;
const WG = 64u;

struct Params { slices: u32, n: u32, inner: u32, pad0: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let s = flat_group(wid, nwg);
  if (s >= p.slices) { return; }
  let base = (s / p.inner) * p.n * p.inner + s % p.inner;
  var m = -3.4028234663852886e38;
  for (var k = li; k < p.n; k += WG) { m = max(m, x[base + k * p.inner]); }
  red[li] = m;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (li < half) { red[li] = max(red[li], red[li + half]); }
    workgroupBarrier();
  }
  let mx = red[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var k = li; k < p.n; k += WG) { sum += exp(x[base + k * p.inner] - mx); }
  red[li] = sum;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (li < half) { red[li] += red[li + half]; }
    workgroupBarrier();
  }
  let total = red[0];
  let log_total = log(total);
  for (var k = li; k < p.n; k += WG) {
    let i = base + k * p.inner;
    if (LOG) { y[i] = x[i] - mx - log_total; } else { y[i] = exp(x[i] - mx) / total; }
  }
}
