// The fused activations as @inline f32x4 and scalar helpers for kernel epilogues. The codes are
// ACTIVATION_CODES of src/ops/codes.ts (emitted into codes.gen.ts); p0/p1 carry min/max (Clip), alpha
// (LeakyRelu) or alpha/beta (HardSigmoid).
import {
  ACT_CLIP, ACT_HARD_SIGMOID, ACT_HARD_SWISH, ACT_LEAKY_RELU, ACT_RELU, ACT_SIGMOID, ACT_TANH,
} from './codes.gen';

/**
 * e^x for f32 lanes: Cody-Waite range reduction and the Cephes expf polynomial (about 2 ulp).
 * The clamp keeps 2^n a normal float; the top (88) is just below where 2^n would overflow.
 */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  // pmin/pmax: single instructions (min/max take several in V8); in this order a NaN lane passes through.
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.33654)), f32x4.splat(88.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(y, scale);
}

/** Applies activation `code` to four lanes; p0/p1 are the splatted parameters. */
// @ts-ignore: decorator
@inline export function act4(x: v128, code: i32, p0: v128, p1: v128): v128 {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  switch (code) {
    // pmax(0, x) is `0 < x ? x : 0`: a NaN gives 0, as the reference's `x > 0 ? x : 0`.
    case ACT_RELU: return f32x4.pmax(zero, x);
    // pmin/pmax rather than min/max (several instructions each in V8); in this order NaN passes through,
    // as in the reference's Math.min(Math.max(x, lo), hi). They may keep -0 where the reference gives +0.
    case ACT_CLIP: return f32x4.pmin(f32x4.pmax(x, p0), p1);
    case ACT_LEAKY_RELU: return v128.bitselect(x, f32x4.mul(x, p0), f32x4.ge(x, zero));
    case ACT_SIGMOID: return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(x))));
    case ACT_TANH: {
      // tanh|x| = (1 - e^-2|x|) / (1 + e^-2|x|), then x's sign back.
      const t = exp4(f32x4.mul(f32x4.abs(x), f32x4.splat(-2)));
      const m = f32x4.div(f32x4.sub(one, t), f32x4.add(one, t));
      return v128.or(m, v128.and(x, i32x4.splat(0x80000000)));
    }
    case ACT_HARD_SIGMOID: return f32x4.pmax(f32x4.pmin(f32x4.add(f32x4.mul(x, p0), p1), one), zero);
    case ACT_HARD_SWISH: {
      const g = f32x4.add(f32x4.mul(x, f32x4.splat(<f32>(1.0 / 6.0))), f32x4.splat(0.5));
      return f32x4.mul(x, f32x4.pmax(f32x4.pmin(g, one), zero));
    }
    default: return x;
  }
}

/** The scalar twin of act4, for tails and the scalar build. */
// @ts-ignore: decorator
@inline export function act1(x: f32, code: i32, p0: f32, p1: f32): f32 {
  switch (code) {
    case ACT_RELU: return x > 0 ? x : 0;
    case ACT_CLIP: return min<f32>(max<f32>(x, p0), p1);
    case ACT_LEAKY_RELU: return x >= 0 ? x : p0 * x;
    case ACT_SIGMOID: return <f32>1 / (<f32>1 + Mathf.exp(-x));
    case ACT_TANH: return Mathf.tanh(x);
    case ACT_HARD_SIGMOID: return max<f32>(0, min<f32>(1, p0 * x + p1));
    case ACT_HARD_SWISH: return x * max<f32>(0, min<f32>(1, x * <f32>(1.0 / 6.0) + <f32>0.5));
    default: return x;
  }
}
