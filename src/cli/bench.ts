// `edgeinfer bench`: times one model on every backend this machine has (the same providers
// `auto` chooses from), and prints latency, throughput and the ratio to the fastest. Backends
// that cannot run here are listed with the reason. The model's name and error texts go through sanitize.ts.
import type { Backend, BackendProvider } from '../backends/backend.js';
import { useWasmBuildsOnDisk } from '../backends/wasm/node-files.js';
import { readEimFile } from '../format/node.js';
import { graphMacs } from '../graph/cost.js';
import type { Graph } from '../graph/ir.js';
import { PROVIDERS, withThreads } from '../runtime/backends.js';
import { Session } from '../runtime/session.js';
import { DEFAULT_MODEL_PATH } from '../vision/node-classifier.js';
import { byteSizeOption, parseArgs, stringOption, UsageError, type OptionSpecs } from './args.js';
import { formatTable } from './format.js';
import type { CliIO } from './io.js';
import { safeJson, sanitize } from './sanitize.js';

export const BENCH_HELP = `Usage: edgeinfer bench [options]

Times a model on every backend available here: preparation, the first run, then the median
and 90th-percentile latency of warm runs and the achieved GFLOP/s (2 x multiply-adds / time).

Options:
  -m, --model FILE   the .eim model (default: the bundled MobileNetV2, models/mobilenetv2-12-int8.eim)
  --batch N          inputs per run (default 1; models with a fixed batch use theirs)
  --runs N           timed runs per backend at most (default 30; each backend gets at most ~5 s)
  --threads N        threads of the threaded wasm build (default: the cores, at most 4; 1: none)
  --json             print one JSON document instead of the table
  --max-model-size SIZE  refuse larger model files (default 1G; K, M, G are 1024-based)
  -h, --help         show this help
`;

const SPECS: OptionSpecs = {
  model: { type: 'string', short: 'm' },
  batch: { type: 'string' },
  runs: { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean' },
  'max-model-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const BUDGET_MS = 5000;
const WARMUP_RUNS = 3;

export interface BenchRow {
  backend: string;
  /** Threads the backend ran on (the threaded wasm build's pool, the calling thread included). */
  threads?: number;
  status: 'ok' | 'unavailable' | 'failed';
  reason?: string;
  prepareMs?: number;
  firstRunMs?: number;
  medianMs?: number;
  p90Ms?: number;
  runs?: number;
  gflops?: number;
}

function positiveInt(value: string | undefined, name: string, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${value}`, 'bench');
  return n;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Name shown for a provider's backend: wasm builds say which (simd, relaxed, scalar) and on how many threads. */
function label(provider: BackendProvider, backend?: Backend): string {
  const { variant, threads = 1 } = (backend ?? {}) as { variant?: string; threads?: number };
  return `${provider.name}${variant ? ` ${variant}` : ''}${threads > 1 ? ` ${threads} threads` : ''}`;
}

/** Runs take tensors in the runtime's layout (NHWC), as the classifiers give them: no permute is timed. */
const IR = { layout: 'ir' } as const;

/** Feeds of `batch` samples of seeded noise, one per model input (any layout: noise is noise). */
function feedsFor(session: Session, batch: number): Record<string, Float32Array> {
  let seed = 1;
  const noise = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32 - 0.5; };
  return Object.fromEntries(session.inputs.map((v) => {
    const n = v.shape.reduce((a, d) => a * (d === -1 ? batch : d), 1);
    return [v.name, Float32Array.from({ length: n }, noise)];
  }));
}

async function benchOne(provider: BackendProvider, graph: Graph, batch: number, maxRuns: number, macs: number): Promise<BenchRow> {
  const ok = await provider.available();
  if (ok !== true) return { backend: provider.name, status: 'unavailable', reason: ok };
  let backend: Backend | undefined;
  let session: Session | undefined;
  try {
    const t0 = performance.now();
    backend = await provider.create();
    session = await Session.create(graph, { backend });
    const feeds = feedsFor(session, batch);
    const t1 = performance.now();
    await session.run(feeds, IR);
    const t2 = performance.now();
    const start = performance.now();
    for (let i = 0; i < WARMUP_RUNS && performance.now() - start < BUDGET_MS / 2; i++) await session.run(feeds, IR);
    const times: number[] = [];
    while (times.length < maxRuns && (times.length < 3 || performance.now() - start < BUDGET_MS)) {
      const s = performance.now();
      await session.run(feeds, IR);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    const medianMs = quantile(times, 0.5);
    return {
      backend: label(provider, backend), threads: (backend as { threads?: number }).threads ?? 1, status: 'ok', prepareMs: t1 - t0, firstRunMs: t2 - t1,
      medianMs, p90Ms: quantile(times, 0.9), runs: times.length, gflops: (2 * macs) / (medianMs * 1e6),
    };
  } catch (e) {
    return { backend: label(provider, backend), status: 'failed', reason: e instanceof Error ? e.message : String(e) };
  } finally {
    if (session) session.dispose();
    else backend?.dispose();
  }
}

export async function benchCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, SPECS, 'bench');
  if (args.options.help) { io.stdout.write(BENCH_HELP); return 0; }
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`, 'bench');
  const file = stringOption(args, 'model') ?? DEFAULT_MODEL_PATH;
  const batch = positiveInt(stringOption(args, 'batch'), 'batch', 1);
  const maxRuns = positiveInt(stringOption(args, 'runs'), 'runs', 30);
  const threads = stringOption(args, 'threads') === undefined ? undefined : positiveInt(stringOption(args, 'threads'), 'threads', 1);
  const maxBytes = byteSizeOption(args, 'max-model-size', 'bench');
  useWasmBuildsOnDisk();
  const graph = await readEimFile(file, { maxBytes });
  const fixed = graph.inputs.find((v) => v.shape[0] !== -1);
  const runBatch = fixed ? fixed.shape[0] : batch;
  const macs = graphMacs(graph, runBatch);
  const rows: BenchRow[] = [];
  for (const provider of withThreads(PROVIDERS, threads)) rows.push(await benchOne(provider, graph, runBatch, maxRuns, macs));

  if (args.options.json) {
    io.stdout.write(`${safeJson({ model: file, name: graph.metadata.name, batch: runBatch, macs, rows }, 2)}\n`);
    return rows.some((r) => r.status === 'ok') ? 0 : 1;
  }
  const ran = rows.filter((r) => r.status === 'ok');
  const fastest = Math.min(...ran.map((r) => r.medianMs!));
  const fmt = (v: number | undefined, digits = 2) => (v === undefined ? '' : v.toFixed(v < 1 ? 3 : digits));
  const table = formatTable(
    ['backend', 'prepare ms', 'first run ms', 'median ms', 'p90 ms', 'runs', 'GFLOP/s', 'vs fastest'],
    ran.map((r) => [r.backend, fmt(r.prepareMs, 1), fmt(r.firstRunMs, 1), fmt(r.medianMs), fmt(r.p90Ms), String(r.runs), fmt(r.gflops),
      r.medianMs === fastest ? 'fastest' : `${(r.medianMs! / fastest).toFixed(2)}x slower`]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
  const notRun = rows.filter((r) => r.status !== 'ok').map((r) => `${r.backend}: ${r.status} (${sanitize(r.reason ?? 'no reason given')})\n`).join('');
  io.stdout.write(`${sanitize(graph.metadata.name ?? file)}: batch ${runBatch}, ${(macs / 1e6).toFixed(1)}M multiply-adds per run\n${table}${notRun}`);
  return rows.some((r) => r.status === 'ok') ? 0 : 1;
}
