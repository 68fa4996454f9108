// ONNX's recurrent activation functions (src/ops/recurrent.ts), picked per direction and slot at run
// time from uniforms, since a bidirectional layer may use different functions in each direction.
// kind: RECURRENT_ACTIVATION_CODES of src/ops/codes.ts (RA_* in lib/codes.gen.wgsl).
// Host mapping: src/backends/webgpu/ops/recurrent.ts.
// #include "lib/codes.gen.wgsl"
struct RecurrentAct { kind: u32, alpha: f32, beta: f32, pad: u32 }

fn recurrent_act(x: f32, a: RecurrentAct) -> f32 {
  switch a.kind {
    case RA_RELU: { return max(x, 0.0); }
    case RA_TANH: { return tanh(clamp(x, -15.0, 15.0)); }
    case RA_SIGMOID: { return 1.0 / (1.0 + exp(-clamp(x, -88.0, 88.0))); }
    case RA_AFFINE: { return a.alpha * x + a.beta; }
    case RA_LEAKY_RELU: { return select(a.alpha * x, x, x >= 0.0); }
    case RA_THRESHOLDED_RELU: { return select(0.0, x, x > a.alpha); }
    case RA_SCALED_TANH: { return a.alpha * tanh(clamp(a.beta * x, -15.0, 15.0)); }
    case RA_HARD_SIGMOID: { return clamp(a.alpha * x + a.beta, 0.0, 1.0); }
    case RA_ELU: { return select(a.alpha * (exp(min(x, 0.0)) - 1.0), x, x >= 0.0); }
    case RA_SOFTSIGN: { return x / (1.0 + abs(x)); }
    default: {
      // RA_SOFTPLUS, log(1 + e^x), arranged so exp never overflows.
      return max(x, 0.0) + log(1.0 + exp(-abs(x)));
    }
  }
}
