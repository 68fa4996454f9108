// An RGBA8 frame -> batch item 0 of a model's NHWC f32 input, one output pixel at a time, bit for bit the
// reference (src/vision/preprocess.ts, resize.ts: Pillow's bilinear in 22-bit fixed point): each source row
// the y taps reach is filtered along x and rounded to uint8, then those rows along y; dst = lut[c * 256 +
// v[order[c]]]. src: rows of rowBytes; taps (i32): x's start[W], count[W], weights[W * xStride], then from
// yBase y's start[H], count[H], weights[H * yStride]. channels 1: Pillow's 16-bit luma taken before the filter.
// order packs model channel c's working channel in bits 8c..8c+7. Nothing is allocated; dst must not overlap src.

const HALF: i32 = 1 << 21;

// @ts-ignore: decorator
@inline function clip8(acc: i32): i32 {
  return min(max(acc >> 22, 0), 255);
}

// @ts-ignore: decorator
@inline function tap(taps: usize, i: i32): i32 {
  return load<i32>(taps + (<usize>i << 2));
}

export function preprocess_u8(src: usize, rowBytes: i32, taps: usize, W: i32, H: i32, xStride: i32, yBase: i32, yStride: i32,
  channels: i32, order: i32, lut: usize, dst: usize): void {
  const o0 = order & 255, o1 = (order >> 8) & 255, o2 = (order >> 16) & 255;
  let out = dst;
  for (let oy = 0; oy < H; oy++) {
    const ys = tap(taps, yBase + oy), yn = tap(taps, yBase + H + oy), yw = yBase + 2 * H + oy * yStride;
    for (let ox = 0; ox < W; ox++) {
      const xs = tap(taps, ox), xn = tap(taps, W + ox), xw = 2 * W + ox * xStride;
      if (channels == 1) {
        let acc = HALF;
        for (let r = 0; r < yn; r++) {
          let row = HALF;
          let p = src + <usize>(ys + r) * <usize>rowBytes + (<usize>xs << 2);
          for (let t = 0; t < xn; t++, p += 4) {
            const luma = (<i32>load<u8>(p) * 19595 + <i32>load<u8>(p, 1) * 38470 + <i32>load<u8>(p, 2) * 7471 + 32768) >> 16;
            row += luma * tap(taps, xw + t);
          }
          acc += clip8(row) * tap(taps, yw + r);
        }
        store<f32>(out, load<f32>(lut + (<usize>clip8(acc) << 2)));
        out += 4;
        continue;
      }
      let v0: i32, v1: i32, v2: i32;
      if (ASC_FEATURE_SIMD) {
        // One pixel's R, G, B (and A, unused) in four i32 lanes.
        const half = i32x4.splat(HALF), zero = i32x4.splat(0), top = i32x4.splat(255);
        let acc = half;
        for (let r = 0; r < yn; r++) {
          let row = half;
          let p = src + <usize>(ys + r) * <usize>rowBytes + (<usize>xs << 2);
          for (let t = 0; t < xn; t++, p += 4) {
            const px = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
            row = i32x4.add(row, i32x4.mul(px, i32x4.splat(tap(taps, xw + t))));
          }
          const c = i32x4.min_s(i32x4.max_s(i32x4.shr_s(row, 22), zero), top);
          acc = i32x4.add(acc, i32x4.mul(c, i32x4.splat(tap(taps, yw + r))));
        }
        const v = i32x4.min_s(i32x4.max_s(i32x4.shr_s(acc, 22), zero), top);
        v0 = i32x4.extract_lane(v, 0);
        v1 = i32x4.extract_lane(v, 1);
        v2 = i32x4.extract_lane(v, 2);
      } else {
        let a0 = HALF, a1 = HALF, a2 = HALF;
        for (let r = 0; r < yn; r++) {
          let r0 = HALF, r1 = HALF, r2 = HALF;
          let p = src + <usize>(ys + r) * <usize>rowBytes + (<usize>xs << 2);
          for (let t = 0; t < xn; t++, p += 4) {
            const w = tap(taps, xw + t);
            r0 += <i32>load<u8>(p) * w;
            r1 += <i32>load<u8>(p, 1) * w;
            r2 += <i32>load<u8>(p, 2) * w;
          }
          const w = tap(taps, yw + r);
          a0 += clip8(r0) * w;
          a1 += clip8(r1) * w;
          a2 += clip8(r2) * w;
        }
        v0 = clip8(a0);
        v1 = clip8(a1);
        v2 = clip8(a2);
      }
      const c0 = o0 == 0 ? v0 : o0 == 1 ? v1 : v2;
      const c1 = o1 == 0 ? v0 : o1 == 1 ? v1 : v2;
      const c2 = o2 == 0 ? v0 : o2 == 1 ? v1 : v2;
      store<f32>(out, load<f32>(lut + (<usize>c0 << 2)));
      store<f32>(out, load<f32>(lut + (<usize>(256 + c1) << 2)), 4);
      store<f32>(out, load<f32>(lut + (<usize>(512 + c2) << 2)), 8);
      out += 12;
    }
  }
}
