// An op is defined once: attribute parsing, shape inference and a plain-loop reference.
// Every backend implements the same OpDef; none re-derives shapes or attributes.
import type { Shape, Tensor } from '../tensor.js';
import type { Attrs } from './attrs.js';

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/** Thrown by an op's parseAttrs/inferShape; callers add the node and model name. */
export class OpError extends Error {}

export interface OpDef<A = unknown> {
  /** PascalCase, ONNX-style (`Conv`, `Clip`). */
  readonly name: string;
  /** Validates the raw (JSON) attributes and fills defaults; throws OpError naming the bad attribute. */
  parseAttrs(raw: Attrs): A;
  /** Output shapes from input shapes (undefined = absent optional input). Throws OpError on mismatch. */
  inferShape(inputs: readonly (Shape | undefined)[], attrs: A): Shape[];
  /** Ground truth: plain loops over f32, never optimised. Writes every element of every output. */
  reference(inputs: readonly (Tensor | undefined)[], attrs: A, outputs: readonly Tensor[]): void;
  /** How far another backend may drift from the reference. */
  readonly tolerance: Tolerance;
  /**
   * Output 0 holds input 0's values unchanged, in another shape (Reshape, Flatten, Identity): the memory
   * plan lets the two share bytes, and a backend's kernel may then do nothing.
   */
  readonly aliasesInput?: boolean;
  /**
   * An input that holds lengths (RNN's sequence_lens): integers in 0..shape(input `of`)[axis]. Random
   * trial values there would be invalid.
   */
  readonly lengthInput?: { readonly index: number; readonly of: number; readonly axis: number };
  /** Multiply-adds for one inference at these shapes (for `inspect` and GFLOP/s figures). */
  macs?(inputs: readonly (Shape | undefined)[], outputs: readonly Shape[], attrs: A): number;
}

export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  return def;
}

export const EXACT: Tolerance = { atol: 0, rtol: 0 };
export const ELEMENTWISE: Tolerance = { atol: 1e-6, rtol: 1e-5 };
export const REDUCTION: Tolerance = { atol: 1e-5, rtol: 1e-4 };

// Attribute readers: each names the attribute it rejects.

export function intAttr(raw: Attrs, key: string, dflt?: number, min = -Infinity): number {
  const v = raw[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new OpError(`attribute ${key} must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got ${JSON.stringify(raw[key])}`);
  }
  return v;
}

export function floatAttr(raw: Attrs, key: string, dflt?: number): number {
  const v = raw[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new OpError(`attribute ${key} must be a finite number, got ${JSON.stringify(raw[key])}`);
  }
  return v;
}

export function intsAttr(raw: Attrs, key: string, dflt?: readonly number[], opts: { length?: number; min?: number } = {}): number[] {
  const v = raw[key] ?? dflt;
  const min = opts.min ?? -Infinity;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < min)
    || (opts.length !== undefined && v.length !== opts.length)) {
    throw new OpError(`attribute ${key} must be ${opts.length !== undefined ? `${opts.length} ` : 'a list of '}integers${min > -Infinity ? ` >= ${min}` : ''}, got ${JSON.stringify(raw[key])}`);
  }
  return [...(v as number[])];
}

export function stringAttr<T extends string>(raw: Attrs, key: string, allowed: readonly T[], dflt?: T): T {
  const v = raw[key] ?? dflt;
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw new OpError(`attribute ${key} must be one of ${allowed.join('|')}, got ${JSON.stringify(raw[key])}`);
  }
  return v as T;
}

export function boolAttr(raw: Attrs, key: string, dflt: boolean): boolean {
  const v = raw[key] ?? dflt;
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  throw new OpError(`attribute ${key} must be a boolean, got ${JSON.stringify(raw[key])}`);
}

export function expectRank(shape: Shape | undefined, rank: number, what: string): Shape {
  if (!shape) throw new OpError(`${what} is missing`);
  if (shape.length !== rank) throw new OpError(`${what} must have rank ${rank}, got [${shape.join(',')}]`);
  return shape;
}
