// The activations ONNX recurrent ops name for f, g, h, as codes matching src/backends/wasm/prepare/recurrent.ts.
// ract1 evaluates in f64 like the reference (src/ops/recurrent.ts); ract4 has f32x4 paths for Sigmoid,
// Tanh and Relu (the defaults) and evaluates the other functions lane by lane through ract1.
import { act4, ACT_SIGMOID, ACT_TANH } from './activation';

export const RA_RELU: i32 = 1;
export const RA_TANH: i32 = 2;
export const RA_SIGMOID: i32 = 3;
export const RA_AFFINE: i32 = 4;
export const RA_LEAKY_RELU: i32 = 5;
export const RA_THRESHOLDED_RELU: i32 = 6;
export const RA_SCALED_TANH: i32 = 7;
export const RA_HARD_SIGMOID: i32 = 8;
export const RA_ELU: i32 = 9;
export const RA_SOFTSIGN: i32 = 10;
export const RA_SOFTPLUS: i32 = 11;

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

/** The generic lane-by-lane path, kept out of line so the fast paths stay small. */
function ract4Lanes(x: v128, code: i32, alpha: f64, beta: f64): v128 {
  let r = f32x4.replace_lane(x, 0, ract1(f32x4.extract_lane(x, 0), code, alpha, beta));
  r = f32x4.replace_lane(r, 1, ract1(f32x4.extract_lane(x, 1), code, alpha, beta));
  r = f32x4.replace_lane(r, 2, ract1(f32x4.extract_lane(x, 2), code, alpha, beta));
  return f32x4.replace_lane(r, 3, ract1(f32x4.extract_lane(x, 3), code, alpha, beta));
}

// @ts-ignore: decorator
@inline export function ract4(x: v128, code: i32, alpha: f64, beta: f64): v128 {
  const zero = f32x4.splat(0);
  switch (code) {
    case RA_SIGMOID: return act4(x, ACT_SIGMOID, zero, zero);
    case RA_TANH: return act4(x, ACT_TANH, zero, zero);
    case RA_RELU: return f32x4.pmax(zero, x);
    default: return ract4Lanes(x, code, alpha, beta);
  }
}
