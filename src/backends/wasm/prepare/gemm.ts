// Gemm and MatMul on gemm_f32. Constant B is packed once (alpha, and a per-column C or bias folded
// into the panels' bias); a run-time B is packed into scratch each run. A full C (or a run-time bias
// that cannot be folded) is broadcast into Y first and accumulated by the kernel's epilogue.
import { activationArgs } from '../../../ops/activation.js';
import { gemmGeometry, type GemmAttrs } from '../../../ops/gemm.js';
import { matmulDims, type MatMulAttrs } from '../../../ops/matmul.js';
import { forEachBroadcast } from '../../../ops/broadcast.js';
import { sizeOf } from '../../../tensor.js';
import type { PrepareFn } from '../context.js';
import { gemmTasks, packPanels, panelFloats } from '../pack.js';
import type { WasmTensor } from '../tensor.js';
import { broadcastScaled } from './elementwise.js';

export const gemm: PrepareFn<GemmAttrs> = (b, [a, bIn, c], attrs, [y]) => {
  const A = b.raw(a!), B = bIn!;
  const { M, N, K, sbk: sk, sbn: sn } = gemmGeometry(A.shape, B.shape, c?.shape, attrs);
  const { alpha, beta } = attrs;
  const act = activationArgs(attrs.activation);
  // C of shape [N], [1,N], [1] or [] varies by column at most: fold beta*C into the packed bias.
  const cPerColumn = c !== undefined && (c.shape.length < 2 || c.shape[0] === 1);
  const foldC = c !== undefined && cPerColumn && c.isConstant && B.isConstant;
  let packed = -1;
  let packScratch: WasmTensor | undefined;
  if (B.isConstant) {
    const params = { layout: 'gemm-panels', K, N, transB: attrs.transB, alpha, c: foldC ? c.id : undefined, beta: foldC ? beta : undefined };
    packed = b.packed(B, params, panelFloats(K, N), (dst) => {
      const cd = foldC ? c.host! : undefined, cn = c?.size ?? 0;
      packPanels(dst, 0, { data: B.host!, offset: 0, sk, sn }, K, N, alpha, cd ? (n) => beta * cd[cn === 1 ? 0 : n] : undefined);
    });
  } else {
    b.raw(B);
    packScratch = b.scratch(panelFloats(K, N));
  }
  const prefill = c !== undefined && !foldC ? broadcastScaled(b, c, beta, y) : undefined;
  const aT = attrs.transA ? b.scratch(M * K) : undefined;
  const tasks = gemmTasks(1, M, N);
  return {
    run: () => {
      let ap = A.ptr;
      if (aT) { b.k.transpose2d_f32(A.ptr, aT.ptr, K, M); ap = aT.ptr; }
      let w = packed;
      if (packScratch) { w = packScratch.ptr; b.k.pack_b_f32(B.ptr, sk, sn, K, N, alpha, 0, 0, w); }
      if (prefill) prefill();
      return b.par('gemm_f32', tasks, M * N * K, [1, M, N, K, ap, K, 0, w, y.ptr, N, 0, prefill ? 1 : 0, act.code, act.p0, act.p1]);
    },
  };
};

export const matmul: PrepareFn<MatMulAttrs> = (b, [a, bIn, bias], attrs, [y]) => {
  const A = b.raw(a!), B = bIn!;
  const { M, K, N, batchA, batchB, batch } = matmulDims(A.shape, B.shape);
  const act = activationArgs(attrs.activation);
  const pf = panelFloats(K, N);
  const foldBias = bias !== undefined && bias.isConstant;
  let packed = -1;
  let packScratch: WasmTensor | undefined;
  if (B.isConstant) {
    const nb = sizeOf(batchB);
    packed = b.packed(B, { layout: 'matmul-panels', K, N, batches: nb, bias: foldBias ? bias.id : undefined }, nb * pf, (dst) => {
      const bd = foldBias ? bias.host! : undefined;
      for (let i = 0; i < nb; i++) packPanels(dst, i * pf, { data: B.host!, offset: i * K * N, sk: N, sn: 1 }, K, N, 1, bd ? (n) => bd[n] : undefined);
    });
  } else {
    b.raw(B);
    packScratch = b.scratch(pf);
  }
  const biasT = bias ? b.raw(bias) : undefined;
  const packBias = packScratch !== undefined && biasT !== undefined;
  // A constant B cannot take a run-time bias into its panels: broadcast it into Y and accumulate.
  const prefill = biasT && !foldBias && B.isConstant ? broadcastScaled(b, biasT, 1, y) : undefined;
  // Without batch dims in B, A's batch and row axes are one run of rows: a single call.
  const calls: [number, number, number, number][] = [];
  if (batchB.length === 0) {
    calls.push([sizeOf(batchA) * M, 0, 0, 0]);
  } else {
    forEachBroadcast(batchA, batchB, batch, (o, ia, ib) => calls.push([M, ia * M * K, ib, o * M * N]));
  }
  // One call (B without batch dims) may take every thread; a batch of calls runs them in turn on this one.
  const one = calls.length === 1;
  return {
    run: () => {
      let lastB = -1;
      for (const [rows, ao, ib, yo] of calls) {
        let w = packed + ib * pf * 4;
        if (packScratch) {
          w = packScratch.ptr;
          if (ib !== lastB) b.k.pack_b_f32(B.ptr + ib * K * N * 4, N, 1, K, N, 1, packBias ? biasT!.ptr : 0, 1, w);
          lastB = ib;
        }
        if (prefill && yo === 0) prefill();
        const args = [1, rows, N, K, A.ptr + ao * 4, K, 0, w, y.ptr + yo * 4, N, 0, prefill ? 1 : 0, act.code, act.p0, act.p1] as const;
        if (one) return b.par('gemm_f32', gemmTasks(1, rows, N), rows * N * K, args);
        b.k.gemm_f32(0, gemmTasks(1, rows, N), ...args);
      }
    },
  };
};
