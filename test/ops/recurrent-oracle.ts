// Shared by the RNN/LSTM/GRU tests: random cases in our batch-first layout, onnxruntime-web as the
// oracle, which runs ONNX's default layout 0 (X [T,N,I], states [D,N,H], Y [T,D,N,H]), and the rows of
// each op's case table (<op>.cases.ts).
import { expect } from 'vitest';
import type { OpDef, Tolerance } from '../../src/ops/op.js';
import type { Attrs } from '../../src/graph/ir.js';
import { tensor, type Tensor } from '../../src/tensor.js';
import { expectClose, randomF32, runReference, transposeData } from '../helpers/harness.js';
import { runOrtNode, type OrtAttr, type OrtTensorIn } from '../helpers/ort.js';
import { F16_ULP } from '../helpers/precision.js';
import type { OpCase } from '../helpers/run-op.js';

export interface RecurrentCase {
  readonly direction: 'forward' | 'reverse' | 'bidirectional';
  readonly N: number;
  readonly T: number;
  readonly I: number;
  readonly H: number;
  readonly bias?: boolean;
  /** initial_h (and initial_c for LSTM). */
  readonly initial?: boolean;
  readonly seqLens?: readonly number[];
  /** LSTM only. */
  readonly peepholes?: boolean;
  /** More IR attributes (activations, clip, linearBeforeReset, ...). */
  readonly attrs?: Attrs;
}

export interface RecurrentOpInfo {
  readonly gates: number;
  /** 1 for RNN/GRU (h), 2 for LSTM (h, c). */
  readonly states: number;
}

export function caseName(c: RecurrentCase): string {
  const flags = [c.bias && 'B', c.initial && 'init', c.seqLens && `lens=${c.seqLens.join('/')}`, c.peepholes && 'P',
    c.attrs && JSON.stringify(c.attrs)].filter(Boolean).join(' ');
  return `${c.direction} N=${c.N} T=${c.T} I=${c.I} H=${c.H}${flags ? ` ${flags}` : ''}`;
}

/** Inputs in ONNX order, batch-first; undefined where absent. */
export function makeInputs(info: RecurrentOpInfo, c: RecurrentCase, seed: number): (Tensor | undefined)[] {
  const D = c.direction === 'bidirectional' ? 2 : 1, GH = info.gates * c.H;
  const rand = (shape: number[], k: number, scale: number) =>
    tensor(shape, randomF32(shape.reduce((a, b) => a * b, 1), { seed: seed * 31 + k, min: -scale, max: scale }));
  const inputs: (Tensor | undefined)[] = [
    rand([c.N, c.T, c.I], 1, 1),
    rand([D, GH, c.I], 2, 0.7),
    rand([D, GH, c.H], 3, 0.7),
    c.bias ? rand([D, 2 * GH], 4, 0.5) : undefined,
    c.seqLens ? tensor([c.N], Float32Array.from(c.seqLens)) : undefined,
    c.initial ? rand([c.N, D, c.H], 5, 1) : undefined,
  ];
  if (info.states === 2) {
    inputs.push(c.initial ? rand([c.N, D, c.H], 6, 1) : undefined);
    inputs.push(c.peepholes ? rand([D, 3 * c.H], 7, 0.7) : undefined);
  }
  return inputs;
}

const ORT_ATTR_NAMES: Record<string, string> = {
  hiddenSize: 'hidden_size', direction: 'direction', activations: 'activations', activationAlpha: 'activation_alpha',
  activationBeta: 'activation_beta', clip: 'clip', linearBeforeReset: 'linear_before_reset', inputForget: 'input_forget',
};

function ortAttrs(raw: Attrs): Record<string, OrtAttr> {
  const out: Record<string, OrtAttr> = {};
  for (const [k, v] of Object.entries(raw)) {
    const name = ORT_ATTR_NAMES[k];
    if (!name) throw new Error(`no ONNX name for attribute ${k}`);
    if (k === 'activationAlpha' || k === 'activationBeta') out[name] = { floats: v as number[] };
    else if (k === 'clip') out[name] = { float: v as number };
    else if (typeof v === 'boolean') out[name] = v ? 1 : 0;
    else out[name] = v as OrtAttr;
  }
  return out;
}

const TNI = [1, 0, 2]; // [N,T,I] <-> [T,N,I] and [N,D,H] <-> [D,N,H]: swapping the first two dims

/** Runs the op on onnxruntime-web and returns Y, Y_h (, Y_c) in our batch-first layout. */
export async function runOracle(opType: string, info: RecurrentOpInfo, inputs: readonly (Tensor | undefined)[], raw: Attrs): Promise<Float32Array[]> {
  const ort: (OrtTensorIn | undefined)[] = inputs.map((t, i) => {
    if (!t) return undefined;
    const s = [...t.shape];
    switch (i) {
      case 0: case 5: case 6: // X, initial_h, initial_c
        return { dims: [s[1], s[0], s[2]], data: transposeData(t.data, s, TNI) };
      case 4:
        return { dims: s, data: Int32Array.from(t.data) };
      default: // W, R, B, P: weights, stored as initializers like in a real model
        return { dims: s, data: t.data, constant: true };
    }
  });
  const outs = await runOrtNode(opType, ort, ortAttrs(raw), 1 + info.states);
  const [y, ...finals] = outs;
  expect(y.dims.length).toBe(4);
  return [
    transposeData(y.data, y.dims, [2, 0, 1, 3]),
    ...finals.map((f) => transposeData(f.data, f.dims, TNI)),
  ];
}

/** The reference's outputs for `raw` on `inputs`, compared output by output with onnxruntime-web. */
export async function expectMatchesOrt<A>(op: OpDef<A>, info: RecurrentOpInfo, c: RecurrentCase, seed: number): Promise<void> {
  const inputs = makeInputs(info, c, seed);
  const raw: Attrs = { hiddenSize: c.H, direction: c.direction, ...c.attrs };
  const got = runReference(op, inputs, raw);
  const want = await runOracle(op.name, info, inputs, raw);
  const names = ['Y', 'Y_h', 'Y_c'];
  want.forEach((w, k) => expectClose(got[k].data, w, op.tolerance, `${op.name} ${caseName(c)} ${names[k]}`));
}

/** Like runReference, but into outputs pre-filled with NaN, to prove every element is written. */
export function runReferenceOverNaN<A>(op: OpDef<A>, inputs: readonly (Tensor | undefined)[], raw: Attrs): Tensor[] {
  const attrs = op.parseAttrs(raw);
  const outputs = op.inferShape(inputs.map((t) => t?.shape), attrs).map((s) => tensor(s));
  for (const o of outputs) o.data.fill(NaN);
  op.reference(inputs, attrs, outputs);
  return outputs;
}

/**
 * A covering sweep: every direction × batch {1,3} × hidden {1,5,16}, with length {1,4,9}, input size {1,7}
 * and the optional inputs rotating so each hidden size meets each length and each direction each option.
 */
export function sweepCases(extra: (i: number) => Partial<RecurrentCase> = () => ({})): RecurrentCase[] {
  const cases: RecurrentCase[] = [];
  let i = 0;
  for (const direction of ['forward', 'reverse', 'bidirectional'] as const) {
    for (const N of [1, 3]) {
      for (const H of [1, 5, 16]) {
        const T = [1, 4, 9][(i + Math.floor(i / 6)) % 3], I = [7, 1][Math.floor(i / 3) % 2];
        cases.push({ direction, N, T, I, H, bias: i % 2 === 0, initial: i % 4 < 2, ...extra(i) });
        i++;
      }
    }
  }
  return cases;
}

/** Cases every recurrent op's table has beside its sweep: long sequences, wide states, lengths (0 included), clip. */
export const SHARED_CASES: RecurrentCase[] = [
  { direction: 'forward', N: 1, T: 28, I: 28, H: 128, bias: true },
  { direction: 'forward', N: 3, T: 28, I: 28, H: 128, bias: true, initial: true },
  { direction: 'bidirectional', N: 3, T: 28, I: 7, H: 16, bias: true, initial: true, seqLens: [28, 0, 13] },
  { direction: 'reverse', N: 3, T: 9, I: 7, H: 5, bias: true, initial: true, seqLens: [9, 4, 1] },
  { direction: 'bidirectional', N: 1, T: 4, I: 7, H: 128, initial: true, attrs: { clip: 0.4 } },
  { direction: 'forward', N: 3, T: 4, I: 1, H: 6, seqLens: [0, 0, 0] },
];

/**
 * makeInputs draws weights in +-0.7 whatever H is; at H = 128 that makes the recurrence chaotic (R's
 * spectral radius is near 4), so any two f32 orders of summation drift apart without bound:
 * onnxruntime-web itself is 0.9 away from the reference on such an RNN. Wide cases get weights in
 * +-1/sqrt(H) instead, the range of the usual initialisers and of trained layers.
 */
function realisticWeights(inputs: (Tensor | undefined)[], H: number): (Tensor | undefined)[] {
  if (H < 64) return inputs;
  const scale = 1 / Math.sqrt(H) / 0.7;
  return inputs.map((t, i) => (t && [1, 2, 3, 7].includes(i) ? tensor(t.shape, t.data.map((v) => v * scale)) : t));
}

/** Which inputs are graph constants, rotating over a table: all but X; only W and R; none (all fed per run). */
const WEIGHT_MODES: readonly (readonly [string, readonly number[]])[] = [
  ['all constant but X', [1, 2, 3, 4, 5, 6, 7]], ['W and R constant', [1, 2]], ['nothing constant', []],
];

/**
 * On f16 the state stays f32 but X·W^T is stored as halves (WebGPU): every step's preactivations are off up
 * to an ulp of their size (about the output's scale with these inputs), and the state carries that into
 * later steps. With these weights a carried error shrinks rather than grows, so the output may be off up
 * to T ulps of its scale, absolute (an error in h reaches small outputs too), on top of the op's tolerance.
 */
function f16Tolerance(tol: Tolerance, T: number): (want: readonly Tensor[]) => Tolerance {
  return (want) => {
    let scale = 1;
    for (const w of want) for (const v of w.data) scale = Math.max(scale, Math.abs(v));
    return { atol: tol.atol + T * F16_ULP * scale, rtol: tol.rtol + F16_ULP };
  };
}

/** An op's table rows from recurrent cases (seeded by position); `kernel` names the backend path a row was written for. */
export function recurrentCases(op: OpDef<any>, info: RecurrentOpInfo, rows: readonly (RecurrentCase & { kernel?: string })[]): OpCase[] {
  return rows.map((c, i): OpCase => {
    const [mode, constants] = WEIGHT_MODES[i % WEIGHT_MODES.length];
    return {
      name: `${caseName(c)}, ${mode}`, op, kernel: c.kernel,
      inputs: realisticWeights(makeInputs(info, c, 300 + i), c.H),
      attrs: { hiddenSize: c.H, direction: c.direction, ...c.attrs },
      constants,
      f16Tolerance: f16Tolerance(op.tolerance, c.T),
    };
  });
}
