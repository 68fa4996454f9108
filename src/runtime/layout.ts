// Host-side layout changes at the session boundary (source layout <-> IR layout), done with the
// Transpose op's reference so the permutation logic lives in one place.
import { Transpose } from '../ops/transpose.js';
import { tensor, type Shape } from '../tensor.js';

export function permuteShape(shape: Shape, perm: readonly number[]): number[] {
  return perm.map((p) => shape[p]);
}

export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => { inv[p] = i; });
  return inv;
}

/** out = transpose(data as `shape`, perm); out.shape = permuteShape(shape, perm). */
export function permute(data: Float32Array, shape: Shape, perm: readonly number[]): Float32Array {
  const out = tensor(permuteShape(shape, perm));
  Transpose.reference([tensor(shape, data)], Transpose.parseAttrs({ perm: [...perm] }), [out]);
  return out.data;
}
