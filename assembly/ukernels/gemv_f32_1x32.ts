// One row of GEMM against four consecutive packed panels (32 columns): eight f32x4 accumulators, so each
// value of the row is broadcast once per 32 columns instead of once per 8. The row is read four values
// at a time and each lane broadcast by a shuffle: V8 turns that into fewer instructions than a
// load32_splat per value (measured: 52 vs 41 GFLOP/s for 1 x 512 x 128 in Node 20).
// Plain mul + add even in the relaxed-SIMD build: with only eight accumulators, V8's fused multiply-add
// makes each chain wait on its latency (44 GFLOP/s instead of 52 on the same shape). No activation and
// no partial store: with any branching code on the accumulators after the loop (an activation switch,
// a store of nc lanes, a tail loop), V8 compiles the loop about 1.8x slower (measured), so the K % 4
// tail runs first, every column is stored, and callers apply activations in a pass of their own.

// @ts-ignore: decorator
@inline function acc(c: v128, v: v128, w: usize, offset: usize): v128 {
  return f32x4.add(c, f32x4.mul(v, v128.load(w + offset)));
}

/**
 * y[0..32) = bias + a[0..K) * panels [+ y] for the four panels at w, w + pb, w + 2pb, w + 3pb
 * (pb = (K+1)*32 bytes), all 32 columns stored. A function, not inlined: one copy serves gemm_f32 and
 * the LSTM blocks.
 */
export function gemvTile1x32(K: i32, a: usize, w: usize, pb: usize, y: usize, accumulate: bool): void {
  let w0 = w, w1 = w + pb, w2 = w1 + pb, w3 = w2 + pb;
  let c0 = v128.load(w0), c1 = v128.load(w0, 16), c2 = v128.load(w1), c3 = v128.load(w1, 16);
  let c4 = v128.load(w2), c5 = v128.load(w2, 16), c6 = v128.load(w3), c7 = v128.load(w3, 16);
  if (accumulate) {
    c0 = f32x4.add(c0, v128.load(y)); c1 = f32x4.add(c1, v128.load(y, 16)); c2 = f32x4.add(c2, v128.load(y, 32));
    c3 = f32x4.add(c3, v128.load(y, 48)); c4 = f32x4.add(c4, v128.load(y, 64)); c5 = f32x4.add(c5, v128.load(y, 80));
    c6 = f32x4.add(c6, v128.load(y, 96)); c7 = f32x4.add(c7, v128.load(y, 112));
  }
  w0 += 32; w1 += 32; w2 += 32; w3 += 32;
  // The first K % 4 values go before the main loop: with the same code after it, V8 compiles that loop
  // about twice as slow (measured; the accumulators seem to lose their registers).
  if (K & 2) {
    const a2 = v128.load64_zero(a);
    let v = i32x4.shuffle(a2, a2, 0, 0, 0, 0);
    c0 = acc(c0, v, w0, 0); c1 = acc(c1, v, w0, 16); c2 = acc(c2, v, w1, 0); c3 = acc(c3, v, w1, 16);
    c4 = acc(c4, v, w2, 0); c5 = acc(c5, v, w2, 16); c6 = acc(c6, v, w3, 0); c7 = acc(c7, v, w3, 16);
    v = i32x4.shuffle(a2, a2, 1, 1, 1, 1);
    c0 = acc(c0, v, w0, 32); c1 = acc(c1, v, w0, 48); c2 = acc(c2, v, w1, 32); c3 = acc(c3, v, w1, 48);
    c4 = acc(c4, v, w2, 32); c5 = acc(c5, v, w2, 48); c6 = acc(c6, v, w3, 32); c7 = acc(c7, v, w3, 48);
    a += 8; w0 += 64; w1 += 64; w2 += 64; w3 += 64;
  }
  if (K & 1) {
    const v = f32x4.splat(load<f32>(a));
    c0 = acc(c0, v, w0, 0); c1 = acc(c1, v, w0, 16); c2 = acc(c2, v, w1, 0); c3 = acc(c3, v, w1, 16);
    c4 = acc(c4, v, w2, 0); c5 = acc(c5, v, w2, 16); c6 = acc(c6, v, w3, 0); c7 = acc(c7, v, w3, 16);
    a += 4; w0 += 32; w1 += 32; w2 += 32; w3 += 32;
  }
  for (let k = K & 3; k < K; k += 4) {
    const a4 = v128.load(a);
    let v = i32x4.shuffle(a4, a4, 0, 0, 0, 0);
    c0 = acc(c0, v, w0, 0); c1 = acc(c1, v, w0, 16); c2 = acc(c2, v, w1, 0); c3 = acc(c3, v, w1, 16);
    c4 = acc(c4, v, w2, 0); c5 = acc(c5, v, w2, 16); c6 = acc(c6, v, w3, 0); c7 = acc(c7, v, w3, 16);
    v = i32x4.shuffle(a4, a4, 1, 1, 1, 1);
    c0 = acc(c0, v, w0, 32); c1 = acc(c1, v, w0, 48); c2 = acc(c2, v, w1, 32); c3 = acc(c3, v, w1, 48);
    c4 = acc(c4, v, w2, 32); c5 = acc(c5, v, w2, 48); c6 = acc(c6, v, w3, 32); c7 = acc(c7, v, w3, 48);
    v = i32x4.shuffle(a4, a4, 2, 2, 2, 2);
    c0 = acc(c0, v, w0, 64); c1 = acc(c1, v, w0, 80); c2 = acc(c2, v, w1, 64); c3 = acc(c3, v, w1, 80);
    c4 = acc(c4, v, w2, 64); c5 = acc(c5, v, w2, 80); c6 = acc(c6, v, w3, 64); c7 = acc(c7, v, w3, 80);
    v = i32x4.shuffle(a4, a4, 3, 3, 3, 3);
    c0 = acc(c0, v, w0, 96); c1 = acc(c1, v, w0, 112); c2 = acc(c2, v, w1, 96); c3 = acc(c3, v, w1, 112);
    c4 = acc(c4, v, w2, 96); c5 = acc(c5, v, w2, 112); c6 = acc(c6, v, w3, 96); c7 = acc(c7, v, w3, 112);
    a += 16; w0 += 128; w1 += 128; w2 += 128; w3 += 128;
  }
  v128.store(y, c0); v128.store(y, c1, 16); v128.store(y, c2, 32); v128.store(y, c3, 48);
  v128.store(y, c4, 64); v128.store(y, c5, 80); v128.store(y, c6, 96); v128.store(y, c7, 112);
}
