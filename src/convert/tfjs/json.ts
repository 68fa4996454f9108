// Typed reads from parsed model.json: every failed read is a ModelFormatError whose `where` is the
// JSON path of the offending field (e.g. `modelTopology.config.layers[3].config.kernel_size`).
import { ModelFormatError } from '../../errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function formatError(message: string, where: string): never {
  throw new ModelFormatError(message, where);
}

export function child(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

export function expectObject(v: unknown, where: string): JsonObject {
  if (!isObject(v)) formatError(`expected an object, got ${describe(v)}`, where);
  return v;
}

export function expectArray(v: unknown, where: string): Json[] {
  if (!Array.isArray(v)) formatError(`expected a list, got ${describe(v)}`, where);
  return v as Json[];
}

export function expectString(v: unknown, where: string): string {
  if (typeof v !== 'string') formatError(`expected a string, got ${describe(v)}`, where);
  return v;
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** One layer's (or model's) `config` object with its JSON path: typed getters with Keras defaults. */
export class Config {
  constructor(readonly obj: JsonObject, readonly path: string) {}

  at(key: string): string {
    return child(this.path, key);
  }

  /** The raw value; null and absent are both "not given", as Keras treats them. */
  get(key: string): Json | undefined {
    const v = this.obj[key];
    return v === null ? undefined : v;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  private need<T>(key: string, dflt: T | undefined): T {
    if (dflt === undefined) formatError(`required field ${key} is missing`, this.at(key));
    return dflt;
  }

  number(key: string, dflt?: number): number {
    const v = this.get(key);
    if (v === undefined) return this.need(key, dflt);
    if (typeof v !== 'number' || !Number.isFinite(v)) formatError(`expected a finite number, got ${describe(v)}`, this.at(key));
    return v;
  }

  int(key: string, dflt?: number, min = -Infinity): number {
    const v = this.get(key);
    if (v === undefined) return this.need(key, dflt);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      formatError(`expected an integer${min > -Infinity ? ` >= ${min}` : ''}, got ${describe(v)}`, this.at(key));
    }
    return v;
  }

  bool(key: string, dflt: boolean): boolean {
    const v = this.get(key);
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') formatError(`expected true or false, got ${describe(v)}`, this.at(key));
    return v;
  }

  string(key: string, dflt?: string): string {
    const v = this.get(key);
    if (v === undefined) return this.need(key, dflt);
    return expectString(v, this.at(key));
  }

  /** An integer list of exactly `n` entries, or (Keras shorthand) one integer repeated n times. */
  ints(key: string, n: number, dflt?: readonly number[], min = -Infinity): number[] {
    const v = this.get(key);
    if (v === undefined) return [...this.need(key, dflt)];
    const list = typeof v === 'number' ? new Array<Json>(n).fill(v) : v;
    if (!Array.isArray(list) || list.length !== n
      || list.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < min)) {
      formatError(`expected an integer or a list of ${n} integers${min > -Infinity ? ` >= ${min}` : ''}, got ${describe(v)}`, this.at(key));
    }
    return list as number[];
  }
}
