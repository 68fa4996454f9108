// Merge layers: Add, Subtract, Multiply, Average (numpy broadcasting, as Keras allows) and Concatenate.
import type { Value } from '../builder.js';
import type { LayerContext } from '../context.js';

function atLeast(ctx: LayerContext, n: number): readonly Value[] {
  if (ctx.inputs.length < n) ctx.fail(`expects at least ${n} inputs, got ${ctx.inputs.length}`, `${ctx.layer.path}.inbound_nodes`);
  return ctx.inputs;
}

/** Folds `op` left to right over the inputs; the last node carries the layer's name. */
function chain(ctx: LayerContext, op: string, xs: readonly Value[], last: boolean): Value {
  let acc = xs[0];
  for (let i = 1; i < xs.length; i++) {
    const final = last && i === xs.length - 1;
    acc = ctx.emit1(op, [acc, xs[i]], {}, final ? undefined : `${op.toLowerCase()}${i}`);
  }
  return acc;
}

export function add(ctx: LayerContext): Value[] {
  return [chain(ctx, 'Add', atLeast(ctx, 2), true)];
}

export function multiply(ctx: LayerContext): Value[] {
  return [chain(ctx, 'Mul', atLeast(ctx, 2), true)];
}

export function subtract(ctx: LayerContext): Value[] {
  if (ctx.inputs.length !== 2) ctx.fail(`expects exactly 2 inputs, got ${ctx.inputs.length}`, `${ctx.layer.path}.inbound_nodes`);
  return [ctx.emit1('Sub', [ctx.inputs[0], ctx.inputs[1]], {})];
}

export function average(ctx: LayerContext): Value[] {
  const xs = atLeast(ctx, 2);
  const sum = chain(ctx, 'Add', xs, false);
  const n = ctx.constant('count', [1], Float32Array.of(xs.length));
  return [ctx.emit1('Div', [sum, n], {})];
}

export function concatenate(ctx: LayerContext): Value[] {
  const xs = atLeast(ctx, 1);
  return [ctx.emit1('Concat', xs, { axis: ctx.cfg.int('axis', -1) })];
}
