// Converters for data movement on runtime values: Reshape/Flatten (source semantics: the value is moved
// back to source order first unless its element order already matches), Transpose (free: it only changes
// the layout), Concat/Split/Pad/ReduceMean (axes remapped), Squeeze/Unsqueeze, Dropout.
import { ElemType } from './tensor.js';
import { isVal, PROBES, type ImportContext, type Val } from './context.js';
import { axesArg, constInts, normAxis, outName, refuseUsedOutputs, requireConst, requireFloat, reshapeArgs, type Converter } from './common.js';
import { dropAxes, identityPerm, isIdentity, NHWC, sameElementOrder, samePerm, type Perm } from './layout.js';
import { legacyAttrs, since } from './opsets.js';
import type { OnnxNode } from './proto.js';
import { intValues, realValues } from './tensor.js';
import { requantize } from './ops-quant.js';

function product(d: readonly number[]): number {
  return d.reduce((a, b) => a * b, 1);
}

/**
 * Emits a source-semantics reshape of `x` to source shapes o1/o2 (at the two probes). Flatten is used
 * when `flattenAxis` is given and the data is in source order.
 */
function sourceReshape(cx: ImportContext, n: OnnxNode, x: Val, o1: number[], o2: number[], flattenAxis?: number): void {
  const [d1, d2] = cx.sourceDims(x);
  const nonUnit = d1.map((d, i) => d !== 1 || d2[i] !== 1);
  const v = sameElementOrder(x.perm, nonUnit) ? x : cx.toLayout(x, identityPerm(x.perm.length));
  const out = outName(cx, n, 0);
  const extra = { dtype: x.dtype, quant: x.quant };
  const y = flattenAxis !== undefined && isIdentity(v.perm)
    ? cx.emitVal('Flatten', [v.ir], { axis: flattenAxis }, out, undefined, extra)
    : cx.emitVal('Reshape', [v.ir], { shape: cx.reshapeTarget(o1, o2) }, out, undefined, extra);
  if (y.s1.join() !== o1.join()) throw cx.malformed(`reshape to [${o1}] produced [${y.s1}]`);
  if (y.s2.join() !== o2.join()) throw cx.batchError(`reshape to [${o1}] does not follow the batch`);
  cx.setVal(n.output(0), y);
}

const reshape: Converter = (cx, n) => {
  const x = cx.runtime(n.input(0));
  const { target, allowzero } = reshapeArgs(cx, n, true);
  const symbolic = target.some((t) => Number.isNaN(t));
  const dims = cx.sourceDims(x);
  const batchAt0 = cx.dynamic && dims[0][0] !== dims[1][0];
  const resolve = (k: 0 | 1): number[] => {
    const d = dims[k];
    const out = target.map((t, i) => {
      if (Number.isNaN(t)) return PROBES[k];
      if (t === 0 && !allowzero) {
        if (i >= d.length) throw n.malformed(`shape [${target}] copies dim ${i} of a rank-${d.length} input`);
        return d[i];
      }
      // A model exported with a fixed batch spells it as a literal: the literal at axis 0 is the batch.
      if (i === 0 && batchAt0 && !symbolic && t === cx.opts.nominalBatch) return PROBES[k];
      return t;
    });
    if (out.filter((t) => t === -1).length > 1 || out.some((t) => t < -1)) throw n.malformed(`invalid shape [${target}]`);
    const total = product(d), known = out.reduce((a, t) => (t === -1 ? a : a * t), 1);
    const fail = (): never => {
      if (k === 0) throw n.malformed(`cannot reshape [${d}] to [${target}]`);
      throw cx.batchError(`reshape to [${target}] does not follow the batch`);
    };
    const inf = out.indexOf(-1);
    if (inf >= 0) {
      if (known === 0 || total % known !== 0) fail();
      out[inf] = total / known;
    } else if (known !== total) fail();
    return out;
  };
  sourceReshape(cx, n, x, resolve(0), cx.dynamic ? resolve(1) : resolve(0));
};

const flatten: Converter = (cx, n) => {
  n.only('axis');
  const x = cx.runtime(n.input(0));
  const r = x.s1.length;
  const raw = n.int('axis', 1);
  const a = raw < 0 ? raw + r : raw;
  if (a < 0 || a > r) throw n.malformed(`axis ${raw} is out of range for rank ${r}`);
  const [d1, d2] = cx.sourceDims(x);
  const f = (d: number[]): number[] => [product(d.slice(0, a)), product(d.slice(a))];
  sourceReshape(cx, n, x, f(d1), f(d2), a);
};

const transpose: Converter = (cx, n) => {
  n.only('perm');
  const x = cx.runtime(n.input(0));
  const r = x.s1.length;
  const p = n.has('perm') ? n.ints('perm') : identityPerm(r).reverse();
  if (p.length !== r || new Set(p).size !== r || p.some((v) => v < 0 || v >= r)) throw n.malformed(`perm [${p}] is not a permutation of rank ${r}`);
  // Output source axis i is input source axis p[i], i.e. IR axis x.perm[p[i]]: no data moves here.
  cx.setVal(n.output(0), { ...x, perm: p.map((i) => x.perm[i]) });
};

/** The layout most inputs should share: NHWC when a rank-4 input already is, else the first runtime one's. */
function commonPerm(vals: readonly Val[], r: number): Perm {
  return vals.find((v) => r === 4 && samePerm(v.perm, NHWC))?.perm ?? vals[0]?.perm ?? identityPerm(r);
}

const concat: Converter = (cx, n) => {
  n.only('axis');
  let names = n.inputs.filter((s) => s !== '');
  if (names.length === 0) throw n.malformed('Concat has no inputs');
  let items = names.map((s) => cx.lookup(s));
  const ranks = items.map((v) => (isVal(v) ? v.s1.length : v.dims.length));
  const r = ranks[0];
  if (ranks.some((k) => k !== r)) throw n.malformed(`inputs of ranks ${ranks}`);
  const a = normAxis(n, n.int('axis', since(n, 4) ? undefined : 1), r);
  // An empty constant (0 along the axis, e.g. a Reshape with allowzero) adds nothing.
  const keep = items.map((v) => isVal(v) || v.dims[a] !== 0);
  names = names.filter((_, i) => keep[i]);
  items = items.filter((_, i) => keep[i]);
  const vals = items.filter(isVal);
  const perm = commonPerm(vals, r);
  const q = vals.find((v) => v.quant)?.quant;
  const irs = names.map((s, i) => {
    const v = items[i];
    // ONNX concatenates the integers themselves; the float lowering holds real values, so it re-grids them.
    if (q && !cx.opts.int8) return requantize(cx, n, s, q, perm);
    if (isVal(v)) {
      if (!q) requireFloat(n, v, `input ${i}`);
      else if (!v.quant) throw n.malformed('8-bit and float tensors mixed');
      return cx.toLayout(v, perm).ir;
    }
    if (q && v.quant) throw n.unsupported('a dequantized constant concatenated with 8-bit integers');
    return cx.materialize(s, v, perm);
  });
  const dtype = q ? q.dtype : ElemType.FLOAT;
  cx.setVal(n.output(0), cx.emitVal('Concat', irs, { axis: perm[a] }, outName(cx, n, 0), perm, { dtype, quant: q }));
};

const split: Converter = (cx, n) => {
  n.only('axis', ...(since(n, 13) ? [] : ['split']), ...(since(n, 18) ? ['num_outputs'] : []));
  const x = cx.runtime(n.input(0));
  const r = x.s1.length;
  const a = normAxis(n, n.int('axis', 0), r);
  const [d1, d2] = cx.sourceDims(x);
  if (d1[a] !== d2[a]) throw cx.batchError('Split along the batch axis');
  // split: an attribute (or, in Split-1, input 1) before opset 13, input 1 from 13.
  let sizes: number[] | undefined;
  if (since(n, 13) || (!since(n, 2) && n.input(1))) sizes = n.input(1) ? constInts(cx, n, 1, 'split') : undefined;
  else sizes = n.has('split') ? n.ints('split') : undefined;
  const count = since(n, 18) && n.has('num_outputs') ? n.int('num_outputs') : n.outputs.length;
  if (!sizes) {
    const dim = d1[a];
    if (since(n, 18)) {
      const chunk = Math.ceil(dim / count);
      sizes = Array.from({ length: count }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
    } else {
      if (dim % count !== 0) throw n.malformed(`axis of size ${dim} does not split into ${count} equal parts`);
      sizes = new Array<number>(count).fill(dim / count);
    }
  }
  if (sizes.length !== n.outputs.length) throw n.malformed(`${sizes.length} split sizes for ${n.outputs.length} outputs`);
  if (sizes.reduce((s, v) => s + v, 0) !== d1[a]) throw n.malformed(`split [${sizes}] does not sum to ${d1[a]}`);
  if (sizes.some((s) => s < 1)) throw n.unsupported('empty split outputs');
  const outs = n.outputs.map((_, i) => outName(cx, n, i));
  const shapes = cx.emit('Split', [x.ir], { axis: x.perm[a], split: sizes }, outs);
  outs.forEach((o, i) => {
    cx.setVal(n.output(i), { ir: o, perm: x.perm, s1: shapes[i][0], s2: shapes[i][1], dtype: x.dtype, ...(x.quant ? { quant: x.quant } : {}) });
  });
};

const PAD_MODES = ['constant', 'reflect', 'edge'];

const pad: Converter = (cx, n) => {
  const x = cx.runtime(n.input(0));
  const r = x.s1.length;
  let pads: number[], value: number, axes: number[] | undefined;
  if (!since(n, 11)) {
    // Pad-1 names the attribute `paddings`; 2 to 10 `pads`.
    const key = since(n, 2) ? 'pads' : 'paddings';
    n.only('mode', key, 'value');
    pads = n.ints(key);
    value = n.float('value', 0);
  } else {
    n.only('mode');
    pads = constInts(cx, n, 1, 'pads');
    value = 0;
    if (n.input(2)) {
      const c = requireConst(cx, n, 2, 'constant_value');
      if (c.data.length !== 1) throw n.malformed('constant_value must be a scalar');
      value = x.quant && !c.quant ? intValues(c)[0] : realValues(c)[0];
    }
    axes = since(n, 18) && n.input(3) ? constInts(cx, n, 3, 'axes').map((v) => normAxis(n, v, r)) : undefined;
  }
  const mode = n.string('mode', 'constant');
  if (!PAD_MODES.includes(mode)) throw n.unsupported(`mode ${mode}`);
  const ax = axes ?? identityPerm(r);
  if (pads.length !== 2 * ax.length) throw n.malformed(`pads has ${pads.length} values for ${ax.length} axes`);
  const irPads = new Array<number>(2 * r).fill(0);
  ax.forEach((s, j) => {
    irPads[x.perm[s]] = pads[j];
    irPads[r + x.perm[s]] = pads[ax.length + j];
  });
  // The pad value of a quantized tensor is an integer on its grid (which an int8 import keeps as is).
  const real = x.quant && !cx.opts.int8 ? (value - x.quant.zeroPoint) * x.quant.scale : value;
  if (!x.quant) requireFloat(n, x);
  cx.setVal(n.output(0), cx.emitVal('Pad', [x.ir], { pads: irPads, mode, value: real }, outName(cx, n, 0), x.perm, { dtype: x.dtype, quant: x.quant }));
};

const reduceMean: Converter = (cx, n) => {
  if (!since(n, 18)) n.only('axes', 'keepdims');
  else n.only('keepdims', 'noop_with_empty_axes');
  const x = cx.runtime(n.input(0));
  requireFloat(n, x);
  const r = x.s1.length;
  const axesIn = axesArg(cx, n, 1, 18);
  const keepdims = n.int('keepdims', 1) === 1;
  const out = outName(cx, n, 0);
  if ((!axesIn || axesIn.length === 0) && since(n, 18) && n.int('noop_with_empty_axes', 0) === 1) {
    cx.setVal(n.output(0), cx.emitVal('Identity', [x.ir], {}, out, x.perm));
    return;
  }
  const src = axesIn && axesIn.length ? [...new Set(axesIn.map((v) => normAxis(n, v, r)))] : identityPerm(r);
  const irAxes = src.map((s) => x.perm[s]).sort((p, q) => p - q);
  const perm = keepdims ? x.perm : dropAxes(x.perm, new Set(src));
  cx.setVal(n.output(0), cx.emitVal('ReduceMean', [x.ir], { axes: irAxes, keepdims }, out, perm));
};

const squeeze: Converter = (cx, n) => {
  n.only('axes');
  const x = cx.runtime(n.input(0));
  const r = x.s1.length;
  const [d1, d2] = cx.sourceDims(x);
  const given = axesArg(cx, n, 1, 13);
  const axes = given ? given.map((v) => normAxis(n, v, r)) : d1.map((d, i) => (d === 1 && d2[i] === 1 ? i : -1)).filter((i) => i >= 0);
  for (const a of axes) {
    if (d1[a] !== 1) throw n.malformed(`cannot squeeze axis ${a} of size ${d1[a]}`);
    if (d2[a] !== 1) throw cx.batchError('Squeeze of the batch axis');
  }
  const drop = new Set(axes);
  const irDrop = new Set(axes.map((a) => x.perm[a]));
  const o1 = x.s1.filter((_, i) => !irDrop.has(i)), o2 = x.s2.filter((_, i) => !irDrop.has(i));
  cx.setVal(n.output(0), cx.emitVal('Reshape', [x.ir], { shape: cx.reshapeTarget(o1, o2) }, outName(cx, n, 0), dropAxes(x.perm, drop),
    { dtype: x.dtype, quant: x.quant }));
};

const unsqueeze: Converter = (cx, n) => {
  n.only('axes');
  const x = cx.runtime(n.input(0));
  const r = x.s1.length;
  const given = axesArg(cx, n, 1, 13);
  if (!given) throw n.malformed('Unsqueeze needs axes');
  const rOut = r + given.length;
  const added = new Set(given.map((v) => normAxis(n, v, rOut)));
  if (added.size !== given.length) throw n.malformed(`repeated axes [${given}]`);
  // Source order data gets its unit axes in place; other layouts get them appended at the IR end.
  const perm: number[] = [];
  let old = 0, fresh = r;
  for (let j = 0; j < rOut; j++) {
    if (added.has(j)) perm.push(isIdentity(x.perm) ? j : fresh++);
    else perm.push(isIdentity(x.perm) ? j : x.perm[old++]);
  }
  const irShape = (s: readonly number[]): number[] => {
    if (!isIdentity(x.perm)) return [...s, ...new Array<number>(given.length).fill(1)];
    const o: number[] = [];
    let k = 0;
    for (let j = 0; j < rOut; j++) o.push(added.has(j) ? 1 : s[k++]);
    return o;
  };
  cx.setVal(n.output(0), cx.emitVal('Reshape', [x.ir], { shape: cx.reshapeTarget(irShape(x.s1), irShape(x.s2)) }, outName(cx, n, 0), perm,
    { dtype: x.dtype, quant: x.quant }));
};

const dropout: Converter = (cx, n) => {
  // is_test until 7 (0, its default, means a random dropout; read as inference, as ONNX's version converter
  // does when it drops the attribute, 6 -> 7); ratio and training_mode inputs from 12.
  if (!since(n, 7)) n.only('ratio', 'is_test', ...legacyAttrs(n));
  else if (!since(n, 12)) n.only('ratio');
  else n.only('seed');
  if (since(n, 12) && n.input(2)) {
    const training = requireConst(cx, n, 2, 'training_mode');
    if (realValues(training)[0] !== 0) throw n.unsupported('training_mode=true');
  }
  refuseUsedOutputs(cx, n, 1, 'mask');
  const x = cx.runtime(n.input(0));
  cx.setVal(n.output(0), cx.emitVal('Identity', [x.ir], {}, outName(cx, n, 0), x.perm, { dtype: x.dtype, quant: x.quant }));
};

export const SHAPE_CONVERTERS: Readonly<Record<string, Converter>> = {
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Pad: pad,
  ReduceMean: reduceMean,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Dropout: dropout,
};
