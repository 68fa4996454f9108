// One time step of RNN / GRU / LSTM (ONNX, batch-first) for every (direction, batch entry, hidden unit).
// xw = X W^T per direction, precomputed [D, N*T, G*H]; state = [2 (ping-pong by step parity)][3 (h, c,
// GRU's r*h)][N][D][H]. Step s reads parity s%2 and writes the other; past an entry's length the state
// passes through (zeros for an empty sequence) and Y[n, s] is zeroed, so Y is fully written every run.
// Bindings: 0 xw, 1 R [D, G*H, H] (as vec4s: with VEC4, H % 4 == 0, a unit reads its rows 4 weights at a
// time), 2 B [D, 2*G*H], 3 sequence_lens [N] (f32), 4 P [D, 3H] (read; unused
// unless HAS_*), 5 state, 6 Y [N, T, D, H] (read_write), 7 params. GRU without LBR runs PHASE 0 (r*h) first.
// One dispatch per step (and phase), one unit per invocation; or, with SEQUENCE, a single workgroup runs
// every step and phase of the sequence, storage barriers between steps: one dispatch instead of T (or 2T),
// for layers whose units fit one workgroup (so a per-step grid would be one workgroup too).
// #include "lib/grid.wgsl"
// #include "lib/recurrent_activation.wgsl"
override CELL: u32 = 0u; // 0 RNN, 1 GRU, 2 LSTM
override PHASE: u32 = 1u;
override LBR: bool = false;
override HAS_B: bool = false;
override HAS_LENS: bool = false;
override HAS_P: bool = false;
override INPUT_FORGET: bool = false;
override SEQUENCE: bool = false;
override VEC4: bool = false;
override WG: u32 = 64u;

struct Params {
  N: u32, T: u32, H: u32, step: u32,
  rev_mask: u32, total: u32, clip: f32, pad0: u32,
  acts: array<RecurrentAct, 6>, // direction d, function k (ONNX order f, g, h) at d * 3 + k
}
@group(0) @binding(0) var<storage, read> xw: array<f32>;
@group(0) @binding(1) var<storage, read> r: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> lens: array<f32>;
@group(0) @binding(4) var<storage, read> peep: array<f32>;
@group(0) @binding(5) var<storage, read_write> state: array<f32>; // stays f32: see recurrent_state_f32.wgsl
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<uniform> p: Params;

fn gates() -> u32 {
  switch CELL { case 1u: { return 3u; } case 2u: { return 4u; } default: { return 1u; } }
}

fn st(parity: u32, slot: u32, n: u32, d: u32, j: u32, D: u32) -> u32 {
  return (((parity * 3u + slot) * p.N + n) * D + d) * p.H + j;
}

/** Row `row` of direction d's R times state slot `slot` (of parity `parity`) of entry n. */
fn rdot(d: u32, row: u32, parity: u32, slot: u32, n: u32, D: u32) -> f32 {
  let rbase = (d * gates() * p.H + row) * p.H;
  let sbase = st(parity, slot, n, d, 0u, D);
  var s = 0.0;
  if (VEC4) {
    for (var k = 0u; k < p.H; k += 4u) {
      let h = vec4f(state[sbase + k], state[sbase + k + 1u], state[sbase + k + 2u], state[sbase + k + 3u]);
      s += dot(r[(rbase + k) >> 2u], h);
    }
  } else {
    for (var k = 0u; k < p.H; k++) {
      let e = rbase + k;
      s += r[e >> 2u][e & 3u] * state[sbase + k];
    }
  }
  return s;
}

fn wb(d: u32, row: u32) -> f32 {
  if (!HAS_B) { return 0.0; }
  return b[d * 2u * gates() * p.H + row];
}

fn rb(d: u32, row: u32) -> f32 {
  if (!HAS_B) { return 0.0; }
  return b[(d * 2u + 1u) * gates() * p.H + row];
}

fn act(x: f32, d: u32, k: u32) -> f32 {
  return recurrent_act(clamp(x, -p.clip, p.clip), p.acts[d * 3u + k]);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  if (SEQUENCE) {
    // Uniform control flow throughout: every invocation reaches every barrier.
    for (var s = 0u; s < p.T; s++) {
      if (CELL == 1u && !LBR) {
        for (var i = li; i < p.total; i += WG) { unit_step(i, s, 0u); }
        storageBarrier();
      }
      for (var i = li; i < p.total; i += WG) { unit_step(i, s, 1u); }
      storageBarrier();
    }
  } else {
    let i = flat_group(wid, nwg) * WG + li;
    if (i < p.total) { unit_step(i, p.step, PHASE); }
  }
}

/** Step s (phase `phase`) of unit i = (direction, batch entry, hidden unit). */
fn unit_step(i: u32, s: u32, phase: u32) {
  let D = p.total / (p.N * p.H);
  let j = i % p.H;
  let n = (i / p.H) % p.N;
  let d = i / (p.H * p.N);
  let cur = s % 2u;
  let nxt = 1u - cur;
  var len = p.T;
  if (HAS_LENS) { len = u32(clamp(lens[n], 0.0, f32(p.T))); }
  if (s >= len) {
    if (phase == 1u) {
      let keep = len > 0u;
      state[st(nxt, 0u, n, d, j, D)] = select(0.0, state[st(cur, 0u, n, d, j, D)], keep);
      state[st(nxt, 1u, n, d, j, D)] = select(0.0, state[st(cur, 1u, n, d, j, D)], keep);
      y[((n * p.T + s) * D + d) * p.H + j] = 0.0;
    }
    return;
  }
  let t = select(s, len - 1u - s, ((p.rev_mask >> d) & 1u) == 1u);
  let H = p.H;
  let xrow = ((d * p.N + n) * p.T + t) * gates() * H;
  let h_prev = state[st(cur, 0u, n, d, j, D)];
  var h = 0.0;
  if (CELL == 0u) {
    h = act(xw[xrow + j] + wb(d, j) + rb(d, j) + rdot(d, j, cur, 0u, n, D), d, 0u);
  } else if (CELL == 1u) {
    // Gate blocks z, r, h.
    let rg = act(xw[xrow + H + j] + wb(d, H + j) + rb(d, H + j) + rdot(d, H + j, cur, 0u, n, D), d, 0u);
    if (phase == 0u) {
      state[st(cur, 2u, n, d, j, D)] = rg * h_prev;
      return;
    }
    let z = act(xw[xrow + j] + wb(d, j) + rb(d, j) + rdot(d, j, cur, 0u, n, D), d, 0u);
    var rh: f32;
    if (LBR) {
      rh = rg * (rdot(d, 2u * H + j, cur, 0u, n, D) + rb(d, 2u * H + j));
    } else {
      rh = rdot(d, 2u * H + j, cur, 2u, n, D) + rb(d, 2u * H + j);
    }
    let ht = act(xw[xrow + 2u * H + j] + wb(d, 2u * H + j) + rh, d, 1u);
    h = (1.0 - z) * ht + z * h_prev;
  } else {
    // Gate blocks i, o, f, c; peepholes P = [pi, po, pf].
    var pi = 0.0;
    var po = 0.0;
    var pf = 0.0;
    if (HAS_P) {
      pi = peep[d * 3u * H + j];
      po = peep[d * 3u * H + H + j];
      pf = peep[d * 3u * H + 2u * H + j];
    }
    let pre = array<f32, 4>(
      xw[xrow + j] + wb(d, j) + rb(d, j) + rdot(d, j, cur, 0u, n, D),
      xw[xrow + H + j] + wb(d, H + j) + rb(d, H + j) + rdot(d, H + j, cur, 0u, n, D),
      xw[xrow + 2u * H + j] + wb(d, 2u * H + j) + rb(d, 2u * H + j) + rdot(d, 2u * H + j, cur, 0u, n, D),
      xw[xrow + 3u * H + j] + wb(d, 3u * H + j) + rb(d, 3u * H + j) + rdot(d, 3u * H + j, cur, 0u, n, D),
    );
    let c_prev = state[st(cur, 1u, n, d, j, D)];
    let ig = act(pre[0] + pi * c_prev, d, 0u);
    var fg = 1.0 - ig;
    if (!INPUT_FORGET) { fg = act(pre[2] + pf * c_prev, d, 0u); }
    let c = fg * c_prev + ig * act(pre[3], d, 1u);
    let og = act(pre[1] + po * c, d, 0u);
    // The cell output function is not clipped (ONNX clips activation inputs of the gates only).
    h = og * recurrent_act(c, p.acts[d * 3u + 2u]);
    state[st(nxt, 1u, n, d, j, D)] = c;
  }
  state[st(nxt, 0u, n, d, j, D)] = h;
  y[((n * p.T + t) * D + d) * p.H + j] = h;
}
