// Quantized (8-bit) tensors inside the IR, and the two ops at their edges. A quantized value holds its
// integers q as f32 (exact), so every data-movement op (Reshape, Transpose, Concat, Split, MaxPool) carries it
// unchanged; the real value (q - zeroPoint) * scale is left to the ops that read these parameters.
// Arithmetic follows onnxruntime's documented semantics (MLAS quantize.cpp, qladd.cpp, requantization):
// every product and quotient rounded to f32, then round half to even, then the zero point, then saturation.
import { shapeToString, type Shape } from '../tensor.js';
import type { AttrValue, Attrs } from './attrs.js';
import { defineOp, EXACT, OpError } from './op.js';

export type QuantType = 'u8' | 'i8';

/** A per-tensor 8-bit grid: q = saturate(round(x / scale) + zeroPoint). */
export interface QuantParams {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly type: QuantType;
}

export function quantRange(type: QuantType): readonly [lo: number, hi: number] {
  return type === 'i8' ? [-128, 127] : [0, 255];
}

/** Reads the quantization attribute `key` ({scale, zeroPoint, type}), naming it when it is bad. */
export function parseQuantParams(raw: Attrs, key: string): QuantParams {
  const v: AttrValue | undefined = raw[key];
  const bad = (why: string) => new OpError(`attribute ${key} ${why}, got ${JSON.stringify(v)}`);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('must be {scale, zeroPoint, type}');
  const q = v as Attrs;
  const { scale, zeroPoint, type } = q;
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) throw bad('needs a finite scale > 0');
  if (type !== 'u8' && type !== 'i8') throw bad("needs type 'u8' or 'i8'");
  const [lo, hi] = quantRange(type);
  if (typeof zeroPoint !== 'number' || !Number.isInteger(zeroPoint) || zeroPoint < lo || zeroPoint > hi) throw bad(`needs an integer zeroPoint in [${lo}, ${hi}]`);
  return { scale: Math.fround(scale), zeroPoint, type };
}

/** Round half to even (what cvtps2dq and nearbyintf do under the default rounding mode). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** q = saturate(round(v) + zeroPoint) for v already divided by the scale (an f32). */
export function saturate(v: number, q: QuantParams): number {
  const [lo, hi] = quantRange(q.type);
  return Math.min(hi, Math.max(lo, roundHalfEven(v) + q.zeroPoint));
}

/** The f32 factor that takes an int32 accumulator of x·w to y's grid: (xScale * wScale) / yScale. */
export function requantScale(xScale: number, wScale: number, yScale: number): number {
  return Math.fround(Math.fround(xScale * wScale) / yScale);
}

/** An int32 accumulator on y's grid: saturate(round(f32(acc) * scale) + zeroPoint). */
export function requantize(acc: number, scale: number, y: QuantParams): number {
  return saturate(Math.fround(Math.fround(acc) * scale), y);
}

/** Per-channel scale and zero point inputs ([1] or [count]) of a quantized weight. */
export function checkChannelParams(scale: Shape | undefined, zeroPoint: Shape | undefined, count: number, what: string): void {
  if (!scale) throw new OpError(`${what} scale is missing`);
  if (!zeroPoint) throw new OpError(`${what} zero point is missing`);
  if (scale.length !== 1 || (scale[0] !== 1 && scale[0] !== count)) {
    throw new OpError(`${what} scale ${shapeToString(scale)} must be [1] or [${count}]`);
  }
  if (zeroPoint.length !== 1 || zeroPoint[0] !== scale[0]) {
    throw new OpError(`${what} zero point ${shapeToString(zeroPoint)} must match its scale ${shapeToString(scale)}`);
  }
}

export interface QuantizeAttrs { readonly y: QuantParams }
export interface DequantizeAttrs { readonly x: QuantParams }

/** Both conversions keep x's shape: only the values change grid. */
function sameShapeAsX([x]: readonly (Shape | undefined)[]): Shape[] {
  if (!x) throw new OpError('input x is missing');
  return [x];
}

export const QuantizeLinear = defineOp<QuantizeAttrs>({
  name: 'QuantizeLinear',
  parseAttrs: (raw) => ({ y: parseQuantParams(raw, 'y') }),
  inferShape: sameShapeAsX,
  reference: ([x], { y: q }, [y]) => {
    const X = x!.data, Y = y.data;
    for (let i = 0; i < X.length; i++) Y[i] = saturate(Math.fround(X[i] / q.scale), q);
  },
  tolerance: EXACT,
});

export const DequantizeLinear = defineOp<DequantizeAttrs>({
  name: 'DequantizeLinear',
  parseAttrs: (raw) => ({ x: parseQuantParams(raw, 'x') }),
  inferShape: sameShapeAsX,
  reference: ([x], { x: q }, [y]) => {
    const X = x!.data, Y = y.data;
    for (let i = 0; i < X.length; i++) Y[i] = (X[i] - q.zeroPoint) * q.scale;
  },
  tolerance: EXACT,
});
