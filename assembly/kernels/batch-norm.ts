// BatchNormalization (inference) with the channel last: y = (x - mean[c]) * a[c] + bias[c] then the fused
// activation, a[c] = scale[c] / sqrt(var[c] + eps) computed into `tmp` (C floats) by each call.
import { act1, act4 } from '../activation';

export function batchnorm_f32(rows: i32, C: i32, x: usize, scale: usize, bias: usize, mean: usize, variance: usize, eps: f32,
  tmp: usize, y: usize, code: i32, p0: f32, p1: f32): void {
  for (let c = 0; c < C; c++) {
    const o = <usize>c << 2;
    store<f32>(tmp + o, load<f32>(scale + o) / Mathf.sqrt(load<f32>(variance + o) + eps));
  }
  const rowB = <usize>C << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowB, yr = y + <usize>r * rowB;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      const v0 = f32x4.splat(p0), v1 = f32x4.splat(p1);
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        const v = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(mean + o)), v128.load(tmp + o)), v128.load(bias + o));
        v128.store(yr + o, act4(v, code, v0, v1));
      }
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      const v = (load<f32>(xr + o) - load<f32>(mean + o)) * load<f32>(tmp + o) + load<f32>(bias + o);
      store<f32>(yr + o, act1(v, code, p0, p1));
    }
  }
}
