// Where one inference of a bench model goes on the wasm backend, at 1 thread (the SIMD build) and at N (the
// threaded build with a pool): each prepared step timed on its own (best of 9 rounds after warm-up), whether it
// ran in parallel (a range kernel with at least PAR_MIN_WORK of work: par() splits it) or stayed on the calling
// thread, its compulsory memory traffic (inputs, weights and outputs read or written once), and the sync cost of
// one parallel op (a near-empty one: 2 tasks of a real kernel, split vs not). From these it estimates the
// speed-up at 4 and 8 threads (Amdahl plus sync, and the memory-traffic floor); docs/threads.md explains it.
// Steps run in isolation keep their data in cache, so the sum is a little under a whole run.
// Run: npx tsx bench/profile-wasm.ts [mobilenetv2|cnn|rnn|lstm] [threads=2] [batch=1] [--json FILE]
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { Step } from '../src/backends/backend.js';
import type { RangeKernel } from '../src/backends/wasm/context.js';
import { wasmSimdProvider, wasmThreadsProvider, type WasmBackend } from '../src/backends/wasm/backend.js';
import { useWasmBuildsOnDisk } from '../src/backends/wasm/node-files.js';
import type { WasmTensor } from '../src/backends/wasm/tensor.js';
import type { OpDef } from '../src/ops/op.js';
import { readEim } from '../src/format/reader.js';
import { Session } from '../src/runtime/session.js';
import { benchInputs, benchModels } from './models/catalog.js';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
const [id = 'mobilenetv2', threadsArg = '2', batchArg = '1'] = args;
const threads = Number(threadsArg), batch = Number(batchArg);
const model = (await benchModels()).find((m) => m.id === id);
if (!model) throw new Error(`no bench model ${id} (cnn, mobilenetv2, rnn, lstm)`);
useWasmBuildsOnDisk();

interface ParCall { readonly fn: RangeKernel; readonly tasks: number; readonly work: number; readonly args: readonly number[] }
interface StepRecord {
  readonly op: string;
  readonly kind: string;
  readonly shape: string;
  /** Compulsory traffic: every input (weights included) read once, every output written once. */
  readonly bytes: number;
  readonly step: Step;
  calls: ParCall[];
}

/** A 1x1, depthwise or other conv, or the op's name. */
function kindOf(op: string, attrs: unknown, inputs: readonly (WasmTensor | undefined)[]): string {
  if (op !== 'Conv') return op;
  const a = attrs as { kernel?: number[]; group?: number };
  const cin = inputs[0]?.shape[3];
  if (a.group !== undefined && a.group > 1 && a.group === cin) return 'depthwise conv';
  return a.kernel?.every((k) => k === 1) ? '1x1 conv' : 'other conv';
}

type Mode = 'as-built' | 'serial' | 'parallel';

/** A backend whose prepare() and par() are watched: the steps in order, and the par() calls of the step being timed. */
async function watched(backend: WasmBackend) {
  const steps: StepRecord[] = [];
  let current: StepRecord | undefined;
  let mode: Mode = 'as-built';
  const prepare = backend.prepare.bind(backend);
  backend.prepare = (op: OpDef<any>, inputs, attrs, outputs) => {
    const step = prepare(op, inputs, attrs, outputs);
    const ins = inputs as readonly (WasmTensor | undefined)[], outs = outputs as readonly WasmTensor[];
    const floats = [...ins, ...outs].reduce((n, t) => n + (t?.size ?? 0), 0);
    steps.push({ op: op.name, kind: kindOf(op.name, attrs, ins), shape: `${JSON.stringify(ins[0]?.shape ?? [])} -> ${JSON.stringify(outs[0]?.shape)}`, bytes: 4 * floats, step, calls: [] });
    return step;
  };
  const par = backend.par.bind(backend);
  backend.par = (fn, tasks, work, a) => {
    current?.calls.push({ fn, tasks, work, args: [...a] });
    return par(fn, tasks, mode === 'serial' ? 0 : mode === 'parallel' ? Infinity : work, a);
  };
  const session = await Session.create(readEim(model!.eim), { backend });
  // Opening prepared the default batch's plan; another batch's steps come with its first run (and the arena may move).
  if (batch !== session.prepared.defaultBatch) steps.length = 0;
  const x = benchInputs(model!, batch)[0];
  for (let i = 0; i < 10; i++) await session.run({ [model!.inputName]: x });
  return {
    steps, session, backend,
    /** Best of 9 rounds of `reps` calls of `fn`, in ms per call (other load only adds time). */
    async time(fn: () => unknown, reps: number): Promise<number> {
      for (let r = 0; r < reps; r++) await fn();
      let best = Infinity;
      for (let round = 0; round < 9; round++) {
        const t = performance.now();
        for (let r = 0; r < reps; r++) await fn();
        best = Math.min(best, (performance.now() - t) / reps);
      }
      return best;
    },
    /** Each step alone, in ms, recording its par() calls once. */
    async profile(): Promise<number[]> {
      const ms: number[] = [];
      for (const s of steps) {
        current = s;
        s.calls = [];
        await s.step();
        current = undefined;
        ms.push(await this.time(() => s.step(), 5));
      }
      return ms;
    },
    /** A near-empty parallel op: `call` on its first 2 tasks, split across the threads and not; ms per call. */
    async syncCost(call: ParCall): Promise<{ parallel: number; serial: number; median: number }> {
      const run = (m: Mode) => { mode = m; return backend.par(call.fn, 2, 0, call.args); };
      const parallel = await this.time(() => run('parallel'), 400);
      const serial = await this.time(() => run('serial'), 400);
      // Medians of single calls, alternating, too: on a shared machine the best round hides how often a worker is late.
      const single: Record<'parallel' | 'serial', number[]> = { parallel: [], serial: [] };
      for (let i = 0; i < 800; i++) {
        const m = i % 2 ? 'parallel' : 'serial';
        const t = performance.now();
        await run(m);
        single[m].push(performance.now() - t);
      }
      mode = 'as-built';
      const mid = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
      return { parallel, serial, median: mid(single.parallel) - mid(single.serial) };
    },
  };
}

const one = await watched((await wasmSimdProvider.create()) as WasmBackend);
const many = await watched((await wasmThreadsProvider.withThreads(threads).create()) as WasmBackend);
const load0 = loadavg();
const t1 = await one.profile();
const tn = await many.profile();
const load1 = loadavg();

// Which steps the pool splits: par() calls with more than one task and the backend's threshold of work (PAR_MIN_WORK).
const minWork = (many.backend as unknown as { minParallelWork: number }).minParallelWork;
const rows = many.steps.map((s, i) => {
  const parallel = s.calls.some((c) => c.tasks > 1 && c.work >= minWork);
  const tasks = Math.max(0, ...s.calls.map((c) => c.tasks));
  return { i, name: s.op, kind: s.kind, shape: s.shape, bytes: s.bytes, ms1: t1[i], msN: tn[i], parallel, tasks, work: s.calls.reduce((n, c) => n + c.work, 0), calls: s.calls.length };
});
const sum = (xs: readonly { ms1: number; msN: number }[], k: 'ms1' | 'msN') => xs.reduce((n, r) => n + r[k], 0);
const T1 = sum(rows, 'ms1'), TN = sum(rows, 'msN');
const par = rows.filter((r) => r.parallel), ser = rows.filter((r) => !r.parallel);
const P1 = sum(par, 'ms1'), S1 = sum(ser, 'ms1'), PN = sum(par, 'msN'), SN = sum(ser, 'msN');
const parOps = par.reduce((n, r) => n + r.calls, 0);
const bytes = rows.reduce((n, r) => n + r.bytes, 0);

// Sync cost: 2 tasks of the first parallel depthwise (else any parallel) call.
const probe = many.steps.flatMap((s) => s.calls).find((c) => c.fn.startsWith('dwconv') && c.tasks > 1)
  ?? many.steps.flatMap((s) => s.calls).find((c) => c.tasks > 1);
const sync = probe ? await many.syncCost(probe) : undefined;
const syncMs = sync ? Math.max(0, sync.parallel - sync.serial) : 0;

// Memory traffic: the best bandwidth a split step reached at 1 thread, and at N (a lower bound of what the memory
// system gives; steps that only alias their input move nothing and are left out).
const gbs = (b: number, ms: number) => b / ms / 1e6;
const bw1 = Math.max(...par.map((r) => gbs(r.bytes, r.ms1))), bwN = Math.max(...par.map((r) => gbs(r.bytes, r.msN)));

/** A split step's time at n threads when its tasks are shared evenly: the busiest thread runs ceil(tasks / n) of them. */
function granular(r: (typeof rows)[number], n: number): number {
  return r.ms1 * Math.ceil(r.tasks / n) / r.tasks;
}

/**
 * T(n) = S + P / n + m · c(n): S the steps that stay on one thread, P the split ones at 1 thread, m the parallel ops
 * per inference, c(n) their sync cost, measured at `threads` and assumed to grow with the workers to wake
 * (c(n) = c · (n - 1) / (threads - 1): the calling thread waits for the last one). Floor: every parallel step
 * needs at least its bytes / bandwidth; `bw` the bandwidth all cores together get (an assumption, see the doc).
 */
function estimate(n: number, bw: number): { amdahl: number; withSync: number; withTasks: number; withFloor: number } {
  const cn = syncMs * (n - 1) / Math.max(1, threads - 1);
  const amdahl = T1 / (S1 + P1 / n);
  const withSync = T1 / (S1 + P1 / n + parOps * cn);
  const tasks = par.reduce((t, r) => t + granular(r, n), 0);
  const floor = par.reduce((t, r) => t + Math.max(granular(r, n), r.bytes / (bw * 1e6)), 0);
  return { amdahl, withSync, withTasks: T1 / (S1 + tasks + parOps * cn), withFloor: T1 / (S1 + floor + parOps * cn) };
}

const pct = (v: number, of: number) => `${((100 * v) / of).toFixed(1)}%`;
const f = (v: number) => v.toFixed(3);
console.log(`${model.title}, batch ${batch}, wasm SIMD at 1 thread vs threaded SIMD at ${threads}; Node ${process.version}, ${cpus()[0]?.model} x${cpus().length}`);
console.log(`load average ${load0.map((l) => l.toFixed(1)).join(' ')} before, ${load1.map((l) => l.toFixed(1)).join(' ')} after the per-step timing`);
console.log(`sum of steps: ${f(T1)} ms at 1 thread, ${f(TN)} ms at ${threads} (${(T1 / TN).toFixed(2)}x); ${rows.length} steps, ${parOps} parallel ops per inference`);
console.log(`  split across threads: ${par.length} steps, ${f(P1)} ms at 1 thread (${pct(P1, T1)}), ${f(PN)} ms at ${threads} (${(P1 / PN).toFixed(2)}x)`);
console.log(`  single-threaded:      ${ser.length} steps, ${f(S1)} ms at 1 thread (${pct(S1, T1)}), ${f(SN)} ms at ${threads}`);
const serialKinds = new Map<string, number>();
for (const r of ser) serialKinds.set(r.kind, (serialKinds.get(r.kind) ?? 0) + r.ms1);
console.log(`    of which: ${[...serialKinds].sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${f(ms)}`).join(', ')}`);
if (sync && probe) {
  console.log(`sync cost of one parallel op (${probe.fn}, 2 tasks): best round ${(1000 * sync.parallel).toFixed(1)} µs split vs ${(1000 * sync.serial).toFixed(1)} µs not`
    + ` = ${(1000 * syncMs).toFixed(1)} µs; medians of single calls differ by ${(1000 * sync.median).toFixed(1)} µs; x ${parOps} ops = ${f(parOps * syncMs)} ms per inference`);
}
console.log(`memory traffic (compulsory): ${(bytes / 2 ** 20).toFixed(1)} MiB per inference; best step bandwidth ${bw1.toFixed(1)} GB/s at 1 thread, ${bwN.toFixed(1)} GB/s at ${threads}`);

console.log('\nby kind               1T ms   share   N ms    speed-up  split  MiB');
const kinds = new Map<string, typeof rows>();
for (const r of rows) kinds.set(r.kind, [...(kinds.get(r.kind) ?? []), r]);
for (const [k, rs] of [...kinds].sort((a, b) => sum(b[1], 'ms1') - sum(a[1], 'ms1'))) {
  const a = sum(rs, 'ms1'), b = sum(rs, 'msN');
  console.log(`  ${k.padEnd(18)} ${f(a).padStart(7)} ${pct(a, T1).padStart(6)} ${f(b).padStart(7)} ${(a / b).toFixed(2).padStart(7)}x  ${`${rs.filter((r) => r.parallel).length}/${rs.length}`.padStart(5)}  ${(rs.reduce((n, r) => n + r.bytes, 0) / 2 ** 20).toFixed(1)}`);
}
console.log('\nslowest steps          1T ms    N ms  speed-up  split  tasks  GB/s 1T  GB/s N  shape');
for (const r of [...rows].sort((p, q) => q.ms1 - p.ms1).slice(0, 15)) {
  console.log(`  ${`${r.i} ${r.kind}`.padEnd(20)} ${f(r.ms1).padStart(6)} ${f(r.msN).padStart(7)} ${(r.ms1 / r.msN).toFixed(2).padStart(7)}x  ${r.parallel ? 'yes' : ' no'}  ${String(r.tasks).padStart(5)}  ${gbs(r.bytes, r.ms1).toFixed(1).padStart(7)} ${gbs(r.bytes, r.msN).toFixed(1).padStart(7)}  ${r.shape}`);
}

// Bandwidth for the floor: what the best step reached at N threads, scaled to n as if every core got that much, up
// to a shared ceiling of 4x one core's (an assumption: a laptop's or phone's memory system, not measured here).
console.log('\nestimated speed-up of the sum of steps (T1 / T(n)):');
console.log('  threads  Amdahl  +sync  +sync+tasks  +sync+tasks+memory floor');
const ests: Record<number, ReturnType<typeof estimate>> = {};
for (const n of [2, 4, 8]) {
  const e = ests[n] = estimate(n, Math.min(n, 4) * bw1);
  console.log(`  ${String(n).padStart(7)}  ${e.amdahl.toFixed(2).padStart(6)}x ${e.withSync.toFixed(2).padStart(5)}x  ${e.withTasks.toFixed(2).padStart(10)}x  ${e.withFloor.toFixed(2).padStart(23)}x${n === threads ? `   (measured: ${(T1 / TN).toFixed(2)}x)` : ''}`);
}
console.log(`  limit as n grows: 1 / serial share = ${(T1 / S1).toFixed(2)}x`);

if (jsonFile) {
  writeFileSync(jsonFile, `${JSON.stringify({
    model: model.id, batch, threads, node: process.version, cores: cpus().length, loadBefore: load0, loadAfter: load1,
    T1, TN, P1, S1, PN, SN, parOps, syncMs, sync, bytes, bw1, bwN, estimates: ests, rows,
  }, null, 2)}\n`);
}
one.session.dispose();
many.session.dispose();
