// The taps of a sliding window (start i0, kernel k, dilation d) that land inside [0, size):
// taps [tapBegin, tapEnd). Shared by the depthwise conv and pooling kernels.

@inline export function tapBegin(i0: i32, k: i32, d: i32): i32 {
  let t = 0;
  while (t < k && i0 + t * d < 0) t++;
  return t;
}

@inline export function tapEnd(i0: i32, k: i32, d: i32, size: i32, begin: i32): i32 {
  let t = k;
  while (t > begin && i0 + (t - 1) * d >= size) t--;
  return t;
}
