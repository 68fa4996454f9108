// The quantized ops (src/ops/quant.ts, qlinear*.ts) on the int8 kernels of assembly/kernels/qlinear.ts.
// Weights are packed once as int8 (w - wz): [kh, kw, C] for depthwise, else [O, kpad] rows for the i16 x i8
// GEMM, kpad = K rounded up to 8; bias (int32) and the f32 requantization scales beside them. Activations stay
// f32 integers: QLinearConv converts its input to i16 rows (x - xz) in scratch, then the GEMM requantizes
// straight into y.
import { BackendUnavailableError } from '../../../errors.js';
import { convGeometry, type ConvGeometry } from '../../../ops/conv.js';
import { matmulDims } from '../../../ops/matmul.js';
import type { QLinearConvAttrs } from '../../../ops/qlinear-conv.js';
import { qpoolScale, type QLinearAddAttrs, type QLinearGlobalAveragePoolAttrs, type QLinearMatMulAttrs } from '../../../ops/qlinear.js';
import { quantRange, requantScale, type DequantizeAttrs, type QuantizeAttrs, type QuantParams } from '../../../ops/quant.js';
import { sameShape } from '../../../tensor.js';
import type { PrepareFn, WasmContext } from '../context.js';
import type { Kernel } from '../plan-state.js';
import type { WasmTensor } from '../tensor.js';

const round8 = (k: number): number => Math.ceil(k / 8) * 8;

/** About the i16 bytes of one depthwise band's input rows (fits L2 beside its output). */
const DW_BAND_BYTES = 256 * 1024;

/** qgemm_i16i8's weights: blocks of 8 outputs, each [kpad / 2][8][2] (k pairs), zero past O and K. */
function packPairs(dst: Int8Array, at: number, O: number, K: number, kpad: number, value: (o: number, k: number) => number): void {
  for (let o = 0; o < O; o++) {
    const base = at + (o >> 3) * 8 * kpad + (o & 7) * 2;
    for (let k = 0; k < K; k++) dst[base + (k >> 1) * 16 + (k & 1)] = value(o, k);
  }
}

function constants(op: string, ts: readonly (WasmTensor | undefined)[]): void {
  if (ts.some((t) => t && !t.isConstant)) throw new BackendUnavailableError('wasm', `${op} with run-time weights has no wasm int8 kernel yet; the js backend runs it`);
}

/** int8 (w - wz) of weight element i in channel c; refuses what int8 cannot hold (uint8 weights far from their zero point). */
function weight8(op: string, w: WasmTensor, wz: WasmTensor, i: number, c: number): number {
  const Z = wz.host!;
  const v = w.host![i] - Z[Z.length === 1 ? 0 : c];
  if (v < -128 || v > 127) throw new BackendUnavailableError('wasm', `${op}: weight minus zero point ${v} does not fit int8 (the wasm kernels would need i16 weights; the js backend runs it)`);
  return v;
}

/** Packs `bytes` of int8 weights once per (weight, params) and returns their byte offset. */
function packedBytes(b: WasmContext, w: WasmTensor, params: Record<string, string | number | undefined>, bytes: number, fill: (dst: Int8Array) => void): number {
  return b.packed(w, { layout: 'int8', ...params }, Math.ceil(bytes / 4), (dst) => fill(new Int8Array(dst.buffer, dst.byteOffset, bytes)));
}

/** int32 bias then f32 scales, O each then 8 to 15 zeros (a SIMD kernel reads whole blocks of 8): the epilogue's tables. */
function epilogue(b: WasmContext, w: WasmTensor, ws: WasmTensor, bias: WasmTensor | undefined, O: number, x: QuantParams, y: QuantParams): { bias: number; scale: number } {
  const O4 = round8(O) + 8;
  const ptr = b.packed(w, { layout: 'int8-epilogue', ws: ws.id, bias: bias?.id, xs: x.scale, ys: y.scale }, 2 * O4, (dst) => {
    const bi = new Int32Array(dst.buffer, dst.byteOffset, O4), S = ws.host!, B = bias?.host;
    for (let o = 0; o < O; o++) {
      bi[o] = B ? B[o] : 0;
      dst[O4 + o] = requantScale(x.scale, S[S.length === 1 ? 0 : o], y.scale);
    }
  });
  return { bias: ptr, scale: ptr + O4 * 4 };
}

/** The kernels' clamp: the output grid's ends less its zero point, then the zero point. */
function outputGrid(y: QuantParams): [lo2: number, hi2: number, zp: number] {
  const [lo, hi] = quantRange(y.type);
  return [lo - y.zeroPoint, hi - y.zeroPoint, y.zeroPoint];
}

export const qlinearConv: PrepareFn<QLinearConvAttrs> = (b, [x, w, ws, wz, bias], attrs, [y]) => {
  constants('QLinearConv', [w, ws, wz, bias]);
  const g = convGeometry(x!.shape, w!.shape, attrs);
  const ep = epilogue(b, w!, ws!, bias, g.O, attrs.x, attrs.y);
  const grid = outputGrid(attrs.y);
  // A dilated depthwise conv takes the grouped GEMM path (one output per group: correct, not fast).
  if (g.group === g.C && g.cinPerGroup === 1 && g.coutPerGroup === 1 && g.dh === 1 && g.dw === 1) return depthwise(b, g, x!, w!, wz!, ep, attrs, y, grid);
  return gemmConv(b, g, x!, w!, wz!, ep, attrs, y, grid);
};

function depthwise(b: WasmContext, g: ConvGeometry, x: WasmTensor, w: WasmTensor, wz: WasmTensor, ep: { bias: number; scale: number },
  attrs: QLinearConvAttrs, y: WasmTensor, grid: number[]): Kernel {
  const { N, H, W, C, OH, OW, kh, kw, sh, sw, padTop, padLeft } = g;
  const T = kh * kw, c8 = round8(C);
  const wp = packedBytes(b, w, { kind: 'dw', c8, wz: wz.id }, T * c8, (dst) => {
    for (let c = 0; c < C; c++) for (let t = 0; t < T; t++) dst[t * c8 + c] = weight8('QLinearConv', w, wz, c * T + t, c);
  });
  const X = b.raw(x);
  // Bands of output rows, each converting only the input rows it reads to i16 (x - xz) rows of c8 channels: the
  // scratch is a band's rows, not a whole image (which would add 2.3 MiB to MobileNetV2's arena).
  const band = Math.max(1, Math.min(OH, Math.floor(DW_BAND_BYTES / (2 * sh * W * c8))));
  const a = b.scratch(Math.ceil(((band - 1) * sh + kh) * W * c8 / 2));
  const xz = attrs.x.zeroPoint;
  return {
    run: () => {
      for (let n = 0; n < N; n++) {
        for (let oh0 = 0; oh0 < OH; oh0 += band) {
          const rows = Math.min(band, OH - oh0);
          // The band as an image of its own: input rows [r0, r1), the top padding shifted to match.
          const r0 = Math.max(0, oh0 * sh - padTop), r1 = Math.min(H, (oh0 + rows - 1) * sh - padTop + kh);
          if (r1 > r0) b.k.qim2col_i16(X.ptr + (n * H + r0) * W * C * 4, a.ptr, 0, r1 - r0, W, C, r1 - r0, W, 1, 1, 1, 1, 1, 1, 0, 0, 0, C, c8, xz);
          b.k.qdwconv_i16(a.ptr, wp, ep.bias, ep.scale, y.ptr + ((n * OH + oh0) * OW) * C * 4, r1 - r0, W, C, c8, rows, OW, kh, kw, sh, sw,
            padTop + r0 - oh0 * sh, padLeft, grid[0], grid[1], grid[2]);
        }
      }
    },
  };
}

function gemmConv(b: WasmContext, g: ConvGeometry, x: WasmTensor, w: WasmTensor, wz: WasmTensor, ep: { bias: number; scale: number },
  attrs: QLinearConvAttrs, y: WasmTensor, grid: number[]): Kernel {
  const { N, H, W, C, OH, OW, O, kh, kw, sh, sw, dh, dw, padTop, padLeft, group, cinPerGroup: cpg, coutPerGroup: cout } = g;
  const K = kh * kw * cpg, kpad = round8(K), P = OH * OW;
  // Each group's outputs in blocks of 8 (qgemm_i16i8's layout), the last block zero-padded.
  const blocks = Math.ceil(cout / 8);
  const wp = packedBytes(b, w, { kind: 'pairs8', kpad, wz: wz.id }, group * blocks * 8 * kpad, (dst) => {
    for (let gi = 0; gi < group; gi++) {
      packPairs(dst, gi * blocks * 8 * kpad, cout, K, kpad, (o, k) => weight8('QLinearConv', w, wz, (gi * cout + o) * K + k, gi * cout + o));
    }
  });
  const X = b.raw(x);
  // A row more: qgemm_i16i8 reads its last tile of 2 pixels whole.
  const a = b.scratch(Math.ceil((P + 1) * kpad / 2));
  const xz = attrs.x.zeroPoint;
  return {
    run: () => {
      for (let n = 0; n < N; n++) {
        for (let gi = 0; gi < group; gi++) {
          b.k.qim2col_i16(X.ptr, a.ptr, n, H, W, C, OH, OW, kh, kw, sh, sw, dh, dw, padTop, padLeft, gi * cpg, cpg, kpad, xz);
          const o0 = gi * cout;
          b.k.qgemm_i16i8(a.ptr, P, kpad, wp + gi * blocks * 8 * kpad, cout, ep.bias + o0 * 4, ep.scale + o0 * 4, y.ptr + (n * P * O + o0) * 4, O, grid[0], grid[1], grid[2]);
        }
      }
    },
  };
}

export const qlinearMatMul: PrepareFn<QLinearMatMulAttrs> = (b, [a, w, ws, wz], attrs, [y]) => {
  constants('QLinearMatMul', [w, ws, wz]);
  const { K, N } = matmulDims(a!.shape, w!.shape);
  const rows = a!.size / K, kpad = round8(K);
  const wp = packedBytes(b, w!, { kind: 'pairs8', kpad, wz: wz!.id }, round8(N) * kpad, (dst) => {
    packPairs(dst, 0, N, K, kpad, (n, k) => weight8('QLinearMatMul', w!, wz!, k * N + n, n));
  });
  const ep = epilogue(b, w!, ws!, undefined, N, attrs.a, attrs.y);
  const grid = outputGrid(attrs.y);
  const A = b.raw(a!);
  const s = b.scratch(Math.ceil((rows + 1) * kpad / 2));
  return {
    run: () => {
      b.k.qim2col_i16(A.ptr, s.ptr, 0, rows, 1, K, rows, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, K, kpad, attrs.a.zeroPoint);
      b.k.qgemm_i16i8(s.ptr, rows, kpad, wp, N, ep.bias, ep.scale, y.ptr, N, grid[0], grid[1], grid[2]);
    },
  };
};

export const qlinearAdd: PrepareFn<QLinearAddAttrs> = (b, [a, c], { a: qa, b: qb, y: qy }, [y]) => {
  if (!sameShape(a!.shape, c!.shape)) throw new BackendUnavailableError('wasm', 'QLinearAdd with broadcasting has no wasm int8 kernel yet; the js backend runs it');
  const A = b.raw(a!), B = b.raw(c!);
  const [lo2, hi2, zp] = outputGrid(qy);
  return { run: () => b.k.qaffine_f32(A.ptr, B.ptr, y.ptr, y.size, qa.scale, qa.zeroPoint, qb.scale, qb.zeroPoint, 1, qy.scale, zp, lo2, hi2) };
};

/**
 * The spatial mean as a depthwise conv whose window is the whole image, every weight 1, no bias: the sum of
 * (x - xz) requantized by xScale / (yScale · S), exactly the reference's arithmetic.
 */
export const qlinearGlobalAveragePool: PrepareFn<QLinearGlobalAveragePoolAttrs> = (b, [x], attrs, [y]) => {
  if (x!.shape.length !== 4) throw new BackendUnavailableError('wasm', 'QLinearGlobalAveragePool of rank other than 4 has no wasm int8 kernel yet; the js backend runs it');
  const [N, H, W, C] = x!.shape;
  const S = H * W, c8 = round8(C);
  const X = b.raw(x!);
  const scale = qpoolScale(attrs, S);
  const tables = b.persistent((c8 + 8) * 8 + S * c8);
  const ones = tables + (c8 + 8) * 8;
  b.mem.i32.fill(0, tables >> 2, (tables >> 2) + c8 + 8);
  b.mem.f32.fill(scale, (tables >> 2) + c8 + 8, (tables >> 2) + 2 * (c8 + 8));
  new Int8Array(b.mem.f32.buffer, ones, S * c8).fill(1);
  const a = b.scratch(Math.ceil(S * c8 / 2));
  const [lo2, hi2, zp] = outputGrid(attrs.y);
  return {
    run: () => {
      for (let n = 0; n < N; n++) {
        b.k.qim2col_i16(X.ptr, a.ptr, n, H, W, C, H, W, 1, 1, 1, 1, 1, 1, 0, 0, 0, C, c8, attrs.x.zeroPoint);
        b.k.qdwconv_i16(a.ptr, ones, tables, tables + (c8 + 8) * 4, y.ptr + n * C * 4, H, W, C, c8, 1, 1, H, W, 1, 1, 0, 0, lo2, hi2, zp);
      }
    },
  };
};

export const quantizeLinear: PrepareFn<QuantizeAttrs> = (b, [x], { y: q }, [y]) => {
  const X = b.raw(x!);
  const [lo2, hi2, zp] = outputGrid(q);
  // x / s as 1 · (x - 0) / s: exact, so the same f32 quotient as QuantizeLinear's reference.
  return { run: () => b.k.qaffine_f32(X.ptr, 0, y.ptr, y.size, 1, 0, 0, 0, 1, q.scale, zp, lo2, hi2) };
};

export const dequantizeLinear: PrepareFn<DequantizeAttrs> = (b, [x], { x: q }, [y]) => {
  const X = b.raw(x!);
  return { run: () => b.k.qaffine_f32(X.ptr, 0, y.ptr, y.size, q.scale, q.zeroPoint, 0, 0, 0, 1, 0, 0, 0) };
};
