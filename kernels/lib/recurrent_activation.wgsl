// ONNX's recurrent activation functions (src/ops/recurrent.ts), picked per direction and slot at run
// time from uniforms, since a bidirectional layer may use different functions in each direction.
// Kinds: 0 Relu, 1 Tanh, 2 Sigmoid, 3 Affine, 4 LeakyRelu, 5 ThresholdedRelu, 6 ScaledTanh, 7 HardSigmoid,
// 8 Elu, 9 Softsign, 10 Softplus. Host mapping: src/backends/webgpu/ops/recurrent.ts.
struct RecurrentAct { kind: u32, alpha: f32, beta: f32, pad: u32 }

fn recurrent_act(x: f32, a: RecurrentAct) -> f32 {
  switch a.kind {
    case 0u: { return max(x, 0.0); }
    case 1u: { return tanh(clamp(x, -15.0, 15.0)); }
    case 2u: { return 1.0 / (1.0 + exp(-clamp(x, -88.0, 88.0))); }
    case 3u: { return a.alpha * x + a.beta; }
    case 4u: { return select(a.alpha * x, x, x >= 0.0); }
    case 5u: { return select(0.0, x, x > a.alpha); }
    case 6u: { return a.alpha * tanh(clamp(a.beta * x, -15.0, 15.0)); }
    case 7u: { return clamp(a.alpha * x + a.beta, 0.0, 1.0); }
    case 8u: { return select(a.alpha * (exp(min(x, 0.0)) - 1.0), x, x >= 0.0); }
    case 9u: { return x / (1.0 + abs(x)); }
    default: {
      // Softplus, log(1 + e^x), arranged so exp never overflows.
      return max(x, 0.0) + log(1.0 + exp(-abs(x)));
    }
  }
}
