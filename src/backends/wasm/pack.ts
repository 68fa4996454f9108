// Weight packing on the host, once per weight: the panel layout of assembly/kernels/gemm.ts (pack_b_f32
// is its run-time twin): for every 8 output columns, 8 bias values then K rows of 8 weights, zero-padded.

export const NR = 8;

export function panelFloats(K: number, N: number): number {
  return Math.ceil(N / NR) * (K + 1) * NR;
}

/** gemm_f32's task count: G groups of ceil(M/4) row blocks by ceil(N/32) column blocks (assembly/kernels/gemm.ts). */
export function gemmTasks(G: number, M: number, N: number): number {
  return G * Math.ceil(M / 4) * Math.ceil(N / (4 * NR));
}

/** conv_igemm_f32's task count: G groups of ceil(P/4) pixel blocks by ceil(cout/8) panels (assembly/kernels/conv.ts). */
export function igemmTasks(G: number, P: number, cout: number): number {
  return G * Math.ceil(P / 4) * Math.ceil(cout / NR);
}

export interface PackSource {
  readonly data: Float32Array;
  readonly offset: number;
  /** Element strides of B'[k, n] in data. */
  readonly sk: number;
  readonly sn: number;
}

/** Writes panels of scale * B' (K x N) and bias (n => value, or none) into dst at dstOffset. */
export function packPanels(dst: Float32Array, dstOffset: number, src: PackSource, K: number, N: number,
  scale = 1, bias?: (n: number) => number): void {
  const { data, offset, sk, sn } = src;
  for (let p = 0, o = dstOffset; p * NR < N; p++) {
    const n0 = p * NR, nc = Math.min(NR, N - n0);
    for (let j = 0; j < nc; j++) dst[o + j] = bias ? bias(n0 + j) : 0;
    o += NR;
    for (let k = 0; k < K; k++, o += NR) {
      const row = offset + k * sk + n0 * sn;
      for (let j = 0; j < nc; j++) dst[o + j] = scale * data[row + j * sn];
    }
  }
}

/** What a packed copy of a weight depends on besides the weight: its layout and every parameter of the fill. */
export interface PackParams {
  readonly layout: string;
  readonly [param: string]: string | number | boolean | undefined;
}

/**
 * The cache key of a packed weight: the parameters sorted by name, undefined ones left out, so two
 * call sites that pack alike share one copy and a parameter cannot be forgotten in a hand-built string.
 */
export function packKey(params: PackParams): string {
  return Object.keys(params).sort().filter((k) => params[k] !== undefined)
    .map((k) => `${k}=${JSON.stringify(params[k])}`).join('&');
}
