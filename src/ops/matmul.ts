// MatMul (numpy/ONNX): a rank-1 A is a row [1,K] and a rank-1 B a column [K,1], their unit axis dropped
// from the result; leading (batch) dims broadcast. Optional 3rd input bias [N] is added along the last
// axis (N = 1 when B is rank 1), then the optional fused activation.
import { shapeToString, type Shape } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { activate, parseActivation, type Activation } from './activation.js';
import { broadcastShape, forEachBroadcast } from './broadcast.js';
import { defineOp, OpError, REDUCTION } from './op.js';

export interface MatMulAttrs { readonly activation?: Activation }

export interface MatMulDims {
  readonly M: number; readonly K: number; readonly N: number;
  readonly batchA: Shape; readonly batchB: Shape; readonly batch: Shape;
  readonly out: Shape;
}

/** numpy matmul dimensions: M, K, N, the batch shapes of A, B and Y, and Y's shape (rank-1 rules applied). */
export function matmulDims(a: Shape | undefined, b: Shape | undefined): MatMulDims {
  if (!a) throw new OpError('input A is missing');
  if (!b) throw new OpError('input B is missing');
  if (a.length === 0 || b.length === 0) throw new OpError(`inputs must have rank >= 1, got A ${shapeToString(a)} and B ${shapeToString(b)}`);
  const a2 = a.length === 1 ? [1, a[0]] : a, b2 = b.length === 1 ? [b[0], 1] : b;
  const M = a2[a2.length - 2], K = a2[a2.length - 1], Kb = b2[b2.length - 2], N = b2[b2.length - 1];
  if (K !== Kb) throw new OpError(`inner dimensions differ: A ${shapeToString(a)} has K=${K}, B ${shapeToString(b)} has K=${Kb}`);
  const batchA = a2.slice(0, -2), batchB = b2.slice(0, -2);
  let batch: Shape;
  try {
    batch = broadcastShape(batchA, batchB);
  } catch {
    throw new OpError(`batch dimensions of A ${shapeToString(a)} and B ${shapeToString(b)} do not broadcast`);
  }
  const out = [...batch, ...(a.length === 1 ? [] : [M]), ...(b.length === 1 ? [] : [N])];
  return { M, K, N, batchA, batchB, batch, out };
}

export const MatMul = defineOp<MatMulAttrs>({
  name: 'MatMul',
  parseAttrs: (raw: Attrs) => ({ activation: parseActivation(raw.activation) }),
  inferShape: ([a, b, bias]) => {
    const d = matmulDims(a, b);
    if (bias && (bias.length !== 1 || bias[0] !== d.N)) {
      throw new OpError(`bias ${shapeToString(bias)} must be [${d.N}] for B ${shapeToString(b!)}`);
    }
    return [d.out];
  },
  reference: ([a, b, bias], attrs, [y]) => {
    const { M, K, N, batchA, batchB, batch } = matmulDims(a?.shape, b?.shape);
    const A = a!.data, B = b!.data, Bias = bias?.data, Y = y.data, act = attrs.activation;
    // One call per output matrix, with the indices of the A and B matrices broadcast onto it.
    forEachBroadcast(batchA, batchB, batch, (o, ia, ib) => {
      const ao = ia * M * K, bo = ib * K * N, yo = o * M * N;
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          let acc = Bias ? Bias[n] : 0;
          for (let k = 0; k < K; k++) acc += A[ao + m * K + k] * B[bo + k * N + n];
          Y[yo + m * N + n] = act ? activate(acc, act) : acc;
        }
      }
    });
  },
  tolerance: REDUCTION,
  macs: ([a, b]) => {
    if (!a || !b) return 0;
    const { M, K, N, batch } = matmulDims(a, b);
    return batch.reduce((p, d) => p * d, 1) * M * K * N;
  },
});
