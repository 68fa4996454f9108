// SimpleRNN, LSTM, GRU, Bidirectional -> the IR's ONNX-style recurrent ops (batch-first): Keras [I|H, G*H]
// kernels become W/R [D, G*H, I|H] with gates in ONNX order (LSTM i,f,c,o -> i,o,f,c), B [D, 2*G*H].
// go_backwards = direction reverse; Keras emits that sequence in processing order, so it is re-reversed.
// Behind a Masking layer the op reads the mask's lengths as sequence_lens (masking.ts).
import type { Attrs } from '../../../graph/ir.js';
import type { Value } from '../builder.js';
import { recurrentActivation, recurrentActivationAttrs, type RecurrentActivation } from '../activations.js';
import type { LayerContext } from '../context.js';
import { Config, expectObject, expectString } from '../json.js';
import type { LayerSpec } from '../topology.js';

interface Kind {
  readonly op: 'RNN' | 'LSTM' | 'GRU';
  readonly gates: number;
  /** For each ONNX gate block, the Keras block it comes from. */
  readonly fromKeras: readonly number[];
  readonly states: number;
}

const KINDS: Readonly<Record<string, Kind>> = {
  SimpleRNN: { op: 'RNN', gates: 1, fromKeras: [0], states: 1 },
  LSTM: { op: 'LSTM', gates: 4, fromKeras: [0, 3, 1, 2], states: 2 },
  GRU: { op: 'GRU', gates: 3, fromKeras: [0, 1, 2], states: 1 },
};

/** One direction's weights in ONNX layout plus the options that shape the op. */
interface Cell {
  readonly kind: Kind;
  readonly H: number;
  readonly W: Float32Array;
  readonly R: Float32Array;
  /** [Wb, Rb], 2*G*H values; undefined without bias. */
  readonly B?: Float32Array;
  readonly acts: readonly RecurrentActivation[];
  readonly linearBeforeReset: boolean;
  readonly goBackwards: boolean;
  readonly returnSequences: boolean;
}

/** Keras [rows, G*H] (gate blocks along columns) -> ONNX [G*H, rows] with blocks in ONNX order. */
function gatesToOnnx(k: Float32Array, rows: number, H: number, kind: Kind): Float32Array {
  const GH = kind.gates * H, out = new Float32Array(GH * rows);
  kind.fromKeras.forEach((src, g) => {
    for (let h = 0; h < H; h++) {
      for (let r = 0; r < rows; r++) out[(g * H + h) * rows + r] = k[r * GH + src * H + h];
    }
  });
  return out;
}

function biasToOnnx(b: Float32Array, H: number, kind: Kind): Float32Array {
  return gatesToOnnx(b, 1, H, kind);
}

function readCell(ctx: LayerContext, kind: Kind, I: number): Cell {
  const cfg = ctx.cfg;
  const H = cfg.int('units', undefined, 1);
  if (cfg.bool('return_state', false)) ctx.unsupported('return_state true');
  if (cfg.bool('time_major', false)) ctx.unsupported('time_major true');
  // Keras 2.3+ made sigmoid the default gate activation; TF.js and older Keras use hard_sigmoid.
  const gateDefault = ctx.kerasMajor >= 3 ? 'sigmoid' : 'hard_sigmoid';
  const act = recurrentActivation(ctx, 'activation', 'tanh');
  const acts = kind.op === 'RNN' ? [act]
    : kind.op === 'LSTM' ? [recurrentActivation(ctx, 'recurrent_activation', gateDefault), act, act]
      : [recurrentActivation(ctx, 'recurrent_activation', gateDefault), act];
  const GH = kind.gates * H;
  const W = gatesToOnnx(ctx.weight('kernel', [I, GH]).data, I, H, kind);
  const R = gatesToOnnx(ctx.weight('recurrent_kernel', [H, GH]).data, H, H, kind);
  const resetAfter = kind.op === 'GRU' && cfg.bool('reset_after', false);
  let B: Float32Array | undefined;
  if (cfg.bool('use_bias', true)) {
    B = new Float32Array(2 * GH);
    if (resetAfter) {
      // reset_after: separate input and recurrent biases [2, 3H], ONNX Wb and Rb.
      const b = ctx.weight('bias', [2, GH]).data;
      B.set(biasToOnnx(b.subarray(0, GH), H, kind), 0);
      B.set(biasToOnnx(b.subarray(GH), H, kind), GH);
    } else {
      B.set(biasToOnnx(ctx.weight('bias', [GH]).data, H, kind), 0);
    }
  }
  return {
    kind, H, W, R, B, acts, linearBeforeReset: resetAfter,
    goBackwards: cfg.bool('go_backwards', false), returnSequences: cfg.bool('return_sequences', false),
  };
}

function sequenceInput(ctx: LayerContext): Value {
  // Extra call inputs are initial states (or constants), which the IR import does not carry.
  if (ctx.inputs.length > 1) ctx.unsupported('initial_state inputs');
  const x = ctx.input();
  if (x.shape.length !== 3) ctx.fail(`expects a 3-D [batch, timesteps, features] input, got rank ${x.shape.length}`);
  return x;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Emits the op over `cells` (1 = one direction, 2 = forward + backward) and returns [Y, Y_h]. */
function emitOp(ctx: LayerContext, x: Value, cells: readonly Cell[], lengths: Value | undefined): { y: Value; yh: Value } {
  const [first] = cells, { kind, H } = first, I = x.shape[2], D = cells.length, GH = kind.gates * H;
  const W = ctx.constant('W', [D, GH, I], concat(cells.map((c) => c.W)));
  const R = ctx.constant('R', [D, GH, H], concat(cells.map((c) => c.R)));
  const B = cells.some((c) => c.B) ? ctx.constant('B', [D, 2 * GH], concat(cells.map((c) => c.B ?? new Float32Array(2 * GH)))) : undefined;
  const direction = D === 2 ? 'bidirectional' : first.goBackwards ? 'reverse' : 'forward';
  const attrs: Attrs = {
    hiddenSize: H, direction, ...recurrentActivationAttrs(cells.flatMap((c) => c.acts)),
    ...(kind.op === 'GRU' ? { linearBeforeReset: first.linearBeforeReset } : {}),
  };
  const [y, yh] = ctx.emit(kind.op, [x, W, R, B, lengths], attrs, kind.op.toLowerCase(), 1 + kind.states);
  return { y, yh };
}

/** Y [N, T, D, H] -> [N, T, D*H], reversing time when the Keras layer emitted it in processing order. */
function sequenceOutput(ctx: LayerContext, y: Value, reverseTime: boolean): Value {
  const [, T, D, H] = y.shape;
  if (!reverseTime || T === 1) return ctx.emit1('Reshape', [y], { shape: [-1, T, D * H] });
  const seq = ctx.emit1('Reshape', [y], { shape: [-1, T, D * H] }, 'sequence');
  const steps = ctx.emit('Split', [seq], { axis: 1, split: new Array<number>(T).fill(1) }, 'steps', T);
  return ctx.emit1('Concat', [...steps].reverse(), { axis: 1 });
}

/** The output sequence, still masked: its steps past the lengths are padding, as the compacted input's. */
function maskedSequence(ctx: LayerContext, y: Value, lengths: Value | undefined): Value {
  const out = sequenceOutput(ctx, y, false);
  if (lengths) ctx.b.masked.set(out.name, lengths);
  return out;
}

function recurrent(kind: Kind) {
  return (ctx: LayerContext): Value[] => {
    const x = sequenceInput(ctx);
    const cell = readCell(ctx, kind, x.shape[2]);
    const lengths = ctx.b.masked.get(x.name);
    // Re-reversing a compacted sequence over all T steps would put the padding first.
    if (lengths && cell.goBackwards && cell.returnSequences) ctx.unsupported('go_backwards with return_sequences behind a Masking layer');
    const { y, yh } = emitOp(ctx, x, [cell], lengths);
    if (cell.returnSequences) return [cell.goBackwards ? sequenceOutput(ctx, y, true) : maskedSequence(ctx, y, lengths)];
    return [ctx.emit1('Reshape', [yh], { shape: [-1, cell.H] })];
  };
}

export const simpleRnn = recurrent(KINDS.SimpleRNN);
export const lstm = recurrent(KINDS.LSTM);
export const gru = recurrent(KINDS.GRU);

/**
 * Bidirectional(merge_mode concat): Keras re-reverses the backward layer's sequence, so its time
 * step t is ONNX's reverse-direction Y[t], and concatenating [forward, backward] per step is the
 * [N, T, 2, H] -> [N, T, 2H] reshape. Without return_sequences each side's last output is Y_h.
 */
export function bidirectional(ctx: LayerContext): Value[] {
  const x = sequenceInput(ctx);
  const cfg = ctx.cfg;
  const mode = cfg.string('merge_mode', 'concat');
  if (mode !== 'concat') ctx.unsupported(`merge_mode ${JSON.stringify(mode)} (only concat)`);
  if (cfg.has('backward_layer')) ctx.unsupported('a separately configured backward_layer');
  const innerObj = expectObject(cfg.get('layer'), cfg.at('layer'));
  const innerPath = cfg.at('layer');
  const className = expectString(innerObj.class_name, `${innerPath}.class_name`);
  const kind = KINDS[className];
  if (!kind) ctx.unsupported(`wrapped layer class ${className}`);
  const innerCfg = new Config(expectObject(innerObj.config, `${innerPath}.config`), `${innerPath}.config`);
  const innerName = innerCfg.string('name');
  const spec: LayerSpec = { className, name: innerName, config: innerCfg, path: innerPath, calls: [] };
  const fw = readCell(ctx.wrapped(spec, `forward_${innerName}`), kind, x.shape[2]);
  const bw = readCell(ctx.wrapped(spec, `backward_${innerName}`), kind, x.shape[2]);
  if (fw.goBackwards) ctx.unsupported('a wrapped layer with go_backwards true');
  const lengths = ctx.b.masked.get(x.name);
  const { y, yh } = emitOp(ctx, x, [fw, bw], lengths);
  if (fw.returnSequences) return [maskedSequence(ctx, y, lengths)];
  return [ctx.emit1('Reshape', [yh], { shape: [-1, 2 * fw.H] })];
}
