// Moves recurrent state between model tensors (the initial h and c in; the final Y_h and Y_c out), stored
// in the model's precision, and recurrent_step_f32's state buffer, which stays f32 in every precision: it
// is read H times per unit and step, which in f16 storage would be atomic loads in the inner loop, and
// rounding it to f16 at every step would compound over the sequence.
// IN: state[at + i] = tensor[i]; else tensor[i] = state[at + i]. Bindings: 0 tensor, 1 state, 2 params.
// #include "lib/grid.wgsl"
override WG: u32 = 64u;
override IN: bool = true;

struct Params { n: u32, at: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<storage, read_write> tensor: array<f32>;
@group(0) @binding(1) var<storage, read_write> state: array<f32>; // stays f32: see above
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = flat_group(wid, nwg) * WG + li;
  if (i >= p.n) { return; }
  if (IN) {
    state[p.at + i] = tensor[i];
  } else {
    tensor[i] = state[p.at + i];
  }
}
