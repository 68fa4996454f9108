// RNN, GRU and LSTM: X W^T for every step and direction in one tiled matmul, then recurrent_step_f32: when
// every unit fits one workgroup, one dispatch that walks the whole sequence; else one dispatch per time step
// (two for GRU without linearBeforeReset: r * h must be complete before R_h uses it), whose workgroups run in
// parallel. Initial states are copied into the ping-pong state buffer at the start of each run, finals copied out
// (recurrent_state_f32: the state buffer is f32 in every precision).
import type { Step } from '../../backend.js';
import { F32_MAX } from '../../../ops/activation.js';
import { RECURRENT_ACTIVATION_CODES } from '../../../ops/codes.js';
import { isReverse, RECURRENT_GATES, recurrentDims, type RecurrentAttrs } from '../../../ops/recurrent.js';
import type { GruAttrs } from '../../../ops/gru.js';
import type { LstmAttrs } from '../../../ops/lstm.js';
import { Uniforms, type GpuTensor, type KernelContext, type PrepareFn } from '../context.js';
import { gemmStep } from './matmul.js';

const WG = 64;

type Cell = 'RNN' | 'GRU' | 'LSTM';
/** CELL override of kernels/recurrent_step_f32.wgsl, and the activations per direction. */
const CELL = { RNN: { id: 0, perCell: 1 }, GRU: { id: 1, perCell: 2 }, LSTM: { id: 2, perCell: 3 } } as const;

type AnyRecurrentAttrs = RecurrentAttrs & Partial<Pick<GruAttrs, 'linearBeforeReset'> & Pick<LstmAttrs, 'inputForget'>>;

export function recurrent(cell: Cell): PrepareFn<AnyRecurrentAttrs> {
  return (ctx, inputs, attrs, outputs) => {
    const [x, w, r, b, lens, initialH] = inputs;
    const initialC = inputs[6], peep = inputs[7];
    const [y, yh, yc] = outputs;
    const { id, perCell } = CELL[cell];
    const gates = RECURRENT_GATES[cell];
    const { N, T, I, H, D } = recurrentDims(inputs.map((t) => t?.shape), attrs, gates);
    const GH = gates * H, NDH = N * D * H;
    const xw = ctx.scratch(D * N * T * GH, `${cell} X W^T`);
    const state = ctx.scratch(2 * 3 * NDH, `${cell} state`, 'f32');
    const zeros = ctx.scratch(NDH, `${cell} zero state`); // never written: the absent initial state
    const steps: Step[] = [
      gemmStep(ctx, {
        what: `${cell} input projection`, M: N * T, N: GH, K: I, a: x!, sam: I, sak: 1, b: w!, sbk: 1, sbn: I,
        batch: { shape: [D], sa: [0], sb: [GH * I] }, y: xw,
      }),
      stateStep(ctx, true, initialH ?? zeros, state, 0, NDH),
    ];
    if (cell === 'LSTM') steps.push(stateStep(ctx, true, initialC ?? zeros, state, NDH, NDH));

    let revMask = 0;
    for (let d = 0; d < D; d++) if (isReverse(attrs.direction, d)) revMask |= 1 << d;
    const total = NDH;
    const grid = ctx.grid1d(Math.ceil(total / WG), cell);
    const lbr = attrs.linearBeforeReset ?? false;
    const base = {
      CELL: id, LBR: lbr, HAS_B: b !== undefined, HAS_LENS: lens !== undefined, HAS_P: peep !== undefined,
      INPUT_FORGET: attrs.inputForget ?? false, VEC4: H % 4 === 0, WG,
    };
    const buffers = [xw.buffer, r!.buffer, b?.buffer ?? ctx.empty, lens?.buffer ?? ctx.empty, peep?.buffer ?? ctx.empty, state.buffer, y.buffer];
    const params = (s: number) => {
      const u = new Uniforms().u32(N, T, H, s, revMask, total).f32(attrs.clip ?? F32_MAX).u32(0);
      for (let slot = 0; slot < 6; slot++) {
        const d = Math.floor(slot / 3), k = slot % 3;
        const a = d < D && k < perCell ? attrs.activations[d * perCell + k] : undefined;
        u.u32(a ? RECURRENT_ACTIVATION_CODES[a.name] : 0).f32(a?.alpha ?? 0, a?.beta ?? 0).u32(0);
      }
      return u;
    };
    // Measured on SwiftShader (LSTM, H = 128, one sequence): one workgroup walking 128 units through 28 steps
    // took 1.3-2x as long as 28 dispatches of two workgroups, which run on two threads; at one workgroup
    // either way, one dispatch saves T - 1 launches.
    if (total <= WG) {
      steps.push(ctx.dispatch('recurrent_step_f32', { ...base, SEQUENCE: true }, buffers, params(0), [1, 1, 1]));
    } else {
      for (let s = 0; s < T; s++) {
        const u = params(s);
        if (cell === 'GRU' && !lbr) steps.push(ctx.dispatch('recurrent_step_f32', { ...base, PHASE: 0 }, buffers, u, grid));
        steps.push(ctx.dispatch('recurrent_step_f32', { ...base, PHASE: 1 }, buffers, u, grid));
      }
    }
    // After T steps the state lives in parity T % 2: slot 0 = h, slot 1 = c.
    const final = (T % 2) * 3 * NDH;
    steps.push(stateStep(ctx, false, yh, state, final, NDH));
    if (cell === 'LSTM') steps.push(stateStep(ctx, false, yc, state, final + NDH, NDH));
    return () => { for (const step of steps) step(); };
  };
}

/** `into`: n values of `tensor` to state[at..]; else state[at..] to `tensor`. */
function stateStep(ctx: KernelContext, into: boolean, tensor: GpuTensor, state: GpuTensor, at: number, n: number): Step {
  const u = new Uniforms().u32(n, at, 0, 0);
  return ctx.dispatch('recurrent_state_f32', { IN: into, WG }, [tensor.buffer, state.buffer], u,
    ctx.grid1d(Math.ceil(n / WG), into ? 'recurrent initial state' : 'recurrent final state'));
}
