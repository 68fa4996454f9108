// What RNN, LSTM and GRU share: attribute parsing, ONNX's recurrent activation table, shape checks
// and the loop over directions, batch entries and time steps. Layout is batch-first (ONNX layout=1):
// X [N,T,I], initial states [N,D,H], Y [N,T,D,H], final states [N,D,H]; weights as ONNX.
import type { Shape, Tensor } from '../tensor.js';
import { shapeToString } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { InputError } from '../errors.js';
import { OpError, floatAttr, intAttr, stringAttr } from './op.js';

export type Direction = 'forward' | 'reverse' | 'bidirectional';
export const DIRECTIONS: readonly Direction[] = ['forward', 'reverse', 'bidirectional'];

/** sequence_lens (input 4) holds lengths up to X's (input 0) time axis (axis 1 in NTC). */
export const SEQUENCE_LENS_INPUT = { index: 4, of: 0, axis: 1 } as const;

export type RecurrentActivationName =
  | 'Relu' | 'Tanh' | 'Sigmoid' | 'Affine' | 'LeakyRelu' | 'ThresholdedRelu'
  | 'ScaledTanh' | 'HardSigmoid' | 'Elu' | 'Softsign' | 'Softplus';

export interface RecurrentActivation {
  readonly name: RecurrentActivationName;
  readonly alpha: number;
  readonly beta: number;
}

interface ActivationSpec {
  /** Default alpha / beta: the standalone ONNX op's; null = the function takes none, undefined = no default exists. */
  readonly alpha: number | null | undefined;
  readonly beta: number | null | undefined;
  readonly f: (x: number, alpha: number, beta: number) => number;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

// ScaledTanh has no ONNX default for alpha/beta, so a model must give both; onnxruntime silently
// uses 0 for any missing alpha/beta of Affine, ScaledTanh and ThresholdedRelu, which ONNX does not say.
const ACTIVATIONS: Readonly<Record<RecurrentActivationName, ActivationSpec>> = {
  Relu: { alpha: null, beta: null, f: (x) => (x > 0 ? x : 0) },
  Tanh: { alpha: null, beta: null, f: (x) => Math.tanh(x) },
  Sigmoid: { alpha: null, beta: null, f: (x) => sigmoid(x) },
  Affine: { alpha: 1, beta: 0, f: (x, a, b) => a * x + b },
  LeakyRelu: { alpha: 0.01, beta: null, f: (x, a) => (x >= 0 ? x : a * x) },
  ThresholdedRelu: { alpha: 1, beta: null, f: (x, a) => (x > a ? x : 0) },
  ScaledTanh: { alpha: undefined, beta: undefined, f: (x, a, b) => a * Math.tanh(b * x) },
  HardSigmoid: { alpha: 0.2, beta: 0.5, f: (x, a, b) => Math.max(0, Math.min(1, a * x + b)) },
  Elu: { alpha: 1, beta: null, f: (x, a) => (x >= 0 ? x : a * (Math.exp(x) - 1)) },
  Softsign: { alpha: null, beta: null, f: (x) => x / (1 + Math.abs(x)) },
  // log(1 + e^x) without overflowing for large x.
  Softplus: { alpha: null, beta: null, f: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))) },
};

export const RECURRENT_ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as RecurrentActivationName[];

export function applyActivation(x: number, a: RecurrentActivation): number {
  return ACTIVATIONS[a.name].f(x, a.alpha, a.beta);
}

/** ONNX `clip`: bounds the input of every activation to [-clip, clip]; undefined = no clipping. */
export function clipTo(x: number, clip: number | undefined): number {
  return clip === undefined ? x : Math.min(Math.max(x, -clip), clip);
}

export interface RecurrentAttrs {
  readonly hiddenSize: number;
  readonly direction: Direction;
  readonly numDirections: 1 | 2;
  /** activations[d * perCell + k]: function k (ONNX order: f, g, h) of direction d. */
  readonly activations: readonly RecurrentActivation[];
  readonly clip?: number;
}

/** Stacked gate blocks in W/R per op: RNN 1, GRU 3 (z, r, h), LSTM 4 (i, o, f, c). */
export const RECURRENT_GATES = { RNN: 1, GRU: 3, LSTM: 4 } as const;

export interface RecurrentKind {
  /** Stacked gate blocks in W/R: RNN 1, GRU 3 (z, r, h), LSTM 4 (i, o, f, c). */
  readonly gates: number;
  /** ONNX's default activations of one direction, e.g. LSTM [Sigmoid, Tanh, Tanh]. */
  readonly defaultActivations: readonly RecurrentActivationName[];
}

function floatsAttr(raw: Attrs, key: string): number[] {
  const v = raw[key] ?? [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new OpError(`attribute ${key} must be a list of finite numbers, got ${JSON.stringify(raw[key])}`);
  }
  return [...(v as number[])];
}

function activationName(v: unknown, index: number): RecurrentActivationName {
  // Matched case-insensitively, as onnxruntime's LSTM and GRU do; kept in ONNX's spelling.
  const name = typeof v === 'string' ? RECURRENT_ACTIVATION_NAMES.find((n) => n.toLowerCase() === v.toLowerCase()) : undefined;
  if (!name) {
    throw new OpError(`attribute activations[${index}]: unknown activation ${JSON.stringify(v)}, expected one of ${RECURRENT_ACTIVATION_NAMES.join('|')}`);
  }
  return name;
}

/**
 * The attributes every recurrent op has. activationAlpha/activationBeta are consumed in activation
 * order by the functions that take that parameter (as onnxruntime does); when the list runs out,
 * the standalone ONNX op's default applies.
 */
export function parseRecurrentAttrs(raw: Attrs, kind: RecurrentKind): RecurrentAttrs {
  const hiddenSize = intAttr(raw, 'hiddenSize', undefined, 1);
  const direction = stringAttr(raw, 'direction', DIRECTIONS, 'forward');
  const numDirections = direction === 'bidirectional' ? 2 : 1;
  const perCell = kind.defaultActivations.length;
  const want = numDirections * perCell;

  let names: RecurrentActivationName[];
  const rawActs = raw.activations;
  if (rawActs === undefined || rawActs === null) {
    names = Array.from({ length: numDirections }, () => [...kind.defaultActivations]).flat();
  } else {
    if (!Array.isArray(rawActs) || rawActs.length !== want) {
      throw new OpError(`attribute activations must list ${want} names (${perCell} per direction, ${numDirections} direction${numDirections > 1 ? 's' : ''}), got ${JSON.stringify(rawActs)}`);
    }
    names = (rawActs as unknown[]).map(activationName);
  }

  // Copies, consumed front to back by the functions that take the parameter.
  const alphas = floatsAttr(raw, 'activationAlpha'), betas = floatsAttr(raw, 'activationBeta');
  const param = (queue: number[], dflt: number | null | undefined, key: string, i: number): number => {
    if (dflt === null) return 0;
    const v = queue.shift();
    if (v !== undefined) return v;
    if (dflt === undefined) throw new OpError(`attribute ${key} has no value for activations[${i}] (${names[i]}), which has no default`);
    return dflt;
  };
  const activations = names.map((name, i): RecurrentActivation => ({
    name,
    alpha: param(alphas, ACTIVATIONS[name].alpha, 'activationAlpha', i),
    beta: param(betas, ACTIVATIONS[name].beta, 'activationBeta', i),
  }));

  let clip: number | undefined;
  if (raw.clip !== undefined && raw.clip !== null) {
    clip = floatAttr(raw, 'clip');
    if (!(clip > 0)) throw new OpError(`attribute clip must be positive, got ${clip}`);
  }
  return { hiddenSize, direction, numDirections, activations, ...(clip !== undefined ? { clip } : {}) };
}

/** Whether direction d reads the sequence backwards. */
export function isReverse(direction: Direction, d: number): boolean {
  return direction === 'reverse' || d === 1;
}

export interface RecurrentDims {
  /** Batch, sequence length, input size, hidden size, directions. */
  readonly N: number;
  readonly T: number;
  readonly I: number;
  readonly H: number;
  readonly D: number;
}

/** Throws unless `shape` equals `want`; `what` names the input and the meaning of its dims. */
export function expectShape(shape: Shape | undefined, want: Shape, what: string): void {
  if (!shape) throw new OpError(`input ${what} is missing`);
  if (shape.length !== want.length || shape.some((d, i) => d !== want[i])) {
    throw new OpError(`input ${what} must have shape ${shapeToString(want)}, got ${shapeToString(shape)}`);
  }
}

/**
 * Checks the inputs common to all recurrent ops (X, W, R, B, sequence_lens, initial_h at indices 0..5)
 * against each other and the attributes; returns the dimensions.
 */
export function recurrentDims(inputs: readonly (Shape | undefined)[], attrs: RecurrentAttrs, gates: number): RecurrentDims {
  const [x, w, r, b, seqLens, initialH] = inputs;
  if (!x) throw new OpError('input X is missing');
  if (x.length !== 3 || x.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new OpError(`input X must have shape [batch, seq_length, input_size] with positive dims, got ${shapeToString(x)}`);
  }
  const [N, T, I] = x;
  const H = attrs.hiddenSize, D = attrs.numDirections, GH = gates * H;
  expectShape(w, [D, GH, I], `W [num_directions, ${gates}*hidden_size, input_size]`);
  expectShape(r, [D, GH, H], `R [num_directions, ${gates}*hidden_size, hidden_size]`);
  if (b) expectShape(b, [D, 2 * GH], `B [num_directions, ${2 * gates}*hidden_size]`);
  if (seqLens) expectShape(seqLens, [N], 'sequence_lens [batch]');
  if (initialH) expectShape(initialH, [N, D, H], 'initial_h [batch, num_directions, hidden_size]');
  return { N, T, I, H, D };
}

/** Output shapes: Y [N,T,D,H], then `states` final states [N,D,H] (Y_h, and Y_c for LSTM). */
export function recurrentOutputShapes({ N, T, H, D }: RecurrentDims, states: number): Shape[] {
  return [[N, T, D, H], ...Array.from({ length: states }, () => [N, D, H])];
}

/** Multiply-adds of the gate matrix products: every step multiplies [x, h] by a [G*H, I+H] matrix. */
export function recurrentMacs(inputs: readonly (Shape | undefined)[], attrs: RecurrentAttrs, gates: number): number {
  const [x] = inputs;
  if (!x || x.length !== 3) return 0;
  const [N, T, I] = x;
  const H = attrs.hiddenSize;
  return N * T * attrs.numDirections * gates * H * (I + H);
}

/** The valid length of batch entry n's sequence; sequence_lens arrives as f32 like every runtime tensor. */
export function sequenceLength(seqLens: Tensor | undefined, n: number, T: number): number {
  if (!seqLens) return T;
  const len = seqLens.data[n];
  if (!Number.isInteger(len) || len < 0 || len > T) {
    throw new InputError(`sequence_lens[${n}] is out of range`, { expected: `an integer in 0..${T}`, received: String(len) });
  }
  return len;
}

/** Adds rows [row, row+rows) of the row-major matrix m (`cols` wide, starting at `base`) times v into acc. */
export function addMatVec(acc: Float64Array, m: Float32Array, base: number, row: number, rows: number, cols: number,
  v: ArrayLike<number>, vOff = 0): void {
  for (let j = 0; j < rows; j++) {
    let s = 0;
    const o = base + (row + j) * cols;
    for (let k = 0; k < cols; k++) s += m[o + k] * v[vOff + k];
    acc[j] += s;
  }
}

/**
 * One step of a cell: reads x_t at x[xOff .. xOff+I) and updates `states` (h, then c for LSTM) in place.
 * `d` is the direction, for picking that direction's weights.
 */
export type CellStep = (d: number, x: Float32Array, xOff: number, states: Float32Array[]) => void;

/**
 * Runs a recurrent layer: for each direction and batch entry, starts from the initial states (zeros
 * when absent) and steps through the entry's valid time steps, backwards for the reverse direction.
 * Y is zero past a sequence's length; final states hold the state after its last valid step, or
 * zeros for an empty sequence (as onnxruntime does).
 */
export function runRecurrent(dims: RecurrentDims, direction: Direction, x: Tensor, seqLens: Tensor | undefined,
  initial: readonly (Tensor | undefined)[], y: Tensor, finals: readonly Tensor[], step: CellStep): void {
  const { N, T, I, H, D } = dims;
  const lens = Array.from({ length: N }, (_, n) => sequenceLength(seqLens, n, T));
  y.data.fill(0);
  for (let d = 0; d < D; d++) {
    const reverse = isReverse(direction, d);
    for (let n = 0; n < N; n++) {
      const len = lens[n];
      const at = (n * D + d) * H;
      const states = initial.map((t) => (t ? t.data.slice(at, at + H) : new Float32Array(H)));
      for (let s = 0; s < len; s++) {
        const t = reverse ? len - 1 - s : s;
        step(d, x.data, (n * T + t) * I, states);
        y.data.set(states[0], ((n * T + t) * D + d) * H);
      }
      finals.forEach((f, k) => {
        if (len === 0) f.data.fill(0, at, at + H);
        else f.data.set(states[k], at);
      });
    }
  }
}

/** Direction d's input bias Wb and recurrent bias Rb, G*H each; zeros when B is absent. */
export function directionBiases(b: Tensor | undefined, d: number, GH: number): { wb: Float64Array; rb: Float64Array } {
  const wb = new Float64Array(GH), rb = new Float64Array(GH);
  if (b) {
    const o = d * 2 * GH;
    for (let j = 0; j < GH; j++) { wb[j] = b.data[o + j]; rb[j] = b.data[o + GH + j]; }
  }
  return { wb, rb };
}
