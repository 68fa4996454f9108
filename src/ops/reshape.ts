// Ops that keep the data and only relabel the shape: Reshape (ONNX 0 = copy, -1 = infer; the
// target shape is an attribute in the IR), Flatten (ONNX, on the IR shape) and Identity.
import type { Shape, Tensor } from '../tensor.js';
import { shapeToString, sizeOf } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { boolAttr, defineOp, EXACT, intAttr, intsAttr, OpError } from './op.js';

export interface ReshapeAttrs {
  readonly shape: readonly number[];
  /** ONNX allowzero: a 0 in `shape` means a zero-sized dim instead of "copy the input dim". */
  readonly allowzero: boolean;
}
export interface FlattenAttrs { readonly axis: number }
export type IdentityAttrs = Record<string, never>;

function inputX(x: Shape | undefined, sized = true): Shape {
  if (!x) throw new OpError('input X is missing');
  // -1 (the free batch) must have been fixed before Reshape/Flatten shapes are inferred: they count elements.
  if (sized && x.some((d) => !Number.isInteger(d) || d < 0)) throw new OpError(`input X has an unresolved dim: ${shapeToString(x)}`);
  return x;
}

function copy([x]: readonly (Tensor | undefined)[], _attrs: unknown, [y]: readonly Tensor[]): void {
  y.data.set(x!.data);
}

export const Reshape = defineOp<ReshapeAttrs>({
  name: 'Reshape',
  aliasesInput: true,
  parseAttrs: (raw: Attrs) => {
    const shape = intsAttr(raw, 'shape', undefined, { min: -1 });
    const allowzero = boolAttr(raw, 'allowzero', false);
    if (shape.filter((d) => d === -1).length > 1) throw new OpError(`attribute shape has more than one -1: ${shapeToString(shape)}`);
    if (allowzero && shape.includes(0) && shape.includes(-1)) {
      throw new OpError(`attribute shape ${shapeToString(shape)} mixes 0 and -1 while allowzero is set`);
    }
    return { shape, allowzero };
  },
  // A leading 0 or -1 is how importers leave the batch free: both resolve to the input's batch N.
  inferShape: ([x], { shape, allowzero }) => {
    const input = inputX(x);
    const fail = (why: string): never => {
      throw new OpError(`cannot reshape ${shapeToString(input)} to attribute shape ${shapeToString(shape)}: ${why}`);
    };
    const out = shape.map((d, i) => {
      if (d !== 0 || allowzero) return d;
      if (i >= input.length) fail(`0 at index ${i} has no input dim to copy`);
      return input[i];
    });
    const total = sizeOf(input);
    const known = out.reduce((acc, d) => (d === -1 ? acc : acc * d), 1);
    const infer = out.indexOf(-1);
    if (infer >= 0) {
      if (known === 0 || total % known !== 0) fail(`${total} elements do not divide into dims of product ${known}`);
      out[infer] = total / known;
    } else if (known !== total) {
      fail(`${total} elements in, ${known} out`);
    }
    return [out];
  },
  reference: copy,
  tolerance: EXACT,
});

export const Flatten = defineOp<FlattenAttrs>({
  name: 'Flatten',
  aliasesInput: true,
  parseAttrs: (raw: Attrs) => ({ axis: intAttr(raw, 'axis', 1) }),
  inferShape: ([x], { axis }) => {
    const input = inputX(x);
    const r = input.length;
    if (axis < -r || axis > r) throw new OpError(`attribute axis ${axis} is out of range for input ${shapeToString(input)}`);
    const a = axis < 0 ? axis + r : axis;
    return [[sizeOf(input.slice(0, a)), sizeOf(input.slice(a))]];
  },
  reference: copy,
  tolerance: EXACT,
});

export const Identity = defineOp<IdentityAttrs>({
  name: 'Identity',
  aliasesInput: true,
  parseAttrs: () => ({}),
  inferShape: ([x]) => [inputX(x, false)],
  reference: copy,
  tolerance: EXACT,
});
