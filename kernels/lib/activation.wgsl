// The fused activations of src/ops/activation.ts, picked by the override ACT (ACTIVATION_CODES of
// src/ops/codes.ts, the ACT_* constants of lib/codes.gen.wgsl); parameters come from uniforms (p0, p1):
// Clip min=p0, max=p1; LeakyRelu alpha=p0; HardSigmoid alpha=p0, beta=p1. Arguments are clamped before
// exp/tanh so no kernel ever produces an infinity. Host mapping: src/backends/webgpu/activation.ts.
// #include "lib/codes.gen.wgsl"
override ACT: u32 = ACT_NONE;

fn activate4(x: vec4f, p0: f32, p1: f32) -> vec4f {
  switch ACT {
    case ACT_RELU: { return max(x, vec4f(0.0)); }
    case ACT_CLIP: { return min(max(x, vec4f(p0)), vec4f(p1)); }
    case ACT_LEAKY_RELU: { return select(p0 * x, x, x >= vec4f(0.0)); }
    case ACT_SIGMOID: { return 1.0 / (1.0 + exp(-clamp(x, vec4f(-88.0), vec4f(88.0)))); }
    case ACT_TANH: { return tanh(clamp(x, vec4f(-15.0), vec4f(15.0))); }
    case ACT_HARD_SIGMOID: { return clamp(p0 * x + p1, vec4f(0.0), vec4f(1.0)); }
    case ACT_HARD_SWISH: { return x * clamp(x / 6.0 + 0.5, vec4f(0.0), vec4f(1.0)); }
    default: { return x; }
  }
}

fn activate1(x: f32, p0: f32, p1: f32) -> f32 {
  return activate4(vec4f(x), p0, p1).x;
}
