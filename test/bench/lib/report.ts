// The bench's tables: warm latency per (model, batch, runtime) with GFLOP/s and edgeinfer's ratio to the
// faster peer, then cold start per runtime. Also the same as JSON (test/bench/results/, git-ignored).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { BenchSetup, Case } from './harness.js';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

const fmtMs = (v: number | undefined) => (v === undefined ? '' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));

function table(header: string[], rows: string[][], right: (i: number) => boolean): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((v, i) => (right(i) ? (v ?? '').padStart(w[i]) : (v ?? '').padEnd(w[i]))).join('  ').trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** The fastest peer on the same float model and batch (the int8 model is a different network). */
function bestPeer(cases: readonly Case[], c: Case): Case | undefined {
  return cases
    .filter((o) => o.model === c.model && o.batch === c.batch && o.runtime.peer && o.runtime.id !== 'ort-wasm-int8' && o.stats)
    .sort((a, b) => a.stats!.median - b.stats!.median)[0];
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Medians of the passes that have samples. */
function passMedians(c: Case): number[] {
  return c.passes.filter((p) => p.length > 0).map(median);
}

/** How far the pass medians spread, relative to the overall median: a noise indicator. */
function spread(c: Case): string {
  const m = passMedians(c);
  if (!c.stats || m.length < 2) return '';
  return `±${((50 * (Math.max(...m) - Math.min(...m))) / c.stats.median).toFixed(0)}%`;
}

function gflops(c: Case): number | undefined {
  return c.stats ? (2 * c.macs) / (c.stats.median * 1e6) : undefined;
}

function ratio(cases: readonly Case[], c: Case): string {
  if (!c.stats) return '';
  const best = bestPeer(cases, c);
  if (!best) return '';
  if (c.runtime.peer) return best === c ? 'fastest peer' : '';
  const r = c.stats.median / best.stats!.median;
  return r >= 1 ? `${r.toFixed(2)}x slower` : `${(1 / r).toFixed(2)}x faster`;
}

export function formatReport(s: BenchSetup): string {
  const warmRows = s.cases.map((c) => {
    const base = [`${c.model.id}`, `${c.batch}`, c.runtime.label, c.runtime.form(c.model)];
    if (!c.stats) return [...base, c.state === 'skipped' ? '—' : c.state.toUpperCase(), '', '', '', '', '', '', c.note ?? ''];
    return [...base, fmtMs(c.stats.median), fmtMs(c.stats.p90), fmtMs(c.stats.min), gflops(c)!.toFixed(2), ratio(s.cases, c), `${c.stats.runs}`, spread(c), c.check ?? ''];
  });
  const warm = table(['model', 'batch', 'runtime', 'form', 'median ms', 'p90 ms', 'min ms', 'GFLOP/s', 'edgeinfer vs faster peer', 'runs', 'passes', 'check / note'],
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
  return `edgeinfer CPU bench — ${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, `
    + `load average ${loadavg().map((v) => v.toFixed(1)).join(' ')} (one thread everywhere)\n`
    + `models:\n${models}\n\n${warm}\n\n${cold}\n`
    + 'init = engine instantiate, JS loading excluded (edgeinfer: create a backend, i.e. compile + instantiate its wasm;\n'
    + '  onnxruntime-web: the first session, of a 1-node model; tfjs: setBackend("wasm") + ready).\n'
    + 'load = parse + prepare (edgeinfer: readEim + backend + Session.create; peers: session / loadGraphModel); 1st run includes weight packing.\n'
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

export function reportJson(s: BenchSetup): unknown {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadAverage: loadavg(),
    versions: Object.fromEntries(['onnxruntime-web', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'].map((p) => [p, version(p)])),
    models: s.models.map((m) => ({ id: m.id, title: m.title, weights: m.weights, batches: m.batches, tfjsForm: m.tfjsForm })),
    runtimes: s.inits.map(({ runtime, status, initMs }) => ({ id: runtime.id, label: runtime.label, available: status === true, note: status === true ? undefined : status, initMs })),
    cases: s.cases.map((c) => ({
      model: c.model.id, batch: c.batch, runtime: c.runtime.id, form: c.runtime.form(c.model), state: c.state, note: c.note,
      macs: c.macs, loadMs: c.loadMs, firstRunMs: c.firstRunMs, check: c.check,
      ...(c.stats ? {
        medianMs: c.stats.median, p90Ms: c.stats.p90, minMs: c.stats.min, meanMs: c.stats.mean, runs: c.stats.runs,
        passMediansMs: passMedians(c), gflops: gflops(c), vsFasterPeer: ratio(s.cases, c),
      } : {}),
    })),
  };
}

/** Prints the table and writes results/cpu.txt and results/cpu.json; returns the JSON path. */
export function writeReport(s: BenchSetup, print: (text: string) => void = console.log): string {
  const text = formatReport(s);
  print(text);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(`${RESULTS_DIR}cpu.txt`, text);
  const json = `${RESULTS_DIR}cpu.json`;
  writeFileSync(json, `${JSON.stringify(reportJson(s), null, 2)}\n`);
  return json;
}
