// Softmax / LogSoftmax over the middle axis of [outer, n, inner] (the host folds the shape): each slice
// subtracts its max before exp. inner == 1 runs along contiguous rows; otherwise four slices at a time.
// y may equal x.
import { exp4 } from '../activation';

// @ts-ignore: decorator
@inline function rowSoftmax(x: usize, y: usize, n: i32, log: bool): void {
  let m: f32 = -Infinity;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let vm = f32x4.splat(-Infinity);
    for (; i + 4 <= n; i += 4) vm = f32x4.max(vm, v128.load(x + (<usize>i << 2)));
    m = max(max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
  }
  for (; i < n; i++) m = max(m, load<f32>(x + (<usize>i << 2)));
  let sum: f32 = 0;
  i = 0;
  if (ASC_FEATURE_SIMD) {
    const vmax = f32x4.splat(m);
    let vs = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const e = exp4(f32x4.sub(v128.load(x + o), vmax));
      if (!log) v128.store(y + o, e);
      vs = f32x4.add(vs, e);
    }
    sum = (f32x4.extract_lane(vs, 0) + f32x4.extract_lane(vs, 1)) + (f32x4.extract_lane(vs, 2) + f32x4.extract_lane(vs, 3));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const e = Mathf.exp(load<f32>(x + o) - m);
    if (!log) store<f32>(y + o, e);
    sum += e;
  }
  if (log) {
    // (x - m) - log(sum): x - m is exact near m, so only the last step rounds; a rounded m + log(sum)
    // would carry an error of half an ulp of m (3.9e-3 at 1e5).
    const ls = Mathf.log(sum);
    for (i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), (load<f32>(x + (<usize>i << 2)) - m) - ls);
  } else {
    const inv: f32 = <f32>1 / sum;
    i = 0;
    if (ASC_FEATURE_SIMD) {
      const vinv = f32x4.splat(inv);
      for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), f32x4.mul(v128.load(y + (<usize>i << 2)), vinv));
    }
    for (; i < n; i++) store<f32>(y + (<usize>i << 2), load<f32>(y + (<usize>i << 2)) * inv);
  }
}

/** One strided slice: element k at x + k*stride bytes. */
// @ts-ignore: decorator
@inline function sliceSoftmax(x: usize, y: usize, n: i32, stride: usize, log: bool): void {
  let m: f32 = -Infinity;
  for (let k = 0; k < n; k++) m = max(m, load<f32>(x + <usize>k * stride));
  let sum: f32 = 0;
  for (let k = 0; k < n; k++) {
    const e = Mathf.exp(load<f32>(x + <usize>k * stride) - m);
    if (!log) store<f32>(y + <usize>k * stride, e);
    sum += e;
  }
  if (log) {
    const ls = Mathf.log(sum);
    for (let k = 0; k < n; k++) store<f32>(y + <usize>k * stride, (load<f32>(x + <usize>k * stride) - m) - ls);
  } else {
    const inv: f32 = <f32>1 / sum;
    for (let k = 0; k < n; k++) store<f32>(y + <usize>k * stride, load<f32>(y + <usize>k * stride) * inv);
  }
}

export function softmax_f32(outer: i32, n: i32, inner: i32, x: usize, y: usize, log: bool): void {
  const sliceB = <usize>n * <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * sliceB, yo = y + <usize>o * sliceB;
    if (inner == 1) {
      rowSoftmax(xo, yo, n, log);
    } else {
      for (let j = 0; j < inner; j++) sliceSoftmax(xo + (<usize>j << 2), yo + (<usize>j << 2), n, <usize>inner << 2, log);
    }
  }
}
