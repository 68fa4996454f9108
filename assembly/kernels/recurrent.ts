// What the RNN, LSTM and GRU sequence kernels share (layout batch-first, as src/ops/recurrent.ts):
// per-entry lengths (i32, from the host), states [N, H] in work memory loaded from initial states
// [N, D, H], final states written back as [N, D, H], and the combined biases for unfolded weights.
// Pointers to [N, D, H] tensors are already offset to direction d; their row stride is D*H.

/** The longest sequence: how many steps the batch takes. */
export function maxLength(lens: usize, N: i32): i32 {
  let m = 0;
  for (let n = 0; n < N; n++) m = max(m, load<i32>(lens + (<usize>n << 2)));
  return m;
}

/** state[n] = init[n] (row stride D*H), or zeros when init is 0. */
export function loadState(state: usize, init: usize, N: i32, H: i32, D: i32): void {
  const rowB = <usize>H << 2;
  if (init == 0) {
    memory.fill(state, 0, <usize>N * rowB);
    return;
  }
  for (let n = 0; n < N; n++) memory.copy(state + <usize>n * rowB, init + <usize>(n * D) * rowB, rowB);
}

/** final[n] (row stride D*H) = state[n], or zeros for an empty sequence (as the reference). */
export function storeFinal(final: usize, state: usize, lens: usize, N: i32, H: i32, D: i32): void {
  const rowB = <usize>H << 2;
  for (let n = 0; n < N; n++) {
    const dst = final + <usize>(n * D) * rowB;
    if (load<i32>(lens + (<usize>n << 2)) == 0) memory.fill(dst, 0, rowB);
    else memory.copy(dst, state + <usize>n * rowB, rowB);
  }
}

/**
 * The bias a kernel adds itself when it could not be folded into packed weights: B is [D, 2*G*H]
 * (Wb then Rb per direction). bx[d, j] = Wb + Rb, except the last H gates when `splitLast` (GRU with
 * linear_before_reset), whose Rb goes to br[d, 0..H) instead. bx or br may be 0 (not wanted).
 */
export function recurrent_bias_f32(B: usize, D: i32, GH: i32, H: i32, splitLast: bool, bx: usize, br: usize): void {
  const firstSplit = splitLast ? GH - H : GH;
  for (let d = 0; d < D; d++) {
    const wb = B + (<usize>(d * 2 * GH) << 2), rb = wb + (<usize>GH << 2);
    for (let j = 0; j < GH; j++) {
      const o = <usize>j << 2;
      const split = j >= firstSplit;
      if (bx != 0) store<f32>(bx + (<usize>(d * GH) << 2) + o, load<f32>(wb + o) + (split ? 0 : load<f32>(rb + o)));
      if (split && br != 0) store<f32>(br + (<usize>(d * H + j - firstSplit) << 2), load<f32>(rb + o));
    }
  }
}
