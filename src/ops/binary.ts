// Two-input elementwise ops with numpy broadcasting: Add, Sub, Mul, Div, and PRelu, whose slope
// broadcasts one way only, onto x (ONNX unidirectional broadcasting), so y has x's shape.
import type { Shape } from '../tensor.js';
import { shapeToString } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { defineOp, ELEMENTWISE, OpError, type OpDef } from './op.js';
import { broadcastShape, forEachBroadcast } from './broadcast.js';

export type BinaryAttrs = Record<string, never>;

function operands(inputs: readonly (Shape | undefined)[], names: readonly [string, string]): [Shape, Shape] {
  const [a, b] = inputs;
  if (!a) throw new OpError(`input ${names[0]} is missing`);
  if (!b) throw new OpError(`input ${names[1]} is missing`);
  return [a, b];
}

function binaryOp(name: string, f: (a: number, b: number) => number): OpDef<BinaryAttrs> {
  return defineOp<BinaryAttrs>({
    name,
    parseAttrs: (_raw: Attrs) => ({}),
    inferShape: (inputs) => [broadcastShape(...operands(inputs, ['A', 'B']))],
    reference: ([a, b], _attrs, [y]) => {
      const ad = a!.data, bd = b!.data, yd = y.data;
      forEachBroadcast(a!.shape, b!.shape, y.shape, (o, ia, ib) => { yd[o] = f(ad[ia], bd[ib]); });
    },
    tolerance: ELEMENTWISE,
  });
}

export const Add = binaryOp('Add', (a, b) => a + b);
export const Sub = binaryOp('Sub', (a, b) => a - b);
export const Mul = binaryOp('Mul', (a, b) => a * b);
export const Div = binaryOp('Div', (a, b) => a / b);

export const PRelu = defineOp<BinaryAttrs>({
  name: 'PRelu',
  parseAttrs: (_raw: Attrs) => ({}),
  inferShape: (inputs) => {
    const [x, slope] = operands(inputs, ['X', 'slope']);
    const lead = x.length - slope.length;
    if (lead < 0 || slope.some((d, i) => d !== 1 && d !== x[lead + i])) {
      throw new OpError(`slope ${shapeToString(slope)} does not broadcast onto X ${shapeToString(x)}`);
    }
    return [x];
  },
  reference: ([x, slope], _attrs, [y]) => {
    const xd = x!.data, sd = slope!.data, yd = y.data;
    forEachBroadcast(x!.shape, slope!.shape, y.shape, (o, ix, is) => {
      const v = xd[ix];
      yd[o] = v < 0 ? sd[is] * v : v;
    });
  },
  tolerance: ELEMENTWISE,
});
