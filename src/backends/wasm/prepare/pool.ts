// MaxPool / AveragePool with the geometry from poolGeometry, and the global pools, on NHWC.
import { averagePoolCounts, globalPoolGeometry, poolGeometry, type PoolAttrs, type PoolGeometry } from '../../../ops/pool.js';
import type { PrepareFn } from '../context.js';

/** Window taps read: the work par() weighs against waking threads. */
function windowWork(g: PoolGeometry): number {
  return g.N * g.OH * g.OW * g.C * g.kh * g.kw;
}

export const maxPool: PrepareFn<PoolAttrs> = (b, [x], attrs, [y]) => {
  const g = poolGeometry(x!.shape, attrs);
  const X = b.raw(x!);
  return {
    run: () => b.par('maxpool_f32', g.N * g.OH, windowWork(g), [g.H, g.W, g.C, g.OH, g.OW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, X.ptr, y.ptr]),
  };
};

export const averagePool: PrepareFn<PoolAttrs> = (b, [x], attrs, [y]) => {
  const g = poolGeometry(x!.shape, attrs);
  const X = b.raw(x!);
  const { rows, cols } = averagePoolCounts(g, attrs.countIncludePad);
  const counts = b.persistent((g.OH + g.OW) * 4);
  b.mem.f32.set(rows, counts >> 2);
  b.mem.f32.set(cols, (counts >> 2) + g.OH);
  return {
    run: () => b.par('avgpool_f32', g.N * g.OH, windowWork(g), [g.H, g.W, g.C, g.OH, g.OW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, X.ptr, y.ptr, counts]),
  };
};

function globalPool(isMax: boolean): PrepareFn {
  return (b, [x], _attrs, [y]) => {
    const X = b.raw(x!);
    const { N, S, C } = globalPoolGeometry(X.shape);
    return { run: () => b.k.globalpool_f32(N, S, C, X.ptr, y.ptr, isMax ? 1 : 0) };
  };
}

export const globalAveragePool = globalPool(false);
export const globalMaxPool = globalPool(true);
