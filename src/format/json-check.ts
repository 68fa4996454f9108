// Type checks for values parsed from the JSON header: each returns the value typed, or throws
// ModelFormatError naming the field path (`header.tensors[3].shape[1]`) and what was found.
import { ModelFormatError } from '../errors.js';
import { MAX_RANK } from './layout.js';

const MAX_DIM = 2 ** 31 - 1;

export type JsonObject = { readonly [key: string]: unknown };

/** A short rendering of a bad value for messages: never the whole (possibly huge) value. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/** Throws; when a found value is given (even undefined) the message says what was found. */
export function fail(what: string, where: string, ...got: [] | [unknown]): never {
  throw new ModelFormatError(got.length > 0 ? `${what}, got ${describe(got[0])}` : what, where);
}

export function has(o: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key) && o[key] !== undefined;
}

export function object(v: unknown, where: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('expected an object', where, v);
  return v as JsonObject;
}

export function array(v: unknown, where: string, maxLength = Infinity): readonly unknown[] {
  if (!Array.isArray(v)) fail('expected an array', where, v);
  if (v.length > maxLength) fail(`expected at most ${maxLength} entries`, where, v);
  return v;
}

export function string(v: unknown, where: string, opts: { nonEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') fail('expected a string', where, v);
  if (opts.nonEmpty && v.length === 0) fail('expected a non-empty string', where, v);
  return v;
}

export function integer(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(`expected an integer in [${min}, ${max}]`, where, v);
  }
  return v;
}

export function finite(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail('expected a finite number', where, v);
  return v;
}

export function oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(`expected one of ${allowed.join('|')}`, where, v);
  return v as T;
}

export function stringArray(v: unknown, where: string, opts: { nonEmpty?: boolean } = {}): string[] {
  return array(v, where).map((s, i) => string(s, `${where}[${i}]`, opts));
}

/** Checks a tensor or value shape (rank, integer dims, element count; -1 only as a batch dim 0). */
export function checkShape(v: unknown, where: string, opts: { maxElements: number; batchDim?: boolean }): number[] {
  const dims = array(v, where, MAX_RANK);
  let n = 1;
  return dims.map((d, i) => {
    const dim = integer(d, `${where}[${i}]`, i === 0 && opts.batchDim ? -1 : 0, MAX_DIM);
    if (dim > 0) n *= dim;
    if (n > opts.maxElements) fail(`shape has more than ${opts.maxElements} elements`, where);
    return dim;
  });
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
