// What every TFLite operator converter shares: its builtin options, and finish(), which defines an output
// as the op's result clamped to the fused activation and the output's quantization grid.
import type { Attrs } from '../../graph/ir.js';
import type { Shape } from '../../tensor.js';
import { shapeToString } from '../../tensor.js';
import { clipActivation, gridRange, type Const, type Context, type Val } from './context.js';
import type { Table } from './flatbuffer.js';
import { Activation } from './schema.js';

export type Converter = (cx: Context) => void;

/** The operator's builtin options, checked to be of `type` (or absent: every field at its default). */
export function options(cx: Context, type: number): Table | undefined {
  const op = cx.op!;
  if (op.optionsType !== 0 && op.optionsType !== type) throw cx.malformed(`builtin options of union type ${op.optionsType}, expected ${type}`);
  return op.options;
}

interface Interval { lo: number; hi: number; tanh?: boolean }

function fused(cx: Context, code: number): Interval {
  switch (code) {
    case Activation.NONE: return { lo: -Infinity, hi: Infinity };
    case Activation.RELU: return { lo: 0, hi: Infinity };
    case Activation.RELU_N1_TO_1: return { lo: -1, hi: 1 };
    case Activation.RELU6: return { lo: 0, hi: 6 };
    case Activation.TANH: return { lo: -1, hi: 1, tanh: true };
    default: throw cx.unsupported(`fused activation ${code === Activation.SIGN_BIT ? 'SIGN_BIT' : code}`);
  }
}

/** `host`: the op takes a fused `activation` attribute (Conv, Gemm); `bounded`: no grid clamp. */
export type Mode = 'host' | 'plain' | 'bounded';
/** Emits the op writing `name` (with the fused activation when it is a host); returns its shape. */
export type Emit = (name: string, activation?: Attrs['activation']) => Shape;

export function clampNode(cx: Context, from: string, to: string, lo: number, hi: number): Shape {
  const act = clipActivation(lo, hi) as { op: string; min?: number; max?: number };
  const attrs: Attrs = act.op === 'Clip' ? { min: act.min!, max: act.max! } : {};
  return cx.emit(act.op, [from], attrs, [to])[0];
}

/** Checks an op's result against the shape the file declares for the tensor. */
export function checkShape(cx: Context, out: number, shape: Shape): void {
  const want = cx.tensor(out).shape;
  if (want.length === 0 && shape.length > 0) return;
  if (want.length !== shape.length || want.some((d, i) => d !== shape[i])) {
    throw cx.malformed(`output tensor ${out} "${cx.tensor(out).name}" is declared ${shapeToString(want)}, the operator computes ${shapeToString(shape)}`);
  }
}

/**
 * Defines output `out`: the op's raw result (natural range [nlo, nhi]) clamped to the fused activation
 * and the output grid, the clamp emitted only where values can fall outside it. Without `emit` the op is
 * the clamp itself (RELU, QUANTIZE): the input value `from` is clamped, or passed through unchanged.
 */
export function finish(cx: Context, out: number, natural: readonly [number, number], act: number, mode: Mode, emit?: Emit, from?: Val): void {
  const t = cx.tensor(out);
  const grid = cx.grid(t);
  const f = fused(cx, act);
  let { lo, hi } = f;
  if (grid && mode !== 'bounded') {
    const [gl, gh] = gridRange(grid);
    lo = Math.max(lo, gl);
    hi = Math.min(hi, gh);
    if (lo > hi) hi = lo;
  }
  let [nlo, nhi] = natural;
  const name = cx.irNames[out];
  let shape: Shape;
  if (f.tanh) {
    [nlo, nhi] = [Math.tanh(nlo), Math.tanh(nhi)];
    const need = nlo < lo || nhi > hi;
    const th = need ? cx.fresh(`${name}__tanh`) : name;
    if (mode === 'host') shape = emit!(th, { op: 'Tanh' });
    else {
      const raw = cx.fresh(`${name}__raw`);
      emit!(raw);
      shape = cx.emit('Tanh', [raw], {}, [th])[0];
    }
    if (need) clampNode(cx, th, name, lo, hi);
  } else {
    const need = nlo < lo || nhi > hi;
    if (!emit) {
      if (!need) {
        checkShape(cx, out, from!.shape);
        cx.define(out, { ...from!, ...(grid ? { grid } : { grid: undefined }) });
        return;
      }
      shape = clampNode(cx, from!.ir, name, lo, hi);
    } else if (!need) {
      shape = emit(name);
    } else if (mode === 'host') {
      shape = emit(name, clipActivation(lo, hi));
    } else {
      const raw = cx.fresh(`${name}__raw`);
      emit(raw);
      shape = clampNode(cx, raw, name, lo, hi);
    }
  }
  checkShape(cx, out, shape);
  cx.define(out, { kind: 'val', ir: name, shape, lo: Math.max(nlo, lo), hi: Math.min(nhi, hi), ...(grid ? { grid } : {}) });
}

/** Input k, which must be a constant (shapes, axes, paddings). */
export function constInput(cx: Context, k: number, what: string): Const {
  const c = cx.lookup(cx.input(k));
  if (c.kind !== 'const') throw cx.unsupported(`${what} (input ${k}) is computed at run time; only constants`);
  return c;
}

/** Defines output 0 as x reshaped to `shape` (the batch left free where the import keeps it free). */
export function reshapeTo(cx: Context, x: Val, shape: readonly number[]): void {
  finish(cx, cx.output(0), [x.lo, x.hi], Activation.NONE, 'plain', (name) => cx.emit('Reshape', [x.ir], { shape: cx.reshapeTarget(shape) }, [name])[0]);
}
