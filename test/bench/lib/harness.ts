// The CPU bench before any timing: builds the models, instantiates each runtime (timed: cold start),
// prepares every (model, batch, runtime) case (timed: load and first run), and checks each runtime's
// output against onnxruntime-web's on the same input. A case that is skipped, fails or disagrees is
// kept with its reason and never timed.
import { BackendUnavailableError } from '../../../src/errors.js';
import type { BenchModel } from '../models/catalog.js';
import { benchModels, macsOf } from '../models/catalog.js';
import { argmax } from '../dequantize-mobilenet.js';
import { allRuntimes, type Prepared, type Runtime } from './runtimes.js';
import { compareOutputs, type LatencyStats } from './stats.js';

export interface RuntimeInit {
  readonly runtime: Runtime;
  /** true, or why the runtime cannot run here. */
  readonly status: true | string;
  readonly initMs: number;
}

export interface Case {
  readonly model: BenchModel;
  readonly batch: number;
  readonly runtime: Runtime;
  readonly macs: number;
  state: 'ready' | 'timed' | 'skipped' | 'failed' | 'mismatch';
  note?: string;
  prepared?: Prepared;
  loadMs?: number;
  firstRunMs?: number;
  /** The faster of the second and third runs: sizes the timing loop. */
  estimateMs?: number;
  /** Output check against onnxruntime-web's float model. */
  check?: string;
  /** Timed samples (ms) of each pass. */
  passes: number[][];
  stats?: LatencyStats;
}

export interface BenchSetup {
  readonly models: readonly BenchModel[];
  readonly inits: readonly RuntimeInit[];
  readonly cases: Case[];
  readonly buildMs: number;
}

export interface SetupOptions {
  /** Model ids to run (default all). */
  readonly models?: readonly string[];
  /** Runtime ids to run (default all). */
  readonly runtimes?: readonly string[];
  readonly log?: (line: string) => void;
}

const REFERENCE = 'ort-wasm';

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

export async function setupBench(opts: SetupOptions = {}): Promise<BenchSetup> {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  let models = await benchModels();
  if (opts.models) models = models.filter((m) => opts.models!.includes(m.id));
  const buildMs = performance.now() - t0;
  log(`built ${models.length} models in ${buildMs.toFixed(0)} ms`);

  let runtimes = allRuntimes();
  if (opts.runtimes) runtimes = runtimes.filter((r) => r.id === REFERENCE || opts.runtimes!.includes(r.id));
  // Display order is allRuntimes' order; the reference runs first, its outputs are what the others are checked against.
  const referenceFirst = <T extends { runtime: Runtime }>(xs: readonly T[]) =>
    [...xs].sort((a, b) => Number(b.runtime.id === REFERENCE) - Number(a.runtime.id === REFERENCE));
  const inits: RuntimeInit[] = [];
  for (const { runtime } of referenceFirst(runtimes.map((runtime) => ({ runtime })))) {
    let status: true | string, initMs = 0;
    try {
      const r = await runtime.init();
      if (typeof r === 'string') status = r;
      else { status = true; initMs = r.engineMs; }
    } catch (e) {
      status = `init failed: ${message(e)}`;
    }
    inits.push({ runtime, status, initMs });
    log(`${runtime.label}: ${status === true ? `engine instantiated in ${initMs.toFixed(1)} ms` : status}`);
  }
  inits.sort((a, b) => runtimes.indexOf(a.runtime) - runtimes.indexOf(b.runtime));

  const cases: Case[] = [];
  for (const model of models) {
    for (const batch of model.batches) {
      const macs = macsOf(model.graph, batch);
      const group = inits.filter(({ runtime }) => runtime.applies(model))
        .map(({ runtime }): Case => ({ model, batch, runtime, macs, state: 'ready', passes: [] }));
      cases.push(...group);
      const reference = new Map<string, Float32Array>();
      for (const c of referenceFirst(group)) {
        const status = inits.find((i) => i.runtime === c.runtime)!.status;
        if (status !== true) {
          c.state = 'skipped';
          c.note = status;
          continue;
        }
        await prepareCase(c, reference, log);
      }
    }
  }
  return { models, inits, cases, buildMs };
}

async function prepareCase(c: Case, reference: Map<string, Float32Array>, log: (line: string) => void): Promise<void> {
  const { model, batch, runtime } = c;
  const where = `${model.id} b${batch} ${runtime.label}`;
  try {
    let t = performance.now();
    c.prepared = await runtime.load(model, batch);
    c.loadMs = performance.now() - t;
    t = performance.now();
    const out = await c.prepared.run();
    c.firstRunMs = performance.now() - t;
    // Two more runs size the loop; the faster one, as a load spike on this shared machine can slow either.
    for (let k = 0; k < 2; k++) {
      t = performance.now();
      await c.prepared.run();
      c.estimateMs = Math.min(c.estimateMs ?? Infinity, performance.now() - t);
    }
    if (runtime.id === REFERENCE) {
      reference.set('float', out);
      c.check = 'reference';
    } else {
      const want = reference.get('float');
      if (!want) {
        c.check = 'unchecked (no onnxruntime-web output)';
      } else if (runtime.id === 'ort-wasm-int8') {
        // A different (quantized) network: only the class it picks is comparable.
        const k = want.length / batch;
        const same = argmax(out.subarray(0, k)) === argmax(want.subarray(0, k));
        c.check = same ? 'top-1 = float' : 'top-1 differs';
      } else {
        const { maxAbs, ok } = compareOutputs(out, want);
        c.check = `max|Δ| ${maxAbs.toExponential(1)}`;
        if (!ok) {
          c.state = 'mismatch';
          c.note = `output differs from onnxruntime-web's by up to ${maxAbs.toExponential(2)}`;
        }
      }
    }
    log(`${where}: load ${c.loadMs.toFixed(1)} ms, first run ${c.firstRunMs.toFixed(1)} ms, ${c.check}`);
  } catch (e) {
    // A backend that lacks one of the model's ops is a coverage gap, not a failure of the bench.
    c.state = e instanceof BackendUnavailableError ? 'skipped' : 'failed';
    c.note = message(e);
    log(`${where}: ${c.note}`);
  }
  if (c.state !== 'ready' && c.prepared) {
    await c.prepared.dispose();
    c.prepared = undefined;
  }
}

export interface TimingOptions {
  readonly warmupIterations: number;
  readonly warmupTime: number;
  readonly iterations: number;
  readonly time: number;
}

/**
 * The js reference on big models (MobileNetV2, the CNN at batch 32: over 250 ms a run) gets one pass of a
 * few runs. Only the reference: a wasm engine's first runs are slow until V8 has optimized its code.
 */
export function isHeavy(c: Case): boolean {
  return c.runtime.reference === true && (c.estimateMs ?? 0) > 250;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)));

/**
 * Timing loop of one pass of one case. V8 optimizes wasm only after a number of calls, in the
 * background (slow on a busy machine), so the first pass warms up for 1.5 s and at least 5 calls;
 * later passes only re-warm caches after the other runtimes ran. Each pass times at least 3 runs
 * and at least `passMs`.
 */
export function timingOptions(c: Case, pass: number, passMs: number): TimingOptions {
  if (isHeavy(c)) return { warmupIterations: 1, warmupTime: 0, iterations: 4, time: 0 };
  const est = Math.max(c.estimateMs ?? 1, 1e-3);
  return {
    warmupIterations: pass === 0 ? clamp(1500 / est, 5, 50) : clamp(100 / est, 1, 5),
    warmupTime: pass === 0 ? 1500 : 20,
    iterations: clamp(passMs / est, 3, 10),
    time: passMs,
  };
}
