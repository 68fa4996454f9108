// y[i] = act(x[i]) for i < n, act one of the fused activations (assembly/activation.ts).
// x, y: f32, any 4-byte alignment; y may equal x.
import { act1, act4 } from '../activation';
import { ACT_CLIP, ACT_HARD_SIGMOID, ACT_HARD_SWISH, ACT_LEAKY_RELU, ACT_RELU, ACT_SIGMOID, ACT_TANH } from '../codes.gen';

// @ts-ignore: decorator
@inline function run(x: usize, y: usize, n: i32, code: i32, p0: f32, p1: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const v0 = f32x4.splat(p0), v1 = f32x4.splat(p1);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, act4(v128.load(x + o), code, v0, v1));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, act1(load<f32>(x + o), code, p0, p1));
  }
}

export function unary_f32(x: usize, y: usize, n: i32, code: i32, p0: f32, p1: f32): void {
  // One loop per activation, each with the switch folded away.
  switch (code) {
    case ACT_RELU: run(x, y, n, ACT_RELU, p0, p1); break;
    case ACT_CLIP: run(x, y, n, ACT_CLIP, p0, p1); break;
    case ACT_LEAKY_RELU: run(x, y, n, ACT_LEAKY_RELU, p0, p1); break;
    case ACT_SIGMOID: run(x, y, n, ACT_SIGMOID, p0, p1); break;
    case ACT_TANH: run(x, y, n, ACT_TANH, p0, p1); break;
    case ACT_HARD_SIGMOID: run(x, y, n, ACT_HARD_SIGMOID, p0, p1); break;
    case ACT_HARD_SWISH: run(x, y, n, ACT_HARD_SWISH, p0, p1); break;
    default: memory.copy(y, x, <usize>n << 2);
  }
}
