// The bench's tables: warm latency per (model, batch, runtime) with GFLOP/s and edgeinfer's ratio to the
// faster peer, memory per case, then cold start per runtime. Also the same as JSON (bench/results/,
// git-ignored). The Node bench (cpu.bench.ts) and the Chromium one (browser-bench.ts) share these tables.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { BenchModel } from '../models/catalog.js';
import type { MemoryUse, Runtime } from './runtimes.js';
import type { LatencyStats } from './stats.js';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** What the tables need of a runtime. */
export type RuntimeInfo = Pick<Runtime, 'id' | 'label' | 'peer' | 'sharesEngineWith' | 'form' | 'threads'>;

/** What the tables need of a case (harness.ts's Case is one). */
export interface ReportCase {
  readonly model: BenchModel;
  readonly batch: number;
  readonly runtime: RuntimeInfo;
  readonly macs: number;
  readonly state: 'ready' | 'timed' | 'skipped' | 'failed' | 'mismatch';
  readonly note?: string;
  readonly loadMs?: number;
  readonly firstRunMs?: number;
  readonly check?: string;
  readonly memory?: MemoryUse;
  /** Timed samples (ms) of each pass. */
  readonly passes: readonly (readonly number[])[];
  readonly stats?: LatencyStats;
}

export interface ReportSetup {
  readonly models: readonly BenchModel[];
  readonly inits: readonly { readonly runtime: RuntimeInfo; readonly status: true | string; readonly initMs: number }[];
  readonly cases: readonly ReportCase[];
}

/** Where the bench ran: a heading for the text and fields for the JSON. */
export interface BenchEnvironment {
  /** Results file stem: results/<name>.txt and .json. */
  readonly name: string;
  readonly heading: string;
  readonly fields: Readonly<Record<string, unknown>>;
  /** What the memory table's figures are, here. */
  readonly memoryLegend: string;
}

/** The load average when the bench started (this module loads first): the machine is shared, so both ends count. */
const LOAD_AT_START = loadavg();
const fmtLoad = (l: readonly number[]) => l.map((v) => v.toFixed(1)).join(' ');

function machine(): string {
  return `${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, load average ${fmtLoad(LOAD_AT_START)} at start, ${fmtLoad(loadavg())} at end`;
}

/** The Node bench's environment. */
export function nodeEnvironment(): BenchEnvironment {
  return {
    name: 'cpu',
    heading: `edgeinfer CPU bench — ${new Date().toISOString()}, Node ${process.version}, ${machine()} (threads as each runtime's label says, else one)`,
    fields: { node: process.version },
    memoryLegend: 'edgeinfer wasm: the linear memory its backend holds for this model and batch alone (one backend per case: static\n'
      + '  data, weights as packed, tables, the arena planned for the batch; whole 64 KiB pages). A peer keeps one engine per\n'
      + '  process: the size of its wasm heap after this case was loaded and first run (it holds every model loaded so far and\n'
      + '  never shrinks) and, in brackets, how much it grew for this case. JS-side memory (model bytes, JS objects) is counted\n'
      + '  nowhere.\n',
  };
}

/** A browser's environment: `engine` names it (e.g. "Chromium 156 headless"). */
export function browserEnvironment(engine: string, fields: Record<string, unknown>): BenchEnvironment {
  return {
    name: 'browser',
    heading: `edgeinfer CPU bench in ${engine} — ${new Date().toISOString()}, ${machine()} (threads as each runtime's label says, else one)`,
    fields: { browser: engine, ...fields },
    memoryLegend: 'Every model runs in a fresh page, so each engine starts empty. edgeinfer wasm: the linear memory of the backend\n'
      + '  instance this case created (same layout as in Node: static data, packed weights, tables, arena). A peer: its wasm heap\n'
      + '  after this case was loaded and first run (batch 32 comes after batch 1 in the same page, so it includes both) and, in\n'
      + '  brackets, how much it grew for this case. JS-side memory is counted nowhere.\n',
  };
}

const fmtMs = (v: number | undefined) => (v === undefined ? '' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));

function table(header: string[], rows: string[][], right: (i: number) => boolean): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((v, i) => (right(i) ? (v ?? '').padStart(w[i]) : (v ?? '').padEnd(w[i]))).join('  ').trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

const threadsOf = (r: RuntimeInfo) => r.threads ?? 1;

/** Peers on the same float model and batch (the int8 model is a different network) at `c`'s thread count ('auto': any). */
function peersOf(cases: readonly ReportCase[], c: ReportCase): ReportCase[] {
  const t = threadsOf(c.runtime);
  return cases.filter((o) => o.model === c.model && o.batch === c.batch && o.runtime.peer && o.runtime.id !== 'ort-wasm-int8'
    && o.stats && (t === 'auto' || threadsOf(o.runtime) === t));
}

/** The fastest of peersOf. */
function bestPeer(cases: readonly ReportCase[], c: ReportCase): ReportCase | undefined {
  return peersOf(cases, c).sort((a, b) => a.stats!.median - b.stats!.median)[0];
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Medians of the passes that have samples. */
function passMedians(c: ReportCase): number[] {
  return c.passes.filter((p) => p.length > 0).map(median);
}

/** How far the pass medians spread, relative to the overall median: a noise indicator. */
function spread(c: ReportCase): string {
  const m = passMedians(c);
  if (!c.stats || m.length < 2) return '';
  return `±${((50 * (Math.max(...m) - Math.min(...m))) / c.stats.median).toFixed(0)}%`;
}

function gflops(c: ReportCase): number | undefined {
  return c.stats ? (2 * c.macs) / (c.stats.median * 1e6) : undefined;
}

const times = (r: number) => (r >= 1 ? `${r.toFixed(2)}x slower` : `${(1 / r).toFixed(2)}x faster`);

/** edgeinfer's median over the faster peer's median, then the same for the min (the faster peer by min). */
function ratio(cases: readonly ReportCase[], c: ReportCase): string {
  if (!c.stats) return '';
  const best = bestPeer(cases, c);
  if (!best) return '';
  if (c.runtime.peer) return best === c ? 'fastest peer' : '';
  const bestMin = Math.min(...peersOf(cases, c).map((o) => o.stats!.min));
  return `${times(c.stats.median / best.stats!.median)} (min: ${times(c.stats.min / bestMin).replace(/ (faster|slower)/, '')})`;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 1);

/** edgeinfer wasm: its backend's linear memory (weights, arena where known); a peer: its heap after this case (growth for it). */
function memoryCell(c: ReportCase | undefined): string {
  const m = c?.memory;
  if (!m) return '';
  if (!c.runtime.peer) return m.weightsBytes === undefined ? mib(m.bytes) : `${mib(m.bytes)} (weights ${mib(m.weightsBytes)}, arena ${mib(m.arenaBytes ?? 0)})`;
  return `${mib(m.heapBytes)} (+${mib(m.bytes)})`;
}

export function formatMemory(s: ReportSetup, legend: string): string {
  const runtimes = [...new Set(s.cases.filter((c) => c.memory).map((c) => c.runtime))];
  if (runtimes.length === 0) return '';
  const rows = s.models.flatMap((m) => m.batches.map((b) => [
    `${m.id} b${b}`, ...runtimes.map((r) => memoryCell(s.cases.find((c) => c.model === m && c.batch === b && c.runtime === r))),
  ]));
  return `${table(['memory, MiB', ...runtimes.map((r) => r.label)], rows, (i) => i >= 1)}\n${legend}`;
}

/** The runtimes of the threads table: edgeinfer at 1 thread, 2 and auto, then each peer at 1 and 2. */
const OURS_1T = 'edgeinfer-wasm-simd', OURS_2T = 'edgeinfer-wasm-2t', OURS_AUTO = 'edgeinfer-wasm-auto';
const THREAD_COLUMNS = [OURS_1T, OURS_2T, OURS_AUTO, 'ort-wasm', 'ort-wasm-2t', 'tfjs-wasm', 'tfjs-wasm-2t'];

/** Issue #12's targets on a 2-core machine: ours 2T over ours 1T, and over the faster peer at 2 threads. */
const TARGETS: Readonly<Record<string, { readonly speedup?: number; readonly vsPeer?: number }>> = {
  'mobilenetv2 b1': { speedup: 1.7, vsPeer: 1.3 },
  'cnn b32': { speedup: 1.6 },
};

const x = (v: number) => `${v.toFixed(2)}x`;

/** One row of the threads table, also the JSON's: medians (and mins) of each column, the ratios and the targets. */
export interface ThreadsRow {
  readonly model: string;
  readonly batch: number;
  readonly medianMs: Readonly<Record<string, number>>;
  readonly minMs: Readonly<Record<string, number>>;
  /** ours 1T / ours 2T: how much faster 2 threads are. */
  readonly speedup?: { readonly median: number; readonly min: number };
  /** The faster peer at 2 threads / ours 2T (> 1: ours faster), and which peer that was. */
  readonly vsPeer2T?: { readonly median: number; readonly min: number; readonly peer: string };
  /** ours 1T / ours auto (>= 1: auto is not slower), and what auto chose. */
  readonly auto?: { readonly median: number; readonly min: number; readonly chose?: string };
  readonly targets: readonly { readonly what: string; readonly want: number; readonly got: number; readonly met: boolean }[];
}

export function threadsRows(s: ReportSetup): ThreadsRow[] {
  const rows: ThreadsRow[] = [];
  for (const m of s.models) {
    for (const batch of m.batches) {
      const timed = (id: string) => s.cases.find((c) => c.model === m && c.batch === batch && c.runtime.id === id && c.stats);
      const present = THREAD_COLUMNS.filter((id) => timed(id));
      if (!timed(OURS_2T) && !timed(OURS_AUTO)) continue;
      const one = timed(OURS_1T)?.stats, two = timed(OURS_2T)?.stats, auto = timed(OURS_AUTO);
      const peer2 = s.cases.filter((c) => c.model === m && c.batch === batch && c.runtime.peer && threadsOf(c.runtime) === 2 && c.stats)
        .sort((a, b) => a.stats!.median - b.stats!.median)[0];
      const speedup = one && two ? { median: one.median / two.median, min: one.min / two.min } : undefined;
      const vsPeer2T = two && peer2 ? { median: peer2.stats!.median / two.median, min: peer2.stats!.min / two.min, peer: peer2.runtime.label } : undefined;
      const autoR = one && auto?.stats ? { median: one.median / auto.stats.median, min: one.min / auto.stats.min, chose: /auto chose ([^;]*)/.exec(auto.check ?? '')?.[1] } : undefined;
      const key = `${m.id} b${batch}`;
      const want = TARGETS[key] ?? {};
      const targets = [
        ...(want.speedup && speedup ? [{ what: '2T/1T', want: want.speedup, got: speedup.median, met: speedup.median >= want.speedup }] : []),
        ...(want.vsPeer && vsPeer2T ? [{ what: '2T vs peer 2T', want: want.vsPeer, got: vsPeer2T.median, met: vsPeer2T.median >= want.vsPeer }] : []),
        ...(autoR ? [{ what: 'auto vs 1T', want: 1, got: autoR.median, met: autoR.median >= 1 }] : []),
      ];
      rows.push({
        model: m.id, batch,
        medianMs: Object.fromEntries(present.map((id) => [id, timed(id)!.stats!.median])),
        minMs: Object.fromEntries(present.map((id) => [id, timed(id)!.stats!.min])),
        speedup, vsPeer2T, auto: autoR, targets,
      });
    }
  }
  return rows;
}

/** The side-by-side of thread counts: median ms (min ms) per runtime, the ratios, and #12's targets met or missed. */
export function formatThreads(s: ReportSetup): string {
  const rows = threadsRows(s);
  if (rows.length === 0) return '';
  const labels = THREAD_COLUMNS.map((id) => s.inits.find((i) => i.runtime.id === id));
  const cols = THREAD_COLUMNS.filter((_, i) => labels[i]);
  const cell = (r: ThreadsRow, id: string) => (r.medianMs[id] === undefined ? '—' : `${fmtMs(r.medianMs[id])} (${fmtMs(r.minMs[id])})`);
  const body = rows.map((r) => [
    `${r.model} b${r.batch}`, ...cols.map((id) => cell(r, id)),
    r.speedup ? `${x(r.speedup.median)} (${x(r.speedup.min)})` : '',
    r.vsPeer2T ? `${x(r.vsPeer2T.median)} (${x(r.vsPeer2T.min)})` : '',
    r.auto ? `${x(r.auto.median)} (${x(r.auto.min)})${r.auto.chose ? ` ${r.auto.chose}` : ''}` : '',
    r.targets.map((t) => `${t.what} >= ${t.want}: ${t.met ? 'met' : 'MISSED'} (${x(t.got)})`).join('; '),
  ]);
  const head = ['threads, median ms (min)', ...cols.map((id) => s.inits.find((i) => i.runtime.id === id)!.runtime.label),
    'ours 1T/2T', 'peer 2T/ours 2T', 'ours 1T/auto', '#12 target (by median)'];
  const missing = s.inits.filter((i) => THREAD_COLUMNS.includes(i.runtime.id) && i.status !== true)
    .map((i) => `  ${i.runtime.label}: ${i.status}`).join('\n');
  const checked = s.cases.filter((c) => [OURS_2T, 'ort-wasm-2t', 'tfjs-wasm-2t'].includes(c.runtime.id) && c.check?.includes(';'))
    .map((c) => `${c.runtime.label}: ${c.check!.split('; ').slice(1).join('; ')}`);
  return `${table(head, body, (i) => i >= 1 && i <= cols.length + 3)}\n`
    + 'ratios > 1: the first named is slower, i.e. "ours 1T/2T" is the speed-up of 2 threads; "peer 2T/ours 2T" > 1: ours is faster\n'
    + '  than the faster peer at 2 threads. Median over all passes; in brackets the same from the fastest runs (min), which\n'
    + '  other load on this shared machine disturbs least.\n'
    + (checked.length ? `threads as checked at load: ${[...new Set(checked)].join('; ')}\n` : '')
    + (missing ? `no column:\n${missing}\n` : '');
}

export function formatReport(s: ReportSetup, env: BenchEnvironment = nodeEnvironment()): string {
  const warmRows = s.cases.map((c) => {
    const base = [`${c.model.id}`, `${c.batch}`, c.runtime.label, c.runtime.form(c.model)];
    if (!c.stats) return [...base, c.state === 'skipped' ? '—' : c.state.toUpperCase(), '', '', '', '', '', '', c.note ?? ''];
    return [...base, fmtMs(c.stats.median), fmtMs(c.stats.p90), fmtMs(c.stats.min), gflops(c)!.toFixed(2), ratio(s.cases, c), `${c.stats.runs}`, spread(c), c.check ?? ''];
  });
  const warm = table(['model', 'batch', 'runtime', 'form', 'median ms', 'p90 ms', 'min ms', 'GFLOP/s', 'edgeinfer vs faster peer at its threads (median; min)', 'runs', 'passes', 'check / note'],
    warmRows, (i) => i === 1 || (i >= 4 && i <= 7) || i === 9 || i === 10);

  const modelIds = s.models.map((m) => m.id);
  const coldRows = s.inits.map(({ runtime, status, initMs }) => [
    runtime.label,
    status !== true ? status.slice(0, 40) : runtime.sharesEngineWith ? 'shared' : fmtMs(initMs),
    ...modelIds.map((id) => {
      const c = s.cases.find((o) => o.runtime === runtime && o.model.id === id && o.batch === 1);
      return c?.loadMs !== undefined && c.firstRunMs !== undefined ? `${fmtMs(c.loadMs)} + ${fmtMs(c.firstRunMs)}` : '';
    }),
  ]);
  const cold = table(['cold start, ms', 'init', ...modelIds.map((id) => `${id}: load + 1st run`)], coldRows, (i) => i >= 1);

  const models = s.models.map((m) => {
    const macs = m.batches.map((b) => `b${b} ${(s.cases.find((c) => c.model === m && c.batch === b)?.macs ?? 0) / 1e6} M`).join(', ');
    return `  ${m.id.padEnd(12)} ${m.title}; weights: ${m.weights}; MACs ${macs}`;
  }).join('\n');
  return `${env.heading}\n`
    + `models:\n${models}\n\n${warm}\n\n${formatThreads(s)}\n${formatMemory(s, env.memoryLegend)}\n${cold}\n`
    + 'init = engine instantiate, JS loading excluded (edgeinfer: create a backend, i.e. compile + instantiate its wasm;\n'
    + '  onnxruntime-web: the first session, of a 1-node model; tfjs: setBackend("wasm") + ready).\n'
    + 'load = parse + prepare (edgeinfer: readEim + backend + Session.create; peers: session / loadGraphModel); edgeinfer prepares every kernel and packs every weight in load, so its 1st run is the tier-up of the engine (V8 runs the first long call of a wasm function in its baseline code).\n'
    + 'passes = half the spread of the per-pass medians relative to the median; min = fastest run. Both show machine noise:\n'
    + 'other load only ever adds time, so on a busy machine min is the closer estimate of the uncontended latency.\n';
}

function version(pkg: string): string | undefined {
  try {
    const req = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(req.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export function reportJson(s: ReportSetup, env: BenchEnvironment = nodeEnvironment()): unknown {
  return {
    date: new Date().toISOString(),
    ...env.fields,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadAverageAtStart: LOAD_AT_START,
    loadAverage: loadavg(),
    threads: threadsRows(s),
    versions: Object.fromEntries(['onnxruntime-web', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'].map((p) => [p, version(p)])),
    models: s.models.map((m) => ({ id: m.id, title: m.title, weights: m.weights, batches: m.batches, tfjsForm: m.tfjsForm })),
    runtimes: s.inits.map(({ runtime, status, initMs }) => ({ id: runtime.id, label: runtime.label, available: status === true, note: status === true ? undefined : status, initMs })),
    cases: s.cases.map((c) => ({
      model: c.model.id, batch: c.batch, runtime: c.runtime.id, threads: threadsOf(c.runtime), form: c.runtime.form(c.model), state: c.state, note: c.note,
      macs: c.macs, loadMs: c.loadMs, firstRunMs: c.firstRunMs, check: c.check, memory: c.memory,
      ...(c.stats ? {
        medianMs: c.stats.median, p90Ms: c.stats.p90, minMs: c.stats.min, meanMs: c.stats.mean, runs: c.stats.runs,
        passMediansMs: passMedians(c), gflops: gflops(c), vsFasterPeer: ratio(s.cases, c),
      } : {}),
    })),
  };
}

/** Prints the tables and writes results/<env.name>.txt and .json; returns the JSON path. */
export function writeReport(s: ReportSetup, print: (text: string) => void = console.log, env: BenchEnvironment = nodeEnvironment()): string {
  const text = formatReport(s, env);
  print(text);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(`${RESULTS_DIR}${env.name}.txt`, text);
  const json = `${RESULTS_DIR}${env.name}.json`;
  writeFileSync(json, `${JSON.stringify(reportJson(s, env), null, 2)}\n`);
  return json;
}
