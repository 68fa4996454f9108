// ZeroPadding1D/2D as a constant Pad; Keras accepts one int, one int per axis, or (before, after) pairs.
import type { Value } from '../builder.js';
import type { LayerContext } from '../context.js';
import { describe } from '../json.js';

/** [[before, after] per spatial axis] from the Keras `padding` forms. */
function pairs(ctx: LayerContext, axes: number): [number, number][] {
  const raw = ctx.cfg.get('padding') ?? 1;
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  const bad = (): never => ctx.fail(`padding must be an integer, ${axes} integers or ${axes} (before, after) pairs, got ${describe(raw)}`, ctx.cfg.at('padding'));
  if (isInt(raw)) return Array.from({ length: axes }, () => [raw, raw]);
  if (!Array.isArray(raw)) return bad();
  if (axes === 1 && raw.length === 2 && raw.every(isInt)) return [[raw[0] as number, raw[1] as number]];
  if (raw.length !== axes) return bad();
  return raw.map((p) => {
    if (isInt(p)) return [p, p];
    if (Array.isArray(p) && p.length === 2 && p.every(isInt)) return [p[0] as number, p[1] as number];
    return bad();
  });
}

function zeroPadding(axes: 1 | 2) {
  return (ctx: LayerContext): Value[] => {
    ctx.channelsLast();
    const x = ctx.input();
    if (x.shape.length !== axes + 2) ctx.fail(`expects a rank-${axes + 2} channels-last input, got rank ${x.shape.length}`);
    const p = pairs(ctx, axes);
    // ONNX order: every axis' begin, then every axis' end; batch and channels unpadded.
    const pads = [0, ...p.map(([b]) => b), 0, 0, ...p.map(([, e]) => e), 0];
    return [ctx.emit1('Pad', [x], { pads, mode: 'constant', value: 0 })];
  };
}

export const zeroPadding1d = zeroPadding(1);
export const zeroPadding2d = zeroPadding(2);
