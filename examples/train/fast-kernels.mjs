// Faster cpu-backend kernels for what dominates training time in tfjs-backend-cpu 4.x: conv gradients
// and max-pool gradient (computed through TensorBuffer.get: ~95% of a CNN step), conv, column splits
// (the LSTM/GRU gates) and sums over leading axes (bias gradients). Float32 NHWC fast paths only;
// anything else falls through to the original kernel. check-kernels.mjs compares both.
import * as tf from '@tensorflow/tfjs';

const { backend_util } = tf;

function values(backend, t) {
  return backend.data.get(t.dataId).values;
}

/** Patches of an NHWC x as rows [B*OH*OW, fh*fw*C] (zero where a tap falls in the padding). */
function im2col(x, info) {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top, left = info.padInfo.left, Kc = fh * fw * C;
  const p = new Float32Array(batchSize * outHeight * outWidth * Kc);
  let r = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++, r++) {
        for (let kh = 0; kh < fh; kh++) {
          const iy = oy * sh + kh * dh - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kw = 0; kw < fw; kw++) {
            const ix = ox * sw + kw * dw - left;
            if (ix < 0 || ix >= inWidth) continue;
            const src = ((b * inHeight + iy) * inWidth + ix) * C, dst = r * Kc + (kh * fw + kw) * C;
            for (let c = 0; c < C; c++) p[dst + c] = x[src + c]; // not subarray(): C is often 1
          }
        }
      }
    }
  }
  return p;
}

/** The adjoint of im2col: adds each patch row back onto the NHWC pixels it came from. */
function col2im(p, info) {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top, left = info.padInfo.left, Kc = fh * fw * C;
  const dx = new Float32Array(batchSize * inHeight * inWidth * C);
  let r = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++, r++) {
        for (let kh = 0; kh < fh; kh++) {
          const iy = oy * sh + kh * dh - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kw = 0; kw < fw; kw++) {
            const ix = ox * sw + kw * dw - left;
            if (ix < 0 || ix >= inWidth) continue;
            const dst = ((b * inHeight + iy) * inWidth + ix) * C, src = r * Kc + (kh * fw + kw) * C;
            for (let c = 0; c < C; c++) dx[dst + c] += p[src + c];
          }
        }
      }
    }
  }
  return dx;
}

// Convolution as GEMM over the im2col patches P [R = B*OH*OW, Kc = fh*fw*C]; HWIO weights are
// already the [Kc, O] matrix. y = P W;  dW = P^T dy;  dx = col2im(dy W^T).
function conv2dNhwc(x, w, info) {
  const R = info.batchSize * info.outHeight * info.outWidth, Kc = info.filterHeight * info.filterWidth * info.inChannels, O = info.outChannels;
  const y = new Float32Array(R * O);
  matMulTile(im2col(x, info), 0, Kc, 1, w, 0, O, 1, y, 0, R, Kc, O);
  return y;
}

function conv2dBackpropFilterNhwc(x, dy, info) {
  const R = info.batchSize * info.outHeight * info.outWidth, Kc = info.filterHeight * info.filterWidth * info.inChannels, O = info.outChannels;
  const dW = new Float32Array(Kc * O);
  matMulTile(im2col(x, info), 0, 1, Kc, dy, 0, O, 1, dW, 0, Kc, R, O);
  return dW;
}

function conv2dBackpropInputNhwc(dy, w, info) {
  const R = info.batchSize * info.outHeight * info.outWidth, Kc = info.filterHeight * info.filterWidth * info.inChannels, O = info.outChannels;
  const dp = new Float32Array(R * Kc);
  matMulTile(dy, 0, O, 1, w, 0, 1, O, dp, 0, R, O, Kc);
  return col2im(dp, info);
}

/** Copies the box begin..begin+size of a row-major array of `shape`. */
function sliceCopy(vals, shape, begin, size) {
  const rank = shape.length;
  const strides = new Array(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  const out = new Float32Array(size.reduce((a, n) => a * n, 1));
  if (out.length === 0) return out;
  const run = size[rank - 1];
  const at = new Array(rank - 1).fill(0); // odometer over all but the last axis
  for (let o = 0; o < out.length; o += run) {
    let src = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) src += (begin[d] + at[d]) * strides[d];
    out.set(vals.subarray(src, src + run), o);
    for (let d = rank - 2; d >= 0 && ++at[d] === size[d]; d--) at[d] = 0;
  }
  return out;
}

/** Sums over axes 0..k-1: out[j] = sum_i x[i * inner + j], in float64 and in tfjs's order. */
function sumLeading(x, outer, inner) {
  const acc = new Float64Array(inner);
  for (let i = 0; i < outer; i++) {
    const at = i * inner;
    for (let j = 0; j < inner; j++) acc[j] += x[at + j];
  }
  return Float32Array.from(acc);
}

const K_BLOCK = 512;

/**
 * C += A x B for one batch entry, A's element (i, k) at a[aAt + i*asi + k*ask] and B's (k, j) at
 * b[bAt + k*bsk + j*bsj] (strides express the transposes), C row-major [M, N] at c[cAt..]. A 4x4 tile
 * of float64 accumulators held in locals, over K in blocks that stay in cache: ~3x tfjs's kernel.
 */
function matMulTile(a, aAt, asi, ask, b, bAt, bsk, bsj, c, cAt, M, K, N) {
  const M4 = M - (M % 4), N4 = N - (N % 4);
  for (let k0 = 0; k0 < K; k0 += K_BLOCK) {
    const k1 = Math.min(K, k0 + K_BLOCK);
    for (let i = 0; i < M4; i += 4) {
      const a0 = aAt + i * asi, a1 = a0 + asi, a2 = a1 + asi, a3 = a2 + asi;
      for (let j = 0; j < N4; j += 4) {
        const b0 = bAt + j * bsj, b1 = b0 + bsj, b2 = b1 + bsj, b3 = b2 + bsj;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (let k = k0; k < k1; k++) {
          const ak = k * ask, bk = k * bsk;
          const x0 = a[a0 + ak], x1 = a[a1 + ak], x2 = a[a2 + ak], x3 = a[a3 + ak];
          const y0 = b[b0 + bk], y1 = b[b1 + bk], y2 = b[b2 + bk], y3 = b[b3 + bk];
          c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
          c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
          c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
          c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
        }
        let o = cAt + i * N + j;
        c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03; o += N;
        c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13; o += N;
        c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23; o += N;
        c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
      }
    }
    // The right columns of the tiled rows, then the bottom rows.
    for (let i = 0; i < M; i++) {
      for (let j = i < M4 ? N4 : 0; j < N; j++) {
        let sum = 0;
        for (let k = k0; k < k1; k++) sum += a[aAt + i * asi + k * ask] * b[bAt + k * bsk + j * bsj];
        c[cAt + i * N + j] += sum;
      }
    }
  }
}

/** Batched C = op(A) x op(B); a is [.., M, K] ([.., K, M] transposed), b [.., K, N] ([.., N, K]). */
function matMul(a, b, batch, batchA, batchB, M, K, N, transposeA, transposeB) {
  const c = new Float32Array(batch * M * N);
  const [asi, ask] = transposeA ? [1, M] : [K, 1];
  const [bsk, bsj] = transposeB ? [1, K] : [N, 1];
  for (let bi = 0; bi < batch; bi++) {
    matMulTile(a, (bi % batchA) * M * K, asi, ask, b, (bi % batchB) * K * N, bsk, bsj, c, bi * M * N, M, K, N);
  }
  return c;
}

/** Shapes of a batched matmul, or undefined where only tfjs's general kernel applies. */
function matMulGeometry(a, b, transposeA, transposeB) {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const ra = a.shape.length, rb = b.shape.length;
  const [M, K] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const [K2, N] = transposeB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
  if (K !== K2) return undefined;
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const batchA = outerA.reduce((x, n) => x * n, 1), batchB = outerB.reduce((x, n) => x * n, 1);
  // Same batch dims, or one side without batch: the cases tfjs's `bi % batch` indexing gets right too.
  let outer;
  if (String(outerA) === String(outerB) || batchB === 1) outer = outerA.length >= outerB.length ? outerA : outerB;
  else if (batchA === 1) outer = outerB;
  else return undefined;
  if (batchA !== 1 && batchB !== 1 && batchA !== batchB) return undefined;
  return { M, K, N, batchA, batchB, batch: Math.max(batchA, batchB), shape: [...outer, M, N] };
}

/** Routes each dy to the first maximum of its window, in row-major window order, as tfjs does. */
function maxPoolGradNhwc(x, dy, info) {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  const dx = new Float32Array(batchSize * inHeight * inWidth * C);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyAt = ((b * outHeight + oy) * outWidth + ox) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity, at = -1;
          for (let kh = 0; kh < fh; kh++) {
            const iy = oy * sh + kh * dh - top;
            if (iy < 0 || iy >= inHeight) continue;
            for (let kw = 0; kw < fw; kw++) {
              const ix = ox * sw + kw * dw - left;
              if (ix < 0 || ix >= inWidth) continue;
              const i = ((b * inHeight + iy) * inWidth + ix) * C + c;
              if (x[i] > best) { best = x[i]; at = i; }
            }
          }
          if (at >= 0) dx[at] += dy[dyAt + c];
        }
      }
    }
  }
  return dx;
}

function replace(kernelName, make) {
  const original = tf.getKernel(kernelName, 'cpu');
  if (!original) throw new Error(`tfjs cpu backend has no ${kernelName} kernel to replace`);
  tf.unregisterKernel(kernelName, 'cpu');
  tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc: make(original.kernelFunc) });
}

let installed = false;

/** Replaces the slow cpu kernels (idempotent). Call before the first training step. */
export function installFastKernels() {
  if (installed) return;
  installed = true;
  replace('Conv2DBackpropFilter', (original) => (args) => {
    const { inputs: { x, dy }, backend, attrs } = args;
    const format = backend_util.convertConv2DDataFormat(attrs.dataFormat);
    if (format !== 'channelsLast' || x.dtype !== 'float32' || dy.dtype !== 'float32') return original(args);
    const info = backend_util.computeConv2DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, format);
    return backend.makeTensorInfo(info.filterShape, 'float32', conv2dBackpropFilterNhwc(values(backend, x), values(backend, dy), info));
  });
  replace('Conv2D', (original) => (args) => {
    const { inputs: { x, filter }, backend, attrs } = args;
    const format = backend_util.convertConv2DDataFormat(attrs.dataFormat);
    if (format !== 'channelsLast' || x.dtype !== 'float32' || filter.dtype !== 'float32') return original(args);
    const info = backend_util.computeConv2DInfo(x.shape, filter.shape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false, format);
    return backend.makeTensorInfo(info.outShape, 'float32', conv2dNhwc(values(backend, x), values(backend, filter), info));
  });
  replace('Conv2DBackpropInput', (original) => (args) => {
    const { inputs: { dy, filter }, backend, attrs } = args;
    const format = backend_util.convertConv2DDataFormat(attrs.dataFormat);
    if (format !== 'channelsLast' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return original(args);
    const info = backend_util.computeConv2DInfo(attrs.inputShape, filter.shape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, format);
    return backend.makeTensorInfo(info.inShape, 'float32', conv2dBackpropInputNhwc(values(backend, dy), values(backend, filter), info));
  });
  replace('BatchMatMul', (original) => (args) => {
    const { inputs: { a, b }, backend, attrs: { transposeA, transposeB } } = args;
    const g = matMulGeometry(a, b, transposeA, transposeB);
    if (!g) return original(args);
    const c = matMul(values(backend, a), values(backend, b), g.batch, g.batchA, g.batchB, g.M, g.K, g.N, transposeA, transposeB);
    return backend.makeTensorInfo(g.shape, 'float32', c);
  });
  replace('_FusedMatMul', (original) => (args) => {
    const { inputs: { a, b, bias, preluActivationWeights }, backend, attrs: { transposeA, transposeB, activation } } = args;
    const g = matMulGeometry(a, b, transposeA, transposeB);
    const N = g?.N;
    // Fast path: a bias over the last axis (or a scalar), then linear, relu or sigmoid.
    const biasOk = !bias || (bias.dtype === 'float32' && (tf.util.sizeFromShape(bias.shape) === 1
      || (bias.shape[bias.shape.length - 1] === N && tf.util.sizeFromShape(bias.shape) === N)));
    const act = activation ?? 'linear';
    if (!g || !biasOk || preluActivationWeights || !['linear', 'relu', 'sigmoid'].includes(act)) return original(args);
    const c = matMul(values(backend, a), values(backend, b), g.batch, g.batchA, g.batchB, g.M, g.K, N, transposeA, transposeB);
    if (bias) {
      const bv = values(backend, bias);
      if (bv.length === 1) for (let i = 0; i < c.length; i++) c[i] += bv[0];
      else for (let i = 0; i < c.length; i++) c[i] += bv[i % N];
    }
    if (act === 'relu') for (let i = 0; i < c.length; i++) c[i] = c[i] < 0 ? 0 : c[i];
    if (act === 'sigmoid') for (let i = 0; i < c.length; i++) c[i] = 1 / (1 + Math.exp(-c[i]));
    return backend.makeTensorInfo(g.shape, 'float32', c);
  });
  replace('SplitV', (original) => (args) => {
    const { inputs: { x }, backend, attrs } = args;
    if (x.dtype !== 'float32' || x.shape.length === 0) return original(args);
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x, attrs.numOrSizeSplits, axis);
    const vals = values(backend, x);
    const begin = new Array(x.shape.length).fill(0);
    return sizes.map((n) => {
      const size = [...x.shape];
      size[axis] = n;
      const out = backend.makeTensorInfo(size, 'float32', sliceCopy(vals, x.shape, begin, size));
      begin[axis] += n;
      return out;
    });
  });
  replace('Sum', (original) => (args) => {
    const { inputs: { x }, backend, attrs } = args;
    if (x.dtype !== 'float32') return original(args);
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    if (axes.some((a, i) => a !== i)) return original(args);
    const outer = x.shape.slice(0, axes.length).reduce((a, n) => a * n, 1);
    const rest = x.shape.slice(axes.length);
    const shape = attrs.keepDims ? [...axes.map(() => 1), ...rest] : rest;
    return backend.makeTensorInfo(shape, 'float32', sumLeading(values(backend, x), outer, rest.reduce((a, n) => a * n, 1)));
  });
  replace('MaxPoolGrad', (original) => (args) => {
    const { inputs: { dy, input }, backend, attrs } = args;
    if (input.dtype !== 'float32' || dy.dtype !== 'float32') return original(args);
    const info = backend_util.computePool2DInfo(input.shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    return backend.makeTensorInfo(input.shape, 'float32', maxPoolGradNhwc(values(backend, input), values(backend, dy), info));
  });
}
