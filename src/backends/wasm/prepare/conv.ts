// Conv on NHWC with the geometry from convGeometry (never recomputed here). Three paths:
// depthwise (group == C, one output per channel, constant weights) -> dwconv3x3_f32 for 3x3 kernels, else
// dwconv_f32; 1x1, stride 1, no padding -> gemm_f32
// straight on x (rows = pixels); anything else -> conv_igemm_f32 over a table of tap pointers built
// once the arena is laid out. Weights (OHWI) and bias are packed once per weight.
import { activationArgs } from '../../../ops/activation.js';
import { convGeometry, type ConvAttrs, type ConvGeometry } from '../../../ops/conv.js';
import type { PrepareFn, WasmContext } from '../context.js';
import { gemmTasks, igemmTasks, packPanels, panelFloats } from '../pack.js';
import type { Kernel } from '../plan-state.js';
import type { WasmTensor } from '../tensor.js';

export const conv: PrepareFn<ConvAttrs> = (b, [x, w, bias], attrs, [y]) => {
  const g = convGeometry(x!.shape, w!.shape, attrs);
  const constant = w!.isConstant && (!bias || bias.isConstant);
  if (constant && g.group === g.C && g.cinPerGroup === 1 && g.coutPerGroup === 1) return depthwise(b, g, x!, w!, bias, attrs, y);
  const pointwise = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1
    && g.padTop === 0 && g.padLeft === 0 && g.padBottom === 0 && g.padRight === 0;
  return pointwise ? gemmConv(b, g, x!, w!, bias, attrs, y) : indirectConv(b, g, x!, w!, bias, attrs, y);
};

interface GroupWeights {
  /** Byte offset of group 0's panels (valid when the step runs). */
  ptr(): number;
  /** For run-time weights: packs them into scratch; run first in every step. */
  pack?(): void;
}

/**
 * Panels of every group: group gi's output channels over K = kh*kw*cpg (OHWI rows are already
 * tap-major, channel-minor), bias folded in. Constant weights are packed once, others every run.
 */
function groupWeights(b: WasmContext, g: ConvGeometry, w: WasmTensor, bias: WasmTensor | undefined): GroupWeights {
  const K = g.kh * g.kw * g.cinPerGroup, cout = g.coutPerGroup, pf = panelFloats(K, cout);
  if (w.isConstant && (!bias || bias.isConstant)) {
    const ptr = b.packed(w, { layout: 'conv-panels', group: g.group, K, N: cout, bias: bias?.id }, g.group * pf, (dst) => {
      const bd = bias?.host;
      for (let gi = 0; gi < g.group; gi++) {
        const o0 = gi * cout;
        packPanels(dst, gi * pf, { data: w.host!, offset: o0 * K, sk: 1, sn: K }, K, cout, 1, bd ? (n) => bd[o0 + n] : undefined);
      }
    });
    return { ptr: () => ptr };
  }
  b.raw(w);
  if (bias) b.raw(bias);
  const s = b.scratch(g.group * pf);
  return {
    ptr: () => s.ptr,
    pack: () => {
      for (let gi = 0; gi < g.group; gi++) {
        const o0 = gi * cout;
        b.k.pack_b_f32(w.ptr + o0 * K * 4, 1, K, K, cout, 1, bias ? bias.ptr + o0 * 4 : 0, 1, s.ptr + gi * pf * 4);
      }
    },
  };
}

function gemmConv(b: WasmContext, g: ConvGeometry, x: WasmTensor, w: WasmTensor, bias: WasmTensor | undefined, attrs: ConvAttrs, y: WasmTensor): Kernel {
  const gw = groupWeights(b, g, w, bias);
  const { C, O, group, cinPerGroup: cpg, coutPerGroup: cout } = g;
  const rows = g.N * g.H * g.W;
  const act = activationArgs(attrs.activation);
  const tasks = gemmTasks(group, rows, cout), work = rows * O * cpg;
  return {
    run: () => {
      gw.pack?.();
      return b.par('gemm_f32', tasks, work, [group, rows, cout, cpg, x.ptr, C, cpg, gw.ptr(), y.ptr, O, cout, 0, act.code, act.p0, act.p1]);
    },
  };
}

function indirectConv(b: WasmContext, g: ConvGeometry, x: WasmTensor, w: WasmTensor, bias: WasmTensor | undefined, attrs: ConvAttrs, y: WasmTensor): Kernel {
  const gw = groupWeights(b, g, w, bias);
  const { N, H, W, C, OH, OW, O, kh, kw, sh, sw, dh, dw, padTop, padLeft, group, cinPerGroup: cpg, coutPerGroup: cout } = g;
  const T = kh * kw, P = N * OH * OW, tasks = igemmTasks(group, P, cout);
  const act = activationArgs(attrs.activation);
  // A zero pixel for taps in the padding: C floats, so every group's channel offset stays inside it.
  const zero = b.persistent(C * 4);
  b.mem.f32.fill(0, zero >> 2, (zero >> 2) + C);
  const table = b.persistent(P * T * 4);
  return {
    bind: () => {
      const ind = b.mem.i32;
      let i = table >> 2;
      for (let n = 0; n < N; n++) {
        for (let oh = 0; oh < OH; oh++) {
          for (let ow = 0; ow < OW; ow++) {
            for (let ky = 0; ky < kh; ky++) {
              const iy = oh * sh - padTop + ky * dh;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ow * sw - padLeft + kx * dw;
                ind[i++] = iy < 0 || iy >= H || ix < 0 || ix >= W ? zero : x.ptr + ((n * H + iy) * W + ix) * C * 4;
              }
            }
          }
        }
      }
    },
    run: () => {
      gw.pack?.();
      return b.par('conv_igemm_f32', tasks, P * O * T * cpg, [group, P, T, cpg, table, gw.ptr(), cout, y.ptr, O, act.code, act.p0, act.p1]);
    },
  };
}

function depthwise(b: WasmContext, g: ConvGeometry, x: WasmTensor, w: WasmTensor, bias: WasmTensor | undefined, attrs: ConvAttrs, y: WasmTensor): Kernel {
  const { N, H, W, C, OH, OW, kh, kw, sh, sw, dh, dw, padTop, padLeft } = g;
  const T = kh * kw;
  if (kh === 3 && kw === 3) return depthwise3x3(b, g, x, w, bias, attrs, y);
  // [bias C][tap][C]: one tap's weights for all channels are contiguous, as the channels of a pixel.
  const packed = b.packed(w, { layout: 'dwconv-taps', taps: T, C, bias: bias?.id }, (T + 1) * C, (dst) => {
    const wd = w.host!;
    if (bias) dst.set(bias.host!, 0);
    for (let c = 0; c < C; c++) for (let t = 0; t < T; t++) dst[(t + 1) * C + c] = wd[c * T + t];
  });
  const act = activationArgs(attrs.activation);
  return {
    run: () => b.par('dwconv_f32', N * OH, N * OH * OW * C * T, [H, W, C, OH, OW, kh, kw, sh, sw, dh, dw, padTop, padLeft, x.ptr, packed, y.ptr, act.code, act.p0, act.p1]),
  };
}

/**
 * 3x3 depthwise: per 4 channels, 4 bias values then the 9 taps' 4 weights (assembly/kernels/dwconv3x3.ts);
 * taps in the padding read a zero block of C rounded up to 4 floats.
 */
function depthwise3x3(b: WasmContext, g: ConvGeometry, x: WasmTensor, w: WasmTensor, bias: WasmTensor | undefined, attrs: ConvAttrs, y: WasmTensor): Kernel {
  const { N, H, W, C, OH, OW, sh, sw, dh, dw, padTop, padLeft } = g;
  const C4 = Math.ceil(C / 4) * 4;
  const packed = b.packed(w, { layout: 'dwconv3x3-blocks', C, bias: bias?.id }, C4 * 10, (dst) => {
    const wd = w.host!, bd = bias?.host;
    for (let c = 0; c < C; c++) {
      const o = (c >> 2) * 40 + (c & 3);
      if (bd) dst[o] = bd[c];
      for (let t = 0; t < 9; t++) dst[o + 4 * (t + 1)] = wd[c * 9 + t];
    }
  });
  const zero = b.persistent(C4 * 4);
  b.mem.f32.fill(0, zero >> 2, (zero >> 2) + C4);
  const act = activationArgs(attrs.activation);
  return {
    run: () => b.par('dwconv3x3_f32', N * OH, N * OH * OW * C * 9, [H, W, C, OH, OW, sh, sw, dh, dw, padTop, padLeft, x.ptr, packed, zero, y.ptr, act.code, act.p0, act.p1]),
  };
}
