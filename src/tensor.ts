// Shapes and the float tensors that ops compute on. Inside the runtime, images are NHWC.

export type Shape = readonly number[];

/** A dense f32 tensor in row-major order. */
export interface Tensor {
  readonly shape: Shape;
  readonly data: Float32Array;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: Shape, data?: Float32Array): Tensor {
  const n = sizeOf(shape);
  if (data && data.length !== n) throw new RangeError(`tensor data has ${data.length} values, shape [${shape}] needs ${n}`);
  return { shape: [...shape], data: data ?? new Float32Array(n) };
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Normalizes a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Ranking order of scores: a before b when its score is higher, NaN last, ties to the lower index. */
export function ranksBefore(scores: ArrayLike<number>, a: number, b: number): boolean {
  const sa = scores[a], sb = scores[b];
  if (sa !== sb) {
    if (Number.isNaN(sb)) return !Number.isNaN(sa);
    if (Number.isNaN(sa)) return false;
    return sa > sb;
  }
  return a < b;
}
