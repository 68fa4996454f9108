// fuzzEim(bytes): damages a valid .eim file in many ways and checks that readEim rejects each with a
// ModelFormatError (naming where) and quickly. Works on any valid file, e.g. a converted real model.
import type { Graph } from '../../src/graph/ir.js';
import { ModelFormatError } from '../../src/errors.js';
import { readEim } from '../../src/format/reader.js';
import { assembleEim, sealChecksum, writeEim } from '../../src/format/writer.js';
import { FIELD, PREAMBLE_BYTES, readPreamble } from '../../src/format/layout.js';
import { rng } from '../helpers/harness.js';

export interface FuzzOptions {
  readonly seed?: number;
  /** Byte-flip trials, each run once as is (checksum now wrong) and once with the checksum recomputed. */
  readonly trials?: number;
  /** Truncation points inside the data section (every byte of preamble and header is always tried). */
  readonly dataCuts?: number;
  /**
   * At most this many forged files, picked evenly across the whole list so every section is still
   * hit (default: all, about 300-550). Each forgery rebuilds and re-checksums the whole file, so a
   * multi-megabyte real model wants fewer.
   */
  readonly forged?: number;
  /** Slowest a single case may be. */
  readonly maxMsPerCase?: number;
  /** The reader under test (default readEim); replaceable to show the fuzzer catches a lax one. */
  readonly read?: (bytes: Uint8Array) => Graph;
}

export interface FuzzCounts {
  truncated: number;
  flipped: number;
  /** Flips with a recomputed checksum: structural checks must reject, or the result must be a usable graph. */
  resealedRejected: number;
  resealedAccepted: number;
  forged: number;
  slowestMs: number;
}

/** Recomputes the checksum so that only the structural checks stand between damage and use. */
export function rewriteChecksum(bytes: Uint8Array): Uint8Array {
  sealChecksum(bytes);
  return bytes;
}

type Json = any; // the header as parsed JSON, mutated freely by the forgeries

interface Parts {
  header: Json;
  headerText: string;
  data: Uint8Array;
  dataOffset: number;
}

function split(bytes: Uint8Array): Parts {
  const p = readPreamble(bytes);
  const headerText = new TextDecoder().decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + p.headerLength));
  return { header: JSON.parse(headerText), headerText, data: bytes.slice(p.dataOffset), dataOffset: p.dataOffset };
}

/** Lets a forgery put non-JSON numbers (1e999, NaN) into the header text. */
const RAW = (text: string): string => `@@raw:${text}@@`;
function render(h: Json): string {
  return JSON.stringify(h).replace(/"@@raw:(.*?)@@"/g, '$1');
}

function setU32(bytes: Uint8Array, at: number, v: number): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, v >>> 0, true);
  return bytes;
}

function setU16(bytes: Uint8Array, at: number, v: number): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint16(at, v, true);
  return bytes;
}

/** The forged files: each a name and a builder (built lazily, one at a time). */
function forgeries(bytes: Uint8Array): [string, () => Uint8Array][] {
  const parts = split(bytes);
  const { data, dataOffset } = parts;
  const u32At = (at: number): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
  const out: [string, () => Uint8Array][] = [];
  const raw = (name: string, edit: (b: Uint8Array) => Uint8Array, reseal = true): void => {
    out.push([name, () => { const b = edit(bytes.slice()); return reseal ? rewriteChecksum(b) : b; }]);
  };
  const header = (name: string, edit: (h: Json) => void): void => {
    out.push([name, () => { const h = structuredClone(parts.header); edit(h); return assembleEim(render(h), data); }]);
  };
  const text = (name: string, t: string | Uint8Array): void => { out.push([name, () => assembleEim(t, data)]); };
  const dataEdit = (name: string, edit: (d: Uint8Array) => void): void => {
    out.push([name, () => { const d = data.slice(); edit(d); return assembleEim(parts.headerText, d); }]);
  };

  // Preamble.
  for (let i = 0; i < 8; i++) raw(`magic[${i}]`, (b) => { b[i] ^= 0x20; return b; });
  for (const v of [0, 2, 0xffff]) raw(`versionMajor=${v}`, (b) => setU16(b, FIELD.versionMajor, v));
  for (const v of [1, 0x80000000]) raw(`flags=${v}`, (b) => setU32(b, FIELD.flags, v));
  const hl = u32At(FIELD.headerLength), dl = u32At(FIELD.dataLength);
  for (const v of [0, 1, hl - 1, hl + 1, hl + 64, bytes.length, 0xffffffff]) raw(`headerLength=${v}`, (b) => setU32(b, FIELD.headerLength, v));
  for (const v of [0, 1, dataOffset - 64, dataOffset + 1, dataOffset + 64, 0xffffffff]) raw(`dataOffset=${v}`, (b) => setU32(b, FIELD.dataOffset, v));
  for (const v of [0, dl - 1, dl + 1, 0xffffffff]) raw(`dataLength=${v}`, (b) => setU32(b, FIELD.dataLength, v));
  raw('checksum off by one bit', (b) => { b[FIELD.checksum] ^= 1; return b; }, false);
  raw('trailing byte', (b) => { const c = new Uint8Array(b.length + 1); c.set(b); return c; });
  if (PREAMBLE_BYTES + hl < dataOffset) raw('nonzero padding', (b) => { b[dataOffset - 1] = 0x20; return b; });
  raw('empty file', () => new Uint8Array(0), false);

  // Header bytes that are not UTF-8 / JSON / an object.
  const enc = new TextEncoder();
  const withBytes = (...extra: number[]): Uint8Array => { const t = enc.encode(parts.headerText); const c = new Uint8Array(t.length + extra.length); c.set(t.subarray(0, t.length - 1)); c.set(extra, t.length - 1); c[c.length - 1] = 0x7d; return c; };
  text('utf8: 0xff byte', withBytes(0x20, 0xff));
  text('utf8: overlong slash', withBytes(0x20, 0xc0, 0xaf));
  text('utf8: lone surrogate', withBytes(0x20, 0xed, 0xa0, 0x80));
  text('utf8: cut sequence', withBytes(0x20, 0xe2, 0x82));
  text('json: BOM', '\ufeff' + parts.headerText);
  text('json: cut in half', parts.headerText.slice(0, parts.headerText.length >> 1));
  text('json: trailing garbage', parts.headerText + 'x');
  for (const t of ['not json', '{"graph":', 'null', '[]', '42', '"eim"', '{}', '{"tensors":[]}', '['.repeat(100000), '['.repeat(100000) + ']'.repeat(100000)]) text(`json: ${t.slice(0, 12)}`, t);

  // Top-level sections.
  for (const key of ['graph', 'tensors']) for (const v of [undefined, null, 5, 'x', {}]) header(`${key}=${JSON.stringify(v)}`, (h) => { h[key] = v; });
  for (const key of ['inputs', 'outputs', 'nodes']) for (const v of [undefined, null, 5, {}]) header(`graph.${key}=${JSON.stringify(v)}`, (h) => { h.graph[key] = v; });
  for (const v of [5, 'x', []]) header(`metadata=${JSON.stringify(v)}`, (h) => { h.metadata = v; });

  // Tensors: dims, dtypes, offsets, lengths, names, overlaps, quantization.
  const tensors: Json[] = parts.header.tensors;
  const pick = tensors.map((_, i) => i).filter((i, k, all) => k < 6 || i === all.length - 1);
  for (const i of pick) {
    const t = tensors[i], at = `tensors[${i}]`;
    const dims: [string, unknown][] = [['2^40', 2 ** 40], ['-1', -1], ['-2^31', -(2 ** 31)], ['1.5', 1.5], ['NaN', RAW('NaN')], ['"NaN"', 'NaN'], ['1e999', RAW('1e999')], ['null', null], ['"3"', '3'], ['2^31', 2 ** 31]];
    for (const [name, d] of dims) header(`${at}.shape[0]=${name}`, (h) => { h.tensors[i].shape = [d, ...t.shape.slice(1)]; });
    header(`${at}.shape huge`, (h) => { h.tensors[i].shape = [65536, 65536, 65536]; });
    header(`${at}.shape rank 9`, (h) => { h.tensors[i].shape = [1, 1, 1, 1, 1, 1, 1, 1, 1]; });
    if (t.length > 0) header(`${at}.shape extra dim`, (h) => { h.tensors[i].shape = [...t.shape, 2]; });
    header(`${at}.shape missing`, (h) => { delete h.tensors[i].shape; });
    header(`${at}.shape object`, (h) => { h.tensors[i].shape = { 0: 1 }; });
    for (const d of ['f64', 'int32', 'F32', '', 7, null]) header(`${at}.dtype=${JSON.stringify(d)}`, (h) => { h.tensors[i].dtype = d; });
    const end64 = Math.ceil(data.length / 64) * 64;
    for (const [name, o] of [['past end', end64 + 64], ['at end', t.length > 0 ? end64 : end64 + 64], ['-64', -64], ['+4', t.offset + 4], ['+1', t.offset + 1], ['2^53', 2 ** 53], ['1.5', 1.5], ['"0"', '0'], ['1e999', RAW('1e999')]] as [string, unknown][]) {
      header(`${at}.offset=${name}`, (h) => { h.tensors[i].offset = o; });
    }
    for (const [name, l] of [['+1', t.length + 1], ['-1', t.length - 1], ['2^40', 2 ** 40], ['null', null]] as [string, unknown][]) {
      header(`${at}.length ${name}`, (h) => { h.tensors[i].length = l; });
    }
    for (const n of ['', 5, null]) header(`${at}.name=${JSON.stringify(n)}`, (h) => { h.tensors[i].name = n; });
    header(`${at} not an object`, (h) => { h.tensors[i] = [t.name]; });
    const other = tensors.findIndex((u: Json, j: number) => j !== i && u.length > 0);
    if (other >= 0 && t.length > 0) {
      header(`${at} overlaps tensors[${other}]`, (h) => { h.tensors[i].offset = tensors[other].offset; });
      header(`${at}.name duplicates tensors[${other}]`, (h) => { h.tensors[i].name = tensors[other].name; });
    }
    const next = (i + 1) % tensors.length;
    if (t.length > 64 && next !== i && tensors[next].length > 0) {
      header(`tensors[${next}] starts inside ${at}`, (h) => { h.tensors[next].offset = t.offset + 64; });
    }
    if (!t.quant) {
      header(`${at}.quant on ${t.dtype}`, (h) => { h.tensors[i].quant = { axis: 0, scales: { offset: 0, length: 4 } }; });
      continue;
    }
    const q = t.quant, count = q.scales.length / 4;
    header(`${at}.quant removed`, (h) => { delete h.tensors[i].quant; });
    for (const a of [-1, Math.max(t.shape.length, 1), 99, 0.5]) header(`${at}.quant.axis=${a}`, (h) => { h.tensors[i].quant.axis = a; });
    header(`${at}.quant.scales one too many`, (h) => { h.tensors[i].quant.scales.length = 4 * (count + 1); });
    header(`${at}.quant.scales none`, (h) => { h.tensors[i].quant.scales.length = 0; });
    header(`${at}.quant.scales unaligned`, (h) => { h.tensors[i].quant.scales.offset += 2; });
    header(`${at}.quant.scales past end`, (h) => { h.tensors[i].quant.scales.offset = Math.ceil(data.length / 4) * 4; });
    if (t.length > 0) header(`${at}.quant.scales over its tensor`, (h) => { h.tensors[i].quant.scales.offset = t.offset; });
    if (q.zeroPoints) header(`${at}.quant.zeroPoints length`, (h) => { h.tensors[i].quant.zeroPoints.length = count + 1; });
    for (const [name, bits] of [['NaN', 0x7fc00000], ['0', 0], ['-1', 0xbf800000], ['inf', 0x7f800000], ['-0', 0x80000000]] as [string, number][]) {
      dataEdit(`${at}.quant.scales[${count - 1}]=${name}`, (d) => { setU32(d, q.scales.offset + 4 * (count - 1), bits); });
    }
  }

  // Graph structure.
  const nodes: Json[] = parts.header.graph.nodes;
  const known = parts.header.graph.inputs[0]?.name ?? tensors[0]?.name ?? 'x';
  for (const i of nodes.map((_, k) => k).filter((k) => k < 4 || k === nodes.length - 1)) {
    const n = nodes[i], at = `nodes[${i}]`;
    header(`${at}.inputs[0] unknown`, (h) => { h.graph.nodes[i].inputs[0] = 'no such value'; });
    header(`${at}.inputs not an array`, (h) => { h.graph.nodes[i].inputs = known; });
    header(`${at}.inputs[0]=5`, (h) => { h.graph.nodes[i].inputs[0] = 5; });
    header(`${at}.outputs empty`, (h) => { h.graph.nodes[i].outputs = []; });
    header(`${at}.outputs redefines ${known}`, (h) => { h.graph.nodes[i].outputs = [known]; });
    for (const v of ['', 5, null]) header(`${at}.name=${JSON.stringify(v)}`, (h) => { h.graph.nodes[i].name = v; });
    for (const v of ['', 5]) header(`${at}.op=${JSON.stringify(v)}`, (h) => { h.graph.nodes[i].op = v; });
    if (nodes.length > 1) header(`${at}.name duplicated`, (h) => { h.graph.nodes[i].name = nodes[(i + 1) % nodes.length].name; });
    for (const [name, v] of [['5', 5], ['array', [1]], ['1e999', { a: RAW('1e999') }], ['NaN', { a: RAW('NaN') }], ['mixed array', { a: [1, 'x'] }], ['nested arrays', { a: [[1]] }], ['deep', JSON.parse('{"a":'.repeat(20) + '1' + '}'.repeat(20))]] as [string, unknown][]) {
      header(`${at}.attrs ${name}`, (h) => { h.graph.nodes[i].attrs = v; });
    }
    header(`${at} not an object`, (h) => { h.graph.nodes[i] = n.name; });
  }
  header('graph.outputs[0] unknown', (h) => { h.graph.outputs[0] = { name: 'no such value', shape: [1] }; });
  header('graph.inputs duplicated', (h) => { h.graph.inputs.push(structuredClone(h.graph.inputs[0] ?? { name: known, shape: [1] })); });
  header('graph.inputs named like a tensor', (h) => { h.graph.inputs.push({ name: tensors[0]?.name ?? known, shape: [1] }); });
  for (const [name, s] of [['-1 not first', [1, -1]], ['huge', [1, 2 ** 20, 2 ** 20]], ['-2', [-2]], ['NaN', [RAW('NaN')]], ['not an array', 5]] as [string, unknown][]) {
    header(`graph.inputs[0].shape ${name}`, (h) => { h.graph.inputs[0] = { name: h.graph.inputs[0]?.name ?? 'in', shape: s }; });
  }
  for (const [name, p] of [['repeat', [0, 0]], ['out of range', [0, 5]], ['too short', [0]], ['negative', [-1, 0]]] as [string, unknown][]) {
    header(`graph.inputs[0].sourcePerm ${name}`, (h) => { h.graph.inputs[0] = { name: h.graph.inputs[0]?.name ?? 'in', shape: [1, 2], sourcePerm: p }; });
  }

  // Metadata types.
  const meta: [string, Json][] = [
    ['labels numbers', { labels: [1, 2] }], ['labels string', { labels: 'a,b' }], ['name number', { name: 5 }],
    ['outputKind', { outputKind: 'scores' }], ['description object', { description: {} }],
  ];
  const pre = { width: 16, height: 16, channels: 1, colorOrder: 'GRAY', scale: 1, mean: [0], std: [1], resize: 'stretch', crop: 'none' };
  for (const [name, edit] of [['channels 2', { channels: 2 }], ['width 0', { width: 0 }], ['height 1e6', { height: 1e6 }], ['mean length', { mean: [0, 0] }],
    ['std 0', { std: [0] }], ['colorOrder RGB with 1 channel', { colorOrder: 'RGB' }], ['resize', { resize: 'fit' }], ['crop', { crop: 'top' }],
    ['scale NaN', { scale: RAW('NaN') }], ['resizeTo -1', { resizeTo: -1 }]] as [string, Json][]) meta.push([`preprocess ${name}`, { preprocess: { ...pre, ...edit } }]);
  for (const [name, m] of meta) header(`metadata ${name}`, (h) => { h.metadata = { ...h.metadata, ...m }; });
  return out;
}

interface Failure { kind: string; detail: string; error: unknown }

/** Runs one case: true if rejected properly, false if accepted; records a failure otherwise. */
interface Run { read: (bytes: Uint8Array) => Graph; failures: Failure[]; slowest: number; limit: number }

function attempt(kind: string, detail: string, file: Uint8Array, mayAccept: boolean, run: Run): boolean {
  const t0 = performance.now();
  let accepted = false;
  const failures = run.failures;
  try {
    const g = run.read(file);
    accepted = true;
    if (!mayAccept) failures.push({ kind, detail, error: 'accepted a damaged file' });
    else readEim(writeEim(g)); // what the reader accepts, the writer must be able to write again
  } catch (e) {
    if (!(e instanceof ModelFormatError) || e.where.length === 0) failures.push({ kind, detail, error: e });
  }
  const ms = performance.now() - t0;
  run.slowest = Math.max(run.slowest, ms);
  if (ms > run.limit) failures.push({ kind, detail, error: `took ${ms.toFixed(1)} ms` });
  return accepted;
}

/** Up to `limit` items at evenly spaced positions, first and last included. */
function spread<T>(items: readonly T[], limit: number | undefined): readonly T[] {
  if (limit === undefined || limit >= items.length) return items;
  if (limit <= 0) return [];
  if (limit === 1) return [items[0]];
  const picked = new Set<number>();
  for (let k = 0; k < limit; k++) picked.add(Math.round((k * (items.length - 1)) / (limit - 1)));
  return [...picked].map((i) => items[i]);
}

/**
 * Truncations, byte flips (with and without a recomputed checksum) and forged headers of `bytes`,
 * which must be a valid .eim file. Throws an Error listing the first failures; returns case counts.
 */
export function fuzzEim(bytes: Uint8Array, opts: FuzzOptions = {}): FuzzCounts {
  const random = rng(opts.seed ?? 1);
  const trials = opts.trials ?? 1000;
  const run: Run = { read: opts.read ?? readEim, failures: [], slowest: 0, limit: opts.maxMsPerCase ?? 500 + bytes.length / 50_000 };
  const failures = run.failures;
  const counts: FuzzCounts = { truncated: 0, flipped: 0, resealedRejected: 0, resealedAccepted: 0, forged: 0, slowestMs: 0 };
  readEim(bytes); // must be valid to begin with
  const { dataOffset } = readPreamble(bytes);

  const cuts = new Set<number>();
  for (let n = 0; n <= dataOffset; n++) cuts.add(n);
  const dataCuts = Math.min(opts.dataCuts ?? 300, bytes.length - dataOffset - 1);
  for (let k = 0; k < dataCuts; k++) cuts.add(dataOffset + 1 + Math.floor(random() * (bytes.length - dataOffset - 1)));
  cuts.add(bytes.length - 1);
  for (const n of cuts) {
    if (n >= bytes.length) continue;
    attempt('truncate', `at ${n}`, bytes.subarray(0, n), false, run);
    counts.truncated++;
  }

  // Flips are made in place on a private copy and undone, so a trial costs no copy of the file.
  const work = bytes.slice();
  for (let t = 0; t < trials; t++) {
    const reseal = t % 2 === 1;
    const nFlips = random() < 0.6 ? 1 : 2 + Math.floor(random() * 7);
    // Resealed trials aim at the structure (preamble and header) three times out of four.
    const span = reseal && random() < 0.75 ? dataOffset : bytes.length;
    const at = Array.from({ length: nFlips }, () => Math.floor(random() * span));
    for (const i of at) work[i] ^= 1 + Math.floor(random() * 255);
    const changed = at.some((i) => work[i] !== bytes[i]);
    if (reseal) rewriteChecksum(work);
    if (changed) {
      const accepted = attempt(reseal ? 'flip+reseal' : 'flip', `seed ${opts.seed ?? 1} trial ${t} bytes ${at.join(',')}`, work, reseal, run);
      if (!reseal) counts.flipped++;
      else if (accepted) counts.resealedAccepted++;
      else counts.resealedRejected++;
    }
    for (const i of at) work[i] = bytes[i];
    work.set(bytes.subarray(FIELD.checksum, FIELD.checksum + 4), FIELD.checksum);
  }

  for (const [name, make] of spread(forgeries(bytes), opts.forged)) {
    attempt('forged', name, make(), false, run);
    counts.forged++;
  }
  counts.slowestMs = Math.round(run.slowest * 10) / 10;
  if (failures.length > 0) {
    const lines = failures.slice(0, 8).map((f) => `  ${f.kind} ${f.detail}: ${f.error instanceof Error ? `${f.error.name}: ${f.error.message}` : String(f.error)}`);
    throw new Error(`fuzzEim: ${failures.length} bad case(s) of ${counts.truncated + counts.flipped + counts.resealedAccepted + counts.resealedRejected + counts.forged}:\n${lines.join('\n')}`);
  }
  return counts;
}
