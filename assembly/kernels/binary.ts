// y = a (op) b with numpy broadcasting, the host having collapsed the shapes to at most three outer
// axes (sizes d0..d2, element strides sa*/sb*, 0 where broadcast) around a contiguous inner run of n:
// mode 0: a and b run along it; 1: b is one value per run; 2: a is; 3: both are (a broadcast fill). y is dense; y may equal a or b
// only when that operand is dense too (same offsets). op: BINARY_OP_CODES of src/ops/codes.ts (PRelu: a=x, b=slope).
import { OP_ADD, OP_DIV, OP_MUL, OP_PRELU, OP_SUB } from '../codes.gen';

// @ts-ignore: decorator
@inline function op4(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case OP_ADD: return f32x4.add(a, b);
    case OP_SUB: return f32x4.sub(a, b);
    case OP_MUL: return f32x4.mul(a, b);
    case OP_DIV: return f32x4.div(a, b);
    default: return v128.bitselect(f32x4.mul(a, b), a, f32x4.lt(a, f32x4.splat(0)));
  }
}

// @ts-ignore: decorator
@inline function op1(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    default: return a < 0 ? b * a : a;
  }
}

// @ts-ignore: decorator
@inline function runOf(op: i32, mode: i32, a: usize, b: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (mode == 0) {
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(y + o, op4(op, v128.load(a + o), v128.load(b + o)));
      }
    } else if (mode == 1) {
      const vb = v128.load32_splat(b);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(y + o, op4(op, v128.load(a + o), vb));
      }
    } else if (mode == 2) {
      const va = v128.load32_splat(a);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(y + o, op4(op, va, v128.load(b + o)));
      }
    } else {
      const vy = op4(op, v128.load32_splat(a), v128.load32_splat(b));
      for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), vy);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const av = load<f32>(mode >= 2 ? a : a + o), bv = load<f32>(mode == 1 || mode == 3 ? b : b + o);
    store<f32>(y + o, op1(op, av, bv));
  }
}

// @ts-ignore: decorator
@inline function outer(op: i32, mode: i32, a: usize, b: usize, y: usize, n: i32,
  d0: i32, d1: i32, d2: i32, sa0: i32, sa1: i32, sa2: i32, sb0: i32, sb1: i32, sb2: i32): void {
  const run = <usize>n << 2;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      let pa = a + ((<usize>(i0 * sa0 + i1 * sa1)) << 2), pb = b + ((<usize>(i0 * sb0 + i1 * sb1)) << 2);
      for (let i2 = 0; i2 < d2; i2++) {
        runOf(op, mode, pa, pb, y, n);
        y += run;
        pa += <usize>sa2 << 2;
        pb += <usize>sb2 << 2;
      }
    }
  }
}

// @ts-ignore: decorator
@inline function byMode(op: i32, mode: i32, a: usize, b: usize, y: usize, n: i32,
  d0: i32, d1: i32, d2: i32, sa0: i32, sa1: i32, sa2: i32, sb0: i32, sb1: i32, sb2: i32): void {
  if (mode == 0) outer(op, 0, a, b, y, n, d0, d1, d2, sa0, sa1, sa2, sb0, sb1, sb2);
  else if (mode == 1) outer(op, 1, a, b, y, n, d0, d1, d2, sa0, sa1, sa2, sb0, sb1, sb2);
  else if (mode == 2) outer(op, 2, a, b, y, n, d0, d1, d2, sa0, sa1, sa2, sb0, sb1, sb2);
  else outer(op, 3, a, b, y, n, d0, d1, d2, sa0, sa1, sa2, sb0, sb1, sb2);
}

export function binary_f32(op: i32, a: usize, b: usize, y: usize, n: i32, mode: i32,
  d0: i32, d1: i32, d2: i32, sa0: i32, sa1: i32, sa2: i32, sb0: i32, sb1: i32, sb2: i32): void {
  switch (op) {
    case OP_ADD: byMode(OP_ADD, mode, a, b, y, n, d0, d1, d2, sa0, sa1, sa2, sb0, sb1, sb2); break;
    case OP_SUB: byMode(OP_SUB, mode, a, b, y, n, d0, d1, d2, sa0, sa1, sa2, sb0, sb1, sb2); break;
    case OP_MUL: byMode(OP_MUL, mode, a, b, y, n, d0, d1, d2, sa0, sa1, sa2, sb0, sb1, sb2); break;
    case OP_DIV: byMode(OP_DIV, mode, a, b, y, n, d0, d1, d2, sa0, sa1, sa2, sb0, sb1, sb2); break;
    default: byMode(OP_PRELU, mode, a, b, y, n, d0, d1, d2, sa0, sa1, sa2, sb0, sb1, sb2);
  }
}
