// Unary activations and the broadcasting binary ops (Add, Sub, Mul, Div, PRelu) as calls of
// unary_f32 / binary_f32. Broadcasting is resolved here, once: shapes collapse to a contiguous inner
// run and at most three outer axes per kernel call (more only for rank > 4 patterns that do not merge).
import { activationArgs, type Activation } from '../../../ops/activation.js';
import { broadcastStrides } from '../../../ops/broadcast.js';
import { BINARY_OP_CODES } from '../../../ops/codes.js';
import type { Shape } from '../../../tensor.js';
import type { PrepareFn, WasmContext } from '../context.js';
import type { Kernel } from '../plan-state.js';
import type { WasmTensor } from '../tensor.js';

export const unary: PrepareFn<Activation> = (b, [x], attrs, [y]) => {
  const { code, p0, p1 } = activationArgs(attrs);
  const xt = b.raw(x!);
  return { run: () => b.k.unary_f32(xt.ptr, y.ptr, y.size, code, p0, p1) };
};

/** One kernel call: element offsets of a, b and y, then binary_f32's shape arguments. */
interface Call { readonly ao: number; readonly bo: number; readonly yo: number }

export interface BroadcastPlan {
  readonly n: number;
  /** 0: both operands run along the inner axis; 1: b is one value per run; 2: a is; 3: both are. */
  readonly mode: 0 | 1 | 2 | 3;
  /** Three outer axes: sizes, a strides, b strides (elements). */
  readonly dims: [number, number, number];
  readonly sa: [number, number, number];
  readonly sb: [number, number, number];
  readonly calls: readonly Call[];
}

/** Merges axes whose strides chain in both operands, then splits off the inner run. */
export function broadcastPlan(aShape: Shape, bShape: Shape, out: Shape): BroadcastPlan {
  const sa0 = broadcastStrides(aShape, out), sb0 = broadcastStrides(bShape, out);
  const d: number[] = [], sa: number[] = [], sb: number[] = [];
  out.forEach((n, i) => {
    if (n === 1) return;
    const k = d.length - 1;
    if (k >= 0 && sa[k] === sa0[i] * n && sb[k] === sb0[i] * n) {
      d[k] *= n; sa[k] = sa0[i]; sb[k] = sb0[i];
    } else {
      d.push(n); sa.push(sa0[i]); sb.push(sb0[i]);
    }
  });
  if (d.length === 0) { d.push(1); sa.push(1); sb.push(1); }
  const q = d.length - 1;
  const n = d[q];
  // An operand either runs along the innermost axis (stride 1) or repeats one value (stride 0); with
  // n = 1 mode 0 reads the same single elements. Mode 3 needs an output larger than both operands.
  const mode = n === 1 || (sa[q] === 1 && sb[q] === 1) ? 0 : sa[q] === 1 ? 1 : sb[q] === 1 ? 2 : 3;
  const od = d.slice(0, q), oa = sa.slice(0, q), ob = sb.slice(0, q);
  while (od.length < 3) { od.unshift(1); oa.unshift(0); ob.unshift(0); }
  // Axes beyond three outer ones are walked here, one kernel call per index.
  const extra = od.length - 3;
  const calls: Call[] = [];
  const perCall = od.slice(extra).reduce((p, v) => p * v, 1) * n;
  const idx = new Array<number>(extra).fill(0);
  const total = od.slice(0, extra).reduce((p, v) => p * v, 1);
  for (let c = 0; c < total; c++) {
    let ao = 0, bo = 0;
    for (let i = 0; i < extra; i++) { ao += idx[i] * oa[i]; bo += idx[i] * ob[i]; }
    calls.push({ ao, bo, yo: c * perCall });
    for (let i = extra - 1; i >= 0; i--) { if (++idx[i] < od[i]) break; idx[i] = 0; }
  }
  const tail = <T>(v: T[]) => v.slice(extra) as [T, T, T];
  return { n, mode, dims: tail(od), sa: tail(oa), sb: tail(ob), calls };
}

export function binary(opName: keyof typeof BINARY_OP_CODES): PrepareFn {
  const code = BINARY_OP_CODES[opName];
  return (b, [a, c], _attrs, [y]): Kernel => {
    const at = b.raw(a!), bt = b.raw(c!);
    const p = broadcastPlan(at.shape, bt.shape, y.shape);
    const [d0, d1, d2] = p.dims, [sa0, sa1, sa2] = p.sa, [sb0, sb1, sb2] = p.sb;
    return {
      run: () => {
        for (const call of p.calls) {
          b.k.binary_f32(code, at.ptr + call.ao * 4, bt.ptr + call.bo * 4, y.ptr + call.yo * 4, p.n, p.mode,
            d0, d1, d2, sa0, sa1, sa2, sb0, sb1, sb2);
        }
      },
    };
  };
}

/** A run step writing y = scale * src broadcast to y's shape (Gemm's beta*C, a bias added by accumulation). */
export function broadcastScaled(b: WasmContext, src: WasmTensor, scale: number, y: WasmTensor): () => void {
  const st = b.raw(src);
  const s = b.persistent(4);
  b.mem.f32[s >> 2] = scale;
  const p = broadcastPlan(st.shape, [], y.shape);
  const [d0, d1, d2] = p.dims, [sa0, sa1, sa2] = p.sa, [sb0, sb1, sb2] = p.sb;
  return () => {
    for (const call of p.calls) {
      b.k.binary_f32(BINARY_OP_CODES.Mul, st.ptr + call.ao * 4, s, y.ptr + call.yo * 4, p.n, p.mode, d0, d1, d2, sa0, sa1, sa2, sb0, sb1, sb2);
    }
  };
}
