import { describe, expect, it } from 'vitest';
import { f16BitsToF32, f32ToF16Bits } from '../../src/graph/constant.js';
import { rng } from '../helpers/harness.js';

const isNaNBits = (h: number): boolean => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

/** An independent oracle: the nearest half by search over the sorted positive halves, ties to even bits. */
function nearestHalf(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  let lo = 0, hi = 0x7c00; // positive halves sorted by bits: 0 .. +inf
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (f16BitsToF32(mid) <= a) lo = mid; else hi = mid;
  }
  const dLo = a - f16BitsToF32(lo), dHi = f16BitsToF32(hi) - a;
  // Past the largest finite half, IEEE rounds to inf from 65520 (the midpoint to the next, unrepresented step) on.
  if (lo === 0x7bff) return sign | (a >= 65520 ? 0x7c00 : 0x7bff);
  if (dLo < dHi) return sign | lo;
  if (dHi < dLo) return sign | hi;
  return sign | ((lo & 1) === 0 ? lo : hi);
}

describe('f16 codec', () => {
  it('round-trips all 65536 bit patterns (NaNs stay NaN)', () => {
    let nans = 0;
    for (let h = 0; h < 65536; h++) {
      const x = f16BitsToF32(h);
      const back = f32ToF16Bits(x);
      if (isNaNBits(h)) {
        expect(Number.isNaN(x)).toBe(true);
        expect(isNaNBits(back)).toBe(true);
        nans++;
      } else if (back !== h) {
        throw new Error(`0x${h.toString(16)} -> ${x} -> 0x${back.toString(16)}`);
      }
    }
    expect(nans).toBe(2 * 1023);
  });

  it('decodes the edge values exactly', () => {
    expect(f16BitsToF32(0x0001)).toBe(2 ** -24);
    expect(f16BitsToF32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(f16BitsToF32(0x0400)).toBe(2 ** -14);
    expect(f16BitsToF32(0x3c00)).toBe(1);
    expect(f16BitsToF32(0x3555)).toBe(0.333251953125);
    expect(f16BitsToF32(0x7bff)).toBe(65504);
    expect(f16BitsToF32(0x7c00)).toBe(Infinity);
    expect(f16BitsToF32(0xfc00)).toBe(-Infinity);
    expect(Object.is(f16BitsToF32(0x8000), -0)).toBe(true);
  });

  it('rounds every midpoint between neighbouring halves to the even one, and a hair off it to the nearer', () => {
    const f = new Float32Array(1), u = new Uint32Array(f.buffer);
    for (let h = 0; h < 0x7bff; h++) {
      const mid = (f16BitsToF32(h) + f16BitsToF32(h + 1)) / 2; // exact in f32: halves have 11 significant bits
      f[0] = mid;
      expect(f[0]).toBe(mid);
      const even = (h & 1) === 0 ? h : h + 1;
      if (f32ToF16Bits(mid) !== even || f32ToF16Bits(-mid) !== (even | 0x8000)) throw new Error(`midpoint above 0x${h.toString(16)}`);
      const bits = u[0];
      u[0] = bits - 1;
      const below = f[0];
      u[0] = bits + 1;
      const above = f[0];
      if (f32ToF16Bits(below) !== h || f32ToF16Bits(above) !== h + 1) throw new Error(`near midpoint above 0x${h.toString(16)}`);
    }
  });

  it('handles overflow, underflow, signed zero and NaN', () => {
    expect(f32ToF16Bits(65519.99)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00);
    expect(f32ToF16Bits(1e10)).toBe(0x7c00);
    expect(f32ToF16Bits(-1e10)).toBe(0xfc00);
    expect(f32ToF16Bits(Infinity)).toBe(0x7c00);
    expect(f32ToF16Bits(2 ** -25)).toBe(0);                     // tie with 0: even
    expect(f32ToF16Bits(2 ** -25 * 1.0000001)).toBe(1);
    expect(f32ToF16Bits(3 * 2 ** -25)).toBe(2);                 // tie between 1 and 2 units: even
    expect(f32ToF16Bits(1e-45)).toBe(0);                        // an f32 subnormal
    expect(f32ToF16Bits(-1e-30)).toBe(0x8000);
    expect(f32ToF16Bits(-0)).toBe(0x8000);
    expect(f32ToF16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400);     // largest subnormal + half a unit rounds up to the smallest normal
    expect(isNaNBits(f32ToF16Bits(NaN))).toBe(true);
  });

  it('agrees with a search-based oracle on 200,000 random f32 values', () => {
    const r = rng(42), f = new Float32Array(1), u = new Uint32Array(f.buffer);
    for (let i = 0; i < 200_000; i++) {
      // Exponents spread over the half range and beyond it, so subnormal, normal and overflow all occur.
      const exp = 127 - 30 + Math.floor(r() * 50);
      u[0] = ((r() < 0.5 ? 1 : 0) << 31) | (exp << 23) | Math.floor(r() * 0x800000);
      const x = f[0];
      const got = f32ToF16Bits(x), want = nearestHalf(x);
      if (got !== want) throw new Error(`${x}: got 0x${got.toString(16)}, want 0x${want.toString(16)}`);
    }
  });
});
