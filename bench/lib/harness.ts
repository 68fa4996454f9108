// The CPU bench before any timing: builds the models, instantiates each runtime (timed: cold start),
// prepares every (model, batch, runtime) case (timed: load and first run), and checks each runtime's
// output against onnxruntime-web's on the same input. A case that is skipped, fails or disagrees is
// kept with its reason and never timed.
import { BackendUnavailableError } from '../../src/errors.js';
import type { BenchModel } from '../models/catalog.js';
import { benchModels, macsOf } from '../models/catalog.js';
import { argmax } from '../dequantize-mobilenet.js';
import { allRuntimes, type MemoryUse, type Prepared, type Runtime } from './runtimes.js';
import { compareOutputs, type LatencyStats } from './stats.js';
import { HEAVY_MS, timingPlan, type TimingOptions } from './timing.js';
import { WasmMemoryProbe } from './wasm-memory.js';

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
  /** Linear memory the case holds, after loading and its first runs (see MemoryUse). */
  memory?: MemoryUse;
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

/** Whose engine (and so whose wasm memory) a runtime uses. */
const engineOf = (r: Runtime) => r.sharesEngineWith ?? r.id;

export async function setupBench(opts: SetupOptions = {}): Promise<BenchSetup> {
  const log = opts.log ?? (() => {});
  const probe = new WasmMemoryProbe();
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
      const r = await probe.during(engineOf(runtime), () => runtime.init());
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
        await prepareCase(c, reference, probe, log);
      }
    }
  }
  return { models, inits, cases, buildMs };
}

async function prepareCase(c: Case, reference: Map<string, Float32Array>, probe: WasmMemoryProbe,
  log: (line: string) => void): Promise<void> {
  const { model, batch, runtime } = c;
  const where = `${model.id} b${batch} ${runtime.label}`;
  const engine = engineOf(runtime);
  const heapBefore = probe.bytes(engine) ?? 0;
  try {
    let t = performance.now();
    const prepared = c.prepared = await probe.during(engine, () => runtime.load(model, batch));
    c.loadMs = performance.now() - t;
    t = performance.now();
    const out = await prepared.run();
    c.firstRunMs = performance.now() - t;
    // Two more runs size the loop; the faster one, as a load spike on this shared machine can slow either.
    for (let k = 0; k < 2; k++) {
      t = performance.now();
      await prepared.run();
      c.estimateMs = Math.min(c.estimateMs ?? Infinity, performance.now() - t);
    }
    const heap = probe.bytes(engine);
    c.memory = prepared.memory?.() ?? (heap === undefined ? undefined : { bytes: heap - heapBefore, heapBytes: heap });
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
    if (prepared.detail) c.check = `${c.check}; ${prepared.detail}`;
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

/**
 * The js reference on big models (MobileNetV2, the CNN at batch 32: over 250 ms a run) gets one pass of a
 * few runs. Only the reference: a wasm engine's first runs are slow until V8 has optimized its code.
 */
export function isHeavy(c: Case): boolean {
  return c.runtime.reference === true && (c.estimateMs ?? 0) > HEAVY_MS;
}

/** Timing loop of one pass of one case (see timing.ts). */
export function timingOptions(c: Case, pass: number, passMs: number): TimingOptions {
  return timingPlan(c.estimateMs, isHeavy(c), pass, passMs);
}
