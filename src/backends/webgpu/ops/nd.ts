// Host-side index plumbing for the rank <= 8 kernels (kernels/lib/nd.wgsl): merges axes that every
// operand walks contiguously, so common cases (same shapes, bias along the last axis) reach the GPU at rank 1-2.
import { BackendUnavailableError } from '../../../errors.js';
import type { Shape } from '../../../tensor.js';

export const MAX_RANK = 8;

export interface Walk {
  readonly shape: number[];
  /** One stride list per operand, each of length shape.length. */
  readonly strides: number[][];
}

/** Drops extent-1 axes and merges axis d into d+1 wherever each operand has stride[d] = stride[d+1] * shape[d+1]. */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): Walk {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => { outStrides[k][last] = s[d]; });
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Throws when a walk still needs more axes than the kernels index (after coalescing). */
export function checkRank(walk: Walk, what: string): Walk {
  if (walk.shape.length > MAX_RANK) {
    throw new BackendUnavailableError('webgpu', `${what}: ${walk.shape.length} independent axes, the kernels index at most ${MAX_RANK}`);
  }
  return walk;
}
