// The activations ONNX recurrent ops name for f, g, h, by RECURRENT_ACTIVATION_CODES of src/ops/codes.ts.
// ract1 evaluates in f64 like the reference (src/ops/recurrent.ts); ract4 has f32x4 paths for Sigmoid and
// Tanh (rational approximations within 3.1e-7, below) and Relu, the defaults, and evaluates the other
// functions lane by lane through ract1.

import {
  RA_AFFINE, RA_ELU, RA_HARD_SIGMOID, RA_LEAKY_RELU, RA_RELU, RA_SCALED_TANH, RA_SIGMOID, RA_SOFTPLUS, RA_SOFTSIGN,
  RA_TANH, RA_THRESHOLDED_RELU,
} from './codes.gen';

// @ts-ignore: decorator
@inline export function ract1(x: f32, code: i32, alpha: f64, beta: f64): f32 {
  const v = <f64>x;
  switch (code) {
    case RA_RELU: return x > 0 ? x : 0;
    case RA_TANH: return <f32>Math.tanh(v);
    case RA_SIGMOID: return <f32>(1.0 / (1.0 + Math.exp(-v)));
    case RA_AFFINE: return <f32>(alpha * v + beta);
    case RA_LEAKY_RELU: return <f32>(v >= 0 ? v : alpha * v);
    case RA_THRESHOLDED_RELU: return <f32>(v > alpha ? v : 0.0);
    case RA_SCALED_TANH: return <f32>(alpha * Math.tanh(beta * v));
    case RA_HARD_SIGMOID: return <f32>Math.max(0.0, Math.min(1.0, alpha * v + beta));
    case RA_ELU: return <f32>(v >= 0 ? v : alpha * (Math.exp(v) - 1.0));
    case RA_SOFTSIGN: return <f32>(v / (1.0 + Math.abs(v)));
    // log(1 + e^x) without overflowing for large x, as the reference.
    case RA_SOFTPLUS: return <f32>(v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
    default: return x;
  }
}

/**
 * tanh(x) ~ x P(x^2) / Q(x^2), P and Q of degree 4, on |x| <= 8 (x clamped there; tanh(8) = 1 - 2.3e-7).
 * Coefficients from a minimax-style fit (iteratively reweighted least squares on the linearised error
 * x P - tanh(x) Q over [0, 8]): 6e-9 in exact arithmetic, at most 3.1e-7 evaluated in f32, |result| < 1.
 * sigmoid(x) = 1/2 + tanh(x/2)/2 is the same form with the scaling folded into the coefficients, on |x| <= 16.
 * One division and 19 mul/add/min/max per four lanes: 3.3x faster than the exp-based sigmoid of
 * activation.ts in V8 (measured, 512 values). The constants are splat-loaded from this table where used:
 * V8 builds each v128.const anew with several instructions (hoisting them sped an exp-based form up 12%),
 * and in the LSTM cell, locals holding them all would be spilled anyway.
 */
const TANH_PQ = memory.data<f32>([
  -8.0, 8.0,
  9.999999700e-01, 1.343818770e-01, 3.564152013e-03, 2.177317672e-05, 1.506171024e-08,
  1.0, 4.677150847e-01, 2.613600011e-02, 3.399172609e-04, 8.453621965e-07,
]);
const SIGMOID_PQ = memory.data<f32>([
  -16.0, 16.0,
  2.499999925e-01, 8.398867311e-03, 5.568987520e-05, 8.505147157e-08, 1.470870141e-11,
  1.0, 1.169287712e-01, 1.633500007e-03, 5.311207202e-06, 3.302196080e-09,
]);

/** x P(x^2) / Q(x^2) with the clamp and coefficients of table t (layout of TANH_PQ). NaN stays NaN. */
// @ts-ignore: decorator
@inline function rational4(x: v128, t: usize): v128 {
  // pmin/pmax are single instructions (min/max are not); in this order a NaN lane passes through.
  x = f32x4.pmin(f32x4.pmax(x, v128.load32_splat(t)), v128.load32_splat(t, 4));
  const z = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(v128.load32_splat(t, 24), z), v128.load32_splat(t, 20));
  let q = f32x4.add(f32x4.mul(v128.load32_splat(t, 44), z), v128.load32_splat(t, 40));
  p = f32x4.add(f32x4.mul(p, z), v128.load32_splat(t, 16));
  q = f32x4.add(f32x4.mul(q, z), v128.load32_splat(t, 36));
  p = f32x4.add(f32x4.mul(p, z), v128.load32_splat(t, 12));
  q = f32x4.add(f32x4.mul(q, z), v128.load32_splat(t, 32));
  p = f32x4.add(f32x4.mul(p, z), v128.load32_splat(t, 8));
  q = f32x4.add(f32x4.mul(q, z), v128.load32_splat(t, 28));
  return f32x4.div(f32x4.mul(x, p), q);
}

// @ts-ignore: decorator
@inline export function tanh4(x: v128): v128 {
  return rational4(x, TANH_PQ);
}

// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  return f32x4.add(f32x4.splat(0.5), rational4(x, SIGMOID_PQ));
}

/** The generic lane-by-lane path, kept out of line so the fast paths stay small. */
function ract4Lanes(x: v128, code: i32, alpha: f64, beta: f64): v128 {
  let r = f32x4.replace_lane(x, 0, ract1(f32x4.extract_lane(x, 0), code, alpha, beta));
  r = f32x4.replace_lane(r, 1, ract1(f32x4.extract_lane(x, 1), code, alpha, beta));
  r = f32x4.replace_lane(r, 2, ract1(f32x4.extract_lane(x, 2), code, alpha, beta));
  return f32x4.replace_lane(r, 3, ract1(f32x4.extract_lane(x, 3), code, alpha, beta));
}

// @ts-ignore: decorator
@inline export function ract4(x: v128, code: i32, alpha: f64, beta: f64): v128 {
  switch (code) {
    case RA_SIGMOID: return sigmoid4(x);
    case RA_TANH: return tanh4(x);
    case RA_RELU: return f32x4.pmax(f32x4.splat(0), x);
    default: return ract4Lanes(x, code, alpha, beta);
  }
}

/** ONNX's clip of recurrent pre-activations (clip <= 0: none). pmin/pmax in this order keep NaN, as the reference. */
// @ts-ignore: decorator
@inline export function clip4(x: v128, clip: f32): v128 {
  return clip > 0 ? f32x4.pmin(f32x4.pmax(x, f32x4.splat(-clip)), f32x4.splat(clip)) : x;
}

// @ts-ignore: decorator
@inline export function clip1(x: f32, clip: f32): f32 {
  return clip > 0 ? min<f32>(max<f32>(x, -clip), clip) : x;
}
