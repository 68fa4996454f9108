// The fused activations of src/ops/activation.ts, picked by the override ACT; parameters come from
// uniforms (p0, p1). Arguments are clamped before exp/tanh so no kernel ever produces an infinity.
// ACT: 0 none, 1 Relu, 2 Clip(min=p0, max=p1), 3 LeakyRelu(alpha=p0), 4 Sigmoid, 5 Tanh,
//      6 HardSigmoid(alpha=p0, beta=p1), 7 HardSwish. Host mapping: src/backends/webgpu/activation.ts.
override ACT: u32 = 0u;

fn activate4(x: vec4f, p0: f32, p1: f32) -> vec4f {
  switch ACT {
    case 1u: { return max(x, vec4f(0.0)); }
    case 2u: { return min(max(x, vec4f(p0)), vec4f(p1)); }
    case 3u: { return select(p0 * x, x, x >= vec4f(0.0)); }
    case 4u: { return 1.0 / (1.0 + exp(-clamp(x, vec4f(-88.0), vec4f(88.0)))); }
    case 5u: { return tanh(clamp(x, vec4f(-15.0), vec4f(15.0))); }
    case 6u: { return clamp(p0 * x + p1, vec4f(0.0), vec4f(1.0)); }
    case 7u: { return x * clamp(x / 6.0 + 0.5, vec4f(0.0), vec4f(1.0)); }
    default: { return x; }
  }
}

fn activate1(x: f32, p0: f32, p1: f32) -> f32 {
  return activate4(vec4f(x), p0, p1).x;
}
