// c + a * b on f32x4 lanes: relaxed_madd in the relaxed-SIMD build (fused or not, as the engine
// chooses: results may differ from the SIMD build in the last bit), a mul then an add otherwise.

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
