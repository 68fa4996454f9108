// Gemm (ONNX): Y[M,N] = alpha * A' B' + beta * C, A' = transA ? A^T : A, B' = transB ? B^T : B,
// C optional and unidirectionally broadcast to [M,N]; then the optional fused activation.
import { shapeToString, type Shape } from '../tensor.js';
import type { Attrs } from './attrs.js';
import { activate, parseActivation, type Activation } from './activation.js';
import { boolAttr, defineOp, expectRank, floatAttr, OpError, REDUCTION } from './op.js';

export interface GemmAttrs {
  readonly transA: boolean;
  readonly transB: boolean;
  readonly alpha: number;
  readonly beta: number;
  readonly activation?: Activation;
}

export interface GemmDims { readonly M: number; readonly N: number; readonly K: number }

/** M, N, K of A' B' from the shapes of A and B; throws OpError when the inner dimensions differ. */
export function gemmDims(a: Shape | undefined, b: Shape | undefined, { transA, transB }: GemmAttrs): GemmDims {
  expectRank(a, 2, 'input A');
  expectRank(b, 2, 'input B');
  const [M, K] = transA ? [a![1], a![0]] : [a![0], a![1]];
  const [Kb, N] = transB ? [b![1], b![0]] : [b![0], b![1]];
  if (K !== Kb) {
    throw new OpError(`inner dimensions differ: A ${shapeToString(a!)}${transA ? '^T' : ''} has K=${K}, B ${shapeToString(b!)}${transB ? '^T' : ''} has K=${Kb}`);
  }
  return { M, N, K };
}

/** Strides (in elements) that read C as if it were [M,N]; throws unless C broadcasts to [M,N]. */
function cStrides(c: Shape, M: number, N: number): [number, number] {
  const bad = () => new OpError(`input C ${shapeToString(c)} does not broadcast to [${M},${N}]`);
  if (c.length > 2) throw bad();
  const cm = c.length === 2 ? c[0] : 1, cn = c.length >= 1 ? c[c.length - 1] : 1;
  if ((cm !== 1 && cm !== M) || (cn !== 1 && cn !== N)) throw bad();
  return [cm === 1 ? 0 : cn, cn === 1 ? 0 : 1];
}

export interface GemmGeometry extends GemmDims {
  /** Element strides: A'[m,k] = A[m*sam + k*sak], B'[k,n] = B[k*sbk + n*sbn], C as [M,N] = C[m*scm + n*scn]. */
  readonly sam: number; readonly sak: number;
  readonly sbk: number; readonly sbn: number;
  readonly scm: number; readonly scn: number;
}

/** Dimensions and the strides that read A', B' and C, for every backend (C absent: scm = scn = 0). */
export function gemmGeometry(a: Shape | undefined, b: Shape | undefined, c: Shape | undefined, attrs: GemmAttrs): GemmGeometry {
  const { M, N, K } = gemmDims(a, b, attrs);
  const [sam, sak] = attrs.transA ? [1, M] : [K, 1];
  const [sbk, sbn] = attrs.transB ? [1, K] : [N, 1];
  const [scm, scn] = c ? cStrides(c, M, N) : [0, 0];
  return { M, N, K, sam, sak, sbk, sbn, scm, scn };
}

export const Gemm = defineOp<GemmAttrs>({
  name: 'Gemm',
  parseAttrs: (raw: Attrs) => ({
    transA: boolAttr(raw, 'transA', false),
    transB: boolAttr(raw, 'transB', false),
    alpha: floatAttr(raw, 'alpha', 1),
    beta: floatAttr(raw, 'beta', 1),
    activation: parseActivation(raw.activation),
  }),
  inferShape: ([a, b, c], attrs) => {
    const { M, N } = gemmDims(a, b, attrs);
    if (c) cStrides(c, M, N);
    return [[M, N]];
  },
  reference: ([a, b, c], attrs, [y]) => {
    const { M, N, K, sam, sak, sbk, sbn, scm, scn } = gemmGeometry(a?.shape, b?.shape, c?.shape, attrs);
    const A = a!.data, B = b!.data, Y = y.data, act = attrs.activation;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += A[m * sam + k * sak] * B[k * sbk + n * sbn];
        let v = attrs.alpha * acc;
        if (c) v += attrs.beta * c.data[m * scm + n * scn];
        Y[m * N + n] = act ? activate(v, act) : v;
      }
    }
  },
  tolerance: REDUCTION,
  macs: ([a, b], _out, attrs) => {
    if (!a || !b) return 0;
    const { M, N, K } = gemmDims(a, b, attrs);
    return M * N * K;
  },
});
