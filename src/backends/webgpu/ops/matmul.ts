// Gemm, MatMul (and 1x1 Conv, via gemmStep) on one of three kernels sharing Params and epilogue: gemv_f32
// when A has at most 4 rows, matmul_f32_vec4 when A's rows and B are contiguous with K and N multiples of 4,
// else the tiled matmul_f32. Every layout difference (transA/transB, broadcast batches, rank-1 operands,
// C broadcasting) becomes element strides.
import type { Step } from '../../backend.js';
import { activationArgs, type Activation } from '../../../ops/activation.js';
import { gemmGeometry, type GemmAttrs } from '../../../ops/gemm.js';
import { matmulDims, type MatMulAttrs } from '../../../ops/matmul.js';
import { broadcastStrides } from '../../../ops/broadcast.js';
import { Uniforms, type GpuTensor, type KernelContext, type PrepareFn } from '../context.js';
import { BackendUnavailableError } from '../../../errors.js';
import { coalesce } from './nd.js';

const TILE = 32;
const MAX_BATCH_RANK = 4;
/** Up to this many rows, gemv_f32 (kernels/gemv_f32.wgsl MAX_M) instead of a mostly empty 32-row tile. */
const GEMV_MAX_M = 4;
/** Columns per gemv_f32 workgroup: 64 invocations, one per column, or 16 lanes per column when B_KMAJOR. */
const GEMV_COLS = { nMajor: 64, kMajor: 4 } as const;

export interface GemmSpec {
  readonly what: string;
  readonly M: number; readonly N: number; readonly K: number;
  readonly a: GpuTensor; readonly sam: number; readonly sak: number;
  readonly b: GpuTensor; readonly sbk: number; readonly sbn: number;
  /** Added after alpha scaling as beta * C[m * scm + n * scn]. */
  readonly c?: { readonly t: GpuTensor; readonly scm: number; readonly scn: number; readonly beta: number };
  readonly alpha?: number;
  readonly activation?: Activation;
  /** Broadcast batch dims of Y, with A's and B's element offsets per step along each. */
  readonly batch?: { readonly shape: readonly number[]; readonly sa: readonly number[]; readonly sb: readonly number[] };
  readonly y: GpuTensor;
}

export function gemmStep(ctx: KernelContext, s: GemmSpec): Step {
  const walk = s.batch ? coalesce(s.batch.shape, [s.batch.sa, s.batch.sb]) : { shape: [], strides: [[], []] };
  if (walk.shape.length > MAX_BATCH_RANK) {
    throw new BackendUnavailableError('webgpu', `${s.what}: ${walk.shape.length} independent batch axes, the kernel indexes at most ${MAX_BATCH_RANK}`);
  }
  const batch = walk.shape.reduce((p, d) => p * d, 1);
  const { code: ACT, p0, p1 } = activationArgs(s.activation);
  const pad4 = (v: readonly number[], fill: number) => [...v, ...new Array<number>(4 - v.length).fill(fill)];
  const u = new Uniforms()
    .u32(s.M, s.N, s.K, walk.shape.length, s.sam, s.sak, s.sbk, s.sbn, s.c?.scm ?? 0, s.c?.scn ?? 0)
    .f32(s.alpha ?? 1, s.c?.beta ?? 0, p0, p1).u32(0, 0)
    .u32(...pad4(walk.shape, 1), ...pad4(walk.strides[0], 0), ...pad4(walk.strides[1], 0));
  // B is loaded k-fastest when that is its contiguous axis (transB weights, 1x1 Conv), else n-fastest.
  const B_KMAJOR = s.sbk === 1 && s.sbn !== 1;
  const constants = { ACT, HAS_C: s.c !== undefined, B_KMAJOR };
  const buffers = [s.a.buffer, s.b.buffer, s.c?.t.buffer ?? ctx.empty, s.y.buffer];
  if (s.M <= GEMV_MAX_M) {
    const cols = B_KMAJOR ? GEMV_COLS.kMajor : GEMV_COLS.nMajor;
    return ctx.dispatch('gemv_f32', constants, buffers, u, ctx.grid3d(Math.ceil(s.N / cols), 1, batch, s.what));
  }
  // vec4 loads need every row of A and of B to start on a 16-byte boundary (batch offsets are then
  // multiples of M*K and K*N, so of 4 too).
  const dense = s.sak === 1 && s.sam === s.K && (B_KMAJOR ? s.sbn === s.K : s.sbn === 1 && s.sbk === s.N);
  if (dense && s.K % 4 === 0 && s.N % 4 === 0) {
    return ctx.dispatch('matmul_f32_vec4', constants, buffers, u, ctx.grid3d(Math.ceil(s.N / TILE), Math.ceil(s.M / TILE), batch, s.what));
  }
  return ctx.dispatch('matmul_f32', constants, buffers, u, ctx.grid3d(Math.ceil(s.N / TILE), Math.ceil(s.M / TILE), batch, s.what));
}

export const gemm: PrepareFn<GemmAttrs> = (ctx, [a, b, c], attrs, [y]) => {
  const { M, N, K, sam, sak, sbk, sbn, scm, scn } = gemmGeometry(a!.shape, b!.shape, c?.shape, attrs);
  return gemmStep(ctx, {
    what: 'Gemm', M, N, K, a: a!, sam, sak, b: b!, sbk, sbn,
    c: c && attrs.beta !== 0 ? { t: c, scm, scn, beta: attrs.beta } : undefined,
    alpha: attrs.alpha, activation: attrs.activation, y,
  });
};

export const matmul: PrepareFn<MatMulAttrs> = (ctx, [a, b, bias], attrs, [y]) => {
  // numpy rules (matmulDims): a rank-1 A is a row [1, K], a rank-1 B a column [K, 1]; Y's layout is the same either way.
  const { M, K, N, batchA, batchB, batch } = matmulDims(a!.shape, b!.shape);
  return gemmStep(ctx, {
    what: 'MatMul', M, N, K,
    a: a!, sam: K, sak: 1, b: b!, sbk: N, sbn: 1,
    c: bias ? { t: bias, scm: 0, scn: 1, beta: 1 } : undefined,
    activation: attrs.activation,
    batch: {
      shape: [...batch],
      sa: broadcastStrides(batchA, batch).map((s) => s * M * K),
      sb: broadcastStrides(batchB, batch).map((s) => s * K * N),
    },
    y,
  });
};
