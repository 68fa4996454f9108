// Layout algebra. A value's layout is a permutation `perm` with source = transpose(IR tensor, perm):
// source axis i is IR axis perm[i] (the same convention as ValueInfo.sourcePerm). NCHW images kept
// NHWC in the IR have layout [0, 3, 1, 2].
export type Perm = readonly number[];

export function identityPerm(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

export function isIdentity(p: Perm): boolean {
  return p.every((v, i) => v === i);
}

export function invertPerm(p: Perm): number[] {
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => { inv[v] = i; });
  return inv;
}

export function samePerm(a: Perm, b: Perm): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Channel (source axis 1) last, the other axes in order: [0, r-1, 1, ..., r-2]. NCHW -> NHWC for rank 4. */
export function channelsLast(rank: number): number[] {
  if (rank < 3) return identityPerm(rank);
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

export const NHWC: Perm = channelsLast(4);

/** The IR Transpose perm that turns a tensor held in layout `from` into the same source tensor held in layout `to`. */
export function conversionPerm(from: Perm, to: Perm): number[] {
  const toInv = invertPerm(to);
  return toInv.map((src) => from[src]);
}

/** out[i] = shape[perm[i]] (ONNX Transpose on a shape). */
export function permuteDims<T>(shape: readonly T[], perm: Perm): T[] {
  return perm.map((p) => shape[p]);
}

/**
 * Whether the IR tensor's row-major element order equals the source tensor's, so a source-semantics
 * reshape can run on the IR data directly: the non-unit source axes must sit in increasing IR order.
 * `nonUnit[i]`: source axis i is not of size 1 (at any probe batch).
 */
export function sameElementOrder(perm: Perm, nonUnit: readonly boolean[]): boolean {
  let last = -1;
  for (let i = 0; i < perm.length; i++) {
    if (!nonUnit[i]) continue;
    if (perm[i] < last) return false;
    last = perm[i];
  }
  return true;
}

/** Layout of the result of dropping `removed` source axes (keepdims=0 reductions, Squeeze). */
export function dropAxes(perm: Perm, removed: ReadonlySet<number>): number[] {
  const kept = perm.filter((_, i) => !removed.has(i));
  const sorted = [...kept].sort((a, b) => a - b);
  return kept.map((ir) => sorted.indexOf(ir));
}
