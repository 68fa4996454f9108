// RNN, LSTM and GRU over whole sequences, with the semantics of src/ops/recurrent.ts. Prepare packs W
// for both directions as one GEMM operand (biases folded into its panels) and R per direction; a run
// is one GEMM projecting every step's input, then one kernel call per direction for the recurrence.
// Weights given at run time are packed into scratch each run and their biases added by the kernels.
// LSTM on a SIMD build packs R blocked (assembly/kernels/lstm.ts): per 8 units, their i, o, f, c panels.
import { RECURRENT_ACTIVATION_CODES } from '../../../ops/codes.js';
import type { GruAttrs } from '../../../ops/gru.js';
import type { LstmAttrs } from '../../../ops/lstm.js';
import {
  isReverse, RECURRENT_GATES, recurrentDims, sequenceLength, type RecurrentAttrs,
} from '../../../ops/recurrent.js';
import { after, type PrepareFn } from '../context.js';
import { gemmTasks, packPanels, panelFloats } from '../pack.js';
import type { WasmTensor } from '../tensor.js';

type Kind = 'RNN' | 'LSTM' | 'GRU';
type Attrs = RecurrentAttrs & Partial<Pick<LstmAttrs, 'inputForget'> & Pick<GruAttrs, 'linearBeforeReset'>>;

/** Work floats per batch entry, in units of H (assembly/kernels/{rnn,lstm,gru}.ts), for R packed by rows. */
const WORK: Record<Kind, number> = { RNN: 2, LSTM: 6, GRU: 5 };
/**
 * Up to this batch LSTM runs its blocked form (R read once per entry and step); from 4 entries on, one
 * GEMM per step that reads R once for 4 entries is faster (measured at H = 128, T = 28: 0.21 vs 0.31 ms
 * at batch 2, 0.41 vs 0.39 at batch 4).
 */
const BLOCKED_LSTM_MAX_N = 3;
/** Work floats of lstm_f32's blocked form: 32 of scratch, then c, h and the next h per entry, each padded to 8. */
const blockedLstmWork = (N: number, H: number) => 32 + 3 * N * Math.ceil(H / 8) * 8;

/** A run of gate rows of R multiplied in one GEMM: rows [row, row + n) of each direction's G*H. */
interface RBlock { readonly row: number; readonly n: number; readonly floats: number; readonly offset: number }

function recurrent(kind: Kind): PrepareFn<Attrs> {
  return (b, inputs, attrs, outputs) => {
    const [x, w, r, bias, seqLens, initialH, initialC, peep] = inputs;
    const [y, yh, yc] = outputs;
    const { N, T, I, H, D } = recurrentDims(inputs.map((t) => t?.shape), attrs, RECURRENT_GATES[kind]);
    const GH = RECURRENT_GATES[kind] * H, cols = D * GH;
    const lbr = kind === 'GRU' && attrs.linearBeforeReset === true;
    const X = b.raw(x!), W = w!, R = r!, B = bias;
    const constB = B === undefined || B.isConstant;

    // Wb + Rb per column of [D, G*H]; with linear_before_reset GRU's Rb_h is applied after the reset gate instead.
    const keepsRb = (j: number) => !(lbr && j >= GH - H);
    const hostB = B?.host;
    const xBias = hostB && ((n: number) => {
      const o = Math.floor(n / GH) * 2 * GH, j = n % GH;
      return hostB[o + j] + (keepsRb(j) ? hostB[o + GH + j] : 0);
    });

    // W^T for both directions as one [I, D*G*H] operand: W is [D*G*H, I] row-major.
    const wFloats = panelFloats(I, cols);
    const foldX = W.isConstant && constB;
    let wPacked = -1;
    let wScratch: WasmTensor | undefined;
    if (W.isConstant) {
      wPacked = b.packed(W, { layout: 'recurrent-W', I, cols, H, lbr, bias: foldX && B ? B.id : undefined }, wFloats, (dst) => {
        packPanels(dst, 0, { data: W.host!, offset: 0, sk: 1, sn: I }, I, cols, 1, foldX ? xBias : undefined);
      });
    } else {
      b.raw(W);
      wScratch = b.scratch(wFloats);
    }

    // R^T per direction; GRU without linear_before_reset multiplies its h rows separately (after r).
    const blocked = kind === 'LSTM' && b.variant !== 'scalar' && N <= BLOCKED_LSTM_MAX_N;
    const spans = blocked ? lstmBlocks(H) : kind === 'GRU' && !lbr ? [[0, 2 * H], [2 * H, H]] : [[0, GH]];
    let perDir = 0;
    const blocks: RBlock[] = spans.map(([row, n]) => {
      const floats = panelFloats(H, n), offset = perDir;
      perDir += floats;
      return { row, n, floats, offset };
    });
    const foldR = R.isConstant && constB;
    const rBias = lbr && foldR && hostB ? (d: number) => (n: number) => (n >= 2 * H ? hostB[d * 2 * GH + GH + n] : 0) : undefined;
    let rPacked = -1;
    let rScratch: WasmTensor | undefined;
    if (R.isConstant) {
      rPacked = b.packed(R, { layout: 'recurrent-R', kind, D, H, lbr, blocked, bias: rBias && B ? B.id : undefined }, D * perDir, (dst) => {
        for (let d = 0; d < D; d++) {
          for (const bl of blocks) {
            packPanels(dst, d * perDir + bl.offset, { data: R.host!, offset: (d * GH + bl.row) * H, sk: 1, sn: H }, H, bl.n, 1, rBias?.(d));
          }
        }
      });
    } else {
      b.raw(R);
      rScratch = b.scratch(D * perDir);
    }

    const bx = B && !foldX ? b.scratch(cols) : undefined;
    const br = lbr && B && !foldR ? b.scratch(D * H) : undefined;
    if (bx || br) b.raw(B!);
    const S = seqLens && b.raw(seqLens);
    const [H0, C0, Pp] = [initialH, kind === 'LSTM' ? initialC : undefined, kind === 'LSTM' ? peep : undefined].map((t) => t && b.raw(t));

    const lens = b.persistent(N * 4);
    if (!S) b.mem.i32.fill(T, lens >> 2, (lens >> 2) + N);
    const perCell = attrs.activations.length / D;
    const acts = b.persistent(attrs.activations.length * 24);
    new Float64Array(b.mem.f32.buffer, acts, attrs.activations.length * 3)
      .set(attrs.activations.flatMap((a) => [RECURRENT_ACTIVATION_CODES[a.name], a.alpha, a.beta]));
    const clip = attrs.clip ?? 0;

    const proj = b.scratch(N * T * cols);
    const work = b.scratch(blocked ? blockedLstmWork(N, H) : N * WORK[kind] * H);
    const k = b.k;
    return {
      run: () => {
        if (S) {
          // Validated each run, as the reference does: sequence_lens may be a graph input.
          const data = S.isConstant ? S.host! : b.mem.f32.subarray(S.ptr >> 2, (S.ptr >> 2) + N);
          const view = { shape: S.shape, data }, i32 = b.mem.i32;
          for (let n = 0; n < N; n++) i32[(lens >> 2) + n] = sequenceLength(view, n, T);
          k.fill_f32(y.ptr, y.size, 0);
        }
        let wp = wPacked, rp = rPacked;
        if (wScratch) {
          wp = wScratch.ptr;
          k.pack_b_f32(W.ptr, 1, I, I, cols, 1, 0, 0, wp);
        }
        if (rScratch) {
          rp = rScratch.ptr;
          for (let d = 0; d < D; d++) {
            for (const bl of blocks) k.pack_b_f32(R.ptr + (d * GH + bl.row) * H * 4, 1, H, H, bl.n, 1, 0, 0, rp + (d * perDir + bl.offset) * 4);
          }
        }
        if (bx || br) k.recurrent_bias_f32(B!.ptr, D, GH, H, lbr ? 1 : 0, bx?.ptr ?? 0, br?.ptr ?? 0);
        // The steps follow the input projection of every step at once, which may take every thread.
        const steps = () => {
          for (let d = 0; d < D; d++) {
            const rev = isReverse(attrs.direction, d) ? 1 : 0;
            const p = proj.ptr + d * GH * 4, rd = rp + d * perDir * 4, at = d * H * 4;
            const h0 = H0 ? H0.ptr + at : 0, bxd = bx ? bx.ptr + d * GH * 4 : 0, a = acts + d * perCell * 24;
            if (kind === 'RNN') {
              k.rnn_f32(N, T, H, D, lens, rev, p, cols, rd, h0, bxd, y.ptr + at, yh.ptr + at, work.ptr, a, clip);
            } else if (kind === 'LSTM') {
              k.lstm_f32(N, T, H, D, lens, rev, p, cols, rd, blocked ? 1 : 0, h0, C0 ? C0.ptr + at : 0, Pp ? Pp.ptr + d * 3 * H * 4 : 0, bxd,
                y.ptr + at, yh.ptr + at, yc.ptr + at, work.ptr, a, clip, attrs.inputForget ? 1 : 0);
            } else {
              k.gru_f32(N, T, H, D, lens, rev, p, cols, rd, lbr ? 0 : rd + blocks[1].offset * 4, h0, bxd, br ? br.ptr + at : 0,
                y.ptr + at, yh.ptr + at, work.ptr, a, clip, lbr ? 1 : 0);
            }
          }
        };
        return after(b.par('gemm_f32', gemmTasks(1, N * T, cols), N * T * cols * I, [1, N * T, cols, I, X.ptr, I, 0, wp, proj.ptr, cols, 0, 0, 0, 0, 0]), steps);
      },
    };
  };
}

/** LSTM's R rows in blocked order: for each 8 units j.., the rows of gates i, o, f, c (ONNX order). */
function lstmBlocks(H: number): number[][] {
  const spans: number[][] = [];
  for (let j = 0; j < H; j += 8) for (let g = 0; g < 4; g++) spans.push([g * H + j, Math.min(8, H - j)]);
  return spans;
}

export const rnn = recurrent('RNN');
export const lstm = recurrent('LSTM');
export const gru = recurrent('GRU');
