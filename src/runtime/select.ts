// Picks the backend a model runs on. `auto`: by provider priority, drop the unavailable and those
// missing an op, time a short trial on each survivor, keep the fastest; a provider with a deferReason
// (a software GPU) is tried only when none of the others works. The decision is cached per (model,
// device). Explicit names skip the trial. Every candidate's fate is reported, with reasons (report.ts);
// opening and timing are trials.ts's. With warm start (load()'s default), a GPU is set aside here and
// timed in the background (warm-start.ts). The model is prepared once, here, for every candidate.
import { checkPrecision, type BackendName, type BackendProvider, type GpuPrecision } from '../backends/backend.js';
import type { Graph } from '../graph/ir.js';
import { PreparedGraph } from '../graph/prepared.js';
import { throwIfAborted } from './abort.js';
import { byPriority, firstWorking, PROVIDERS, withThreads } from './backends.js';
import { makeDecision, readDecision, writeDecision, type CachedDecision, type DecisionCache } from './decision-cache.js';
import type { RunQueue } from './queue.js';
import {
  BACKEND_NAMES, noneWorked, now, parsePreference, type BackendPreference, type Candidate, type Selection, type WarmStart,
} from './report.js';
import type { Session } from './session.js';
import { Opener, Trials, warmUp, type TrialOptions } from './trials.js';
import type { Reference } from './verify.js';

export type {
  BackendPreference, Candidate, CandidateStatus, Fallback, Selection, WarmStart,
} from './report.js';
export { byPriority } from './backends.js';

/** Optional on a provider: what hardware it would run on (e.g. a GPU adapter), folded into cache keys. */
export interface DescribedProvider extends BackendProvider {
  deviceInfo?(): Promise<string | undefined>;
}

export interface SelectOptions extends TrialOptions {
  /** Default 'auto'. A name or a list: the first that works, in the caller's order, with no trial. */
  backend?: BackendPreference;
  /** Default: the providers built into this version (runtime/backends.ts). */
  providers?: readonly BackendProvider[];
  /**
   * Threads of the threaded wasm build (the calling one included): 'auto' (default) is the cores, at most 4;
   * `auto` selection times it against the single-threaded build and keeps the faster, a named 'wasm' takes
   * it first. 1: no threads. Threads need a cross-origin isolated page in browsers (the selection says so).
   */
  threads?: 'auto' | number;
  /** Where auto decisions are remembered; false or absent: not remembered. */
  cache?: DecisionCache | false;
  /** Identifies the model bytes; without it decisions are not cached. */
  modelHash?: string;
  /** Identifies this device (browser, GPU, CPU); default: defaultDeviceKey(). */
  deviceKey?: () => string | Promise<string>;
  /**
   * With a backend name or list: check the backend's answer to a seeded input against a more trusted backend's
   * (a GPU against wasm, wasm against js) before using it; one that disagrees is passed over as 'failed', with
   * the measured difference. `auto` always checks its candidates against the first CPU backend it times.
   */
  verify?: boolean;
  /**
   * How the GPU backend stores weights and activations ('f16': half the memory and bandwidth, math in
   * f32). Default: 'f16' when the model's weights are stored as f16 (`edgeinfer convert --weights f16`),
   * else 'f32'. The CPU backends always run f32.
   */
  precision?: GpuPrecision;
  signal?: AbortSignal;
}

export interface Selected {
  readonly session: Session;
  readonly selection: Selection;
}

/** The backend warm start prepares in the background; the others count as CPU backends. */
const GPU: BackendName = 'webgpu';

/** A browser's user agent, or Node's version and platform: timings differ between them. */
export function defaultDeviceKey(): string {
  const g = globalThis as {
    process?: { version?: string; platform?: string; arch?: string; versions?: { node?: string } };
    navigator?: { userAgent?: string; hardwareConcurrency?: number };
  };
  if (g.process?.versions?.node) return `node-${g.process.version}-${g.process.platform}-${g.process.arch}`;
  const nav = g.navigator;
  if (nav?.userAgent) return `${nav.userAgent}|cores=${nav.hardwareConcurrency ?? '?'}`;
  return 'unknown-device';
}

/** The precision a model asks for: f16 when any of its weights is stored as f16. */
export function modelPrecision(graph: Graph): GpuPrecision {
  for (const c of graph.constants.values()) if (c.dtype === 'f16') return 'f16';
  return 'f32';
}

/** A GPU set aside for warm start: candidates[index], to be timed in the background. */
export interface Later {
  readonly provider: BackendProvider;
  readonly index: number;
}

interface AutoResult { session: Session; candidates: Candidate[]; chosen: BackendProvider; medianMs: number; later: Later[]; reference?: Reference }

async function runAuto(providers: readonly BackendProvider[], opener: Opener, opts: SelectOptions, warm: boolean): Promise<AutoResult> {
  const trials = new Trials(opener, opts);
  const budget = trials.budgetMs;
  const candidates: Candidate[] = [];
  const deferred: { provider: BackendProvider; index: number; reason: string }[] = [];
  const later: Later[] = [];
  try {
    for (const p of byPriority(providers)) {
      const base = { name: p.name, priority: p.priority };
      const ok = await opener.probe(p);
      if (ok !== true) {
        candidates.push({ ...base, status: 'unavailable', reason: ok });
        continue;
      }
      const defer = await opener.deferral(p);
      if (defer !== undefined) {
        deferred.push({ provider: p, index: candidates.length, reason: defer });
        candidates.push({ ...base, status: 'skipped', reason: defer });
        continue;
      }
      if (warm && p.name === GPU) {
        later.push({ provider: p, index: candidates.length });
        candidates.push({ ...base, status: 'pending', reason: 'prepared in the background' });
        continue;
      }
      if (trials.best && now() >= trials.deadline) {
        candidates.push({ ...base, status: 'skipped', reason: `the ${budget} ms trial budget was spent` });
        continue;
      }
      candidates.push(await trials.trial(p, candidates.length));
    }
    // No CPU backend works: the GPU is timed now after all.
    for (const l of trials.best ? [] : later.splice(0)) candidates[l.index] = await trials.trial(l.provider, l.index);
    // A slow backend beats none: the deferred ones run only when every other candidate failed.
    for (const d of trials.best ? [] : deferred) {
      candidates[d.index] = await trials.trial(d.provider, d.index, `${d.reason}; tried as no other backend worked`);
      if (trials.best) break;
    }
  } catch (e) {
    trials.best?.session.dispose();
    throw e;
  }
  for (const [i, reason] of trials.rejected) candidates[i] = { ...candidates[i], status: 'failed', reason };
  const won = trials.best;
  if (!won) throw noneWorked('auto', candidates);
  candidates[won.index] = { ...candidates[won.index], status: 'chosen' };
  return { session: won.session, candidates, chosen: won.provider, medianMs: won.medianMs, later, reference: trials.reference };
}

/** The first provider in the caller's order that works; its session has had its warm-up run. */
async function runExplicit(names: readonly BackendName[], providers: readonly BackendProvider[], opener: Opener,
  verify = false): Promise<{ session: Session; candidates: Candidate[] }> {
  const { value, candidates } = await firstWorking(names, providers, (p) => opener.probeAndOpen(p, verify ? providers : undefined));
  return { session: value, candidates };
}

/** Revalidates a cached choice: its provider still exists, is available, opens and survives a warm-up run. */
async function reopen(cached: CachedDecision, providers: readonly BackendProvider[], opener: Opener, signal: AbortSignal | undefined): Promise<{ session: Session; candidate: Candidate } | { staleReason: string }> {
  const label = `cached backend ${cached.backend}@${cached.priority}`;
  const p = providers.find((x) => x.name === cached.backend && x.priority === cached.priority);
  if (!p) return { staleReason: `${label} is not provided any more` };
  const ok = await opener.probe(p);
  if (ok !== true) return { staleReason: `${label} unavailable: ${ok}` };
  const opened = await opener.open(p);
  if (!('value' in opened)) return { staleReason: `${label} ${opened.status}: ${opened.reason}` };
  const warm = await warmUp(opened.value, signal, p.name);
  if ('failure' in warm) return { staleReason: `${label} ${warm.failure}` };
  const candidate: Candidate = {
    name: p.name, priority: p.priority, status: 'chosen', reason: cachedNote(cached), medianMs: cached.medianMs,
  };
  return { session: opened.value, candidate };
}

async function cacheKey(opts: SelectOptions, providers: readonly BackendProvider[]): Promise<string> {
  const device = await (opts.deviceKey ?? defaultDeviceKey)();
  const set = await Promise.all(byPriority(providers).map(async (p) => {
    let info: string | undefined;
    try {
      info = await (p as DescribedProvider).deviceInfo?.();
    } catch {
      info = undefined;
    }
    return `${p.name}@${p.priority}${info ? `(${info})` : ''}`;
  }));
  // f16 runs are timed apart from f32 ones; f32 keys keep their old form, so earlier decisions stay valid.
  const model = opts.precision === 'f16' ? `${opts.modelHash}|f16` : opts.modelHash;
  return `${model}|${device}|${set.join(',')}`;
}

/** What run-time fallback (fallback.ts) and warm start (warm-start.ts) need from the selection that made a session. */
export interface SelectContext {
  /** The model, prepared once for every candidate (after the passes). */
  readonly prepared: PreparedGraph;
  /** The queue of the sessions opened for the model: its owner's (a LoadedModel's), or each its own. */
  readonly queue?: RunQueue;
  readonly providers: readonly BackendProvider[];
  /** The caller's list in explicit mode; undefined in auto. */
  readonly names?: readonly BackendName[];
  readonly opts: SelectOptions;
  /** performance.now() when the selection started: the origin of every `...Ms` time of a Selection. */
  readonly started: number;
  /** Where the final choice of a warm start is remembered. */
  readonly cache?: { readonly store: DecisionCache; readonly key: string };
}

/** The background half of a warm start: GPU providers to time, and the CPU backend answering meanwhile. */
export interface WarmJob {
  readonly later: readonly Later[];
  /** The CPU backend's trial median to beat; undefined (a cached GPU choice): the GPU wins when it works. */
  readonly cpu: { readonly name: BackendName; readonly priority: number; readonly medianMs?: number };
  /** Kept as the GPU candidate's reason (a cached decision's date). */
  readonly note?: string;
  /** The CPU trial's answer, which the GPU's must agree with (verify.ts); absent for a cached choice. */
  readonly reference?: Reference;
  /** Why the CPU backend must not be written as the decision: a better one failed in the trial. */
  readonly unwritten?: string;
}

export interface Chosen extends Selected {
  readonly ctx: SelectContext;
  readonly job?: WarmJob;
}

/**
 * selectBackend, plus what a LoadedModel needs to fall back and, with `warm`, a GPU left to prepare in the
 * background (job) while the returned CPU session answers: its owner must run or drop the job.
 */
export async function choose(graph: Graph, options: SelectOptions = {}, warm = false, queue?: RunQueue): Promise<Chosen> {
  const started = now();
  // Resolved once, from the weights as stored (the passes may re-store folded ones as f32).
  if (options.precision !== undefined) checkPrecision(options.precision);
  const opts: SelectOptions = { ...options, precision: options.precision ?? modelPrecision(graph) };
  const pref = parsePreference(opts.backend);
  const providers = withThreads(opts.providers ?? PROVIDERS, opts.threads);
  throwIfAborted(opts.signal, 'backend selection');
  const prepared = PreparedGraph.build(graph);
  const opener = new Opener(prepared, opts.signal, opts.precision, queue);
  const elapsed = () => now() - started;
  const warming = (): WarmStart => ({ target: GPU, state: 'preparing', firstReadyMs: elapsed() });
  const base = { prepared, queue, providers, opts, started };

  if (pref.mode === 'explicit') {
    const { session, candidates } = await runExplicit(pref.names, providers, opener, opts.verify === true);
    return { session, ctx: { ...base, names: pref.names }, selection: { backend: session.backend, mode: 'explicit', candidates, cache: 'off', elapsedMs: elapsed() } };
  }

  const store = opts.cache || undefined;
  const key = store && opts.modelHash !== undefined ? await cacheKey(opts, providers) : undefined;
  const ctx: SelectContext = store && key ? { ...base, cache: { store, key } } : base;
  /** A warm start writes its decision once the GPU has been timed; an early write would keep the GPU out for good. */
  const auto = (r: AutoResult, cache: Selection['cache'], reasons: (string | undefined)[]): Chosen => {
    const job = r.later.length ? { later: r.later, cpu: { name: r.chosen.name, priority: r.chosen.priority, medianMs: r.medianMs }, reference: r.reference, unwritten: failedAbove(r) } : undefined;
    const cacheReason = reasons.filter((x) => x).join('; ') || undefined;
    const selection: Selection = { backend: r.session.backend, mode: 'auto', candidates: r.candidates, cache, cacheReason, elapsedMs: elapsed() };
    return { session: r.session, ctx, job, selection: job ? { ...selection, warmStart: warming() } : selection };
  };
  if (!key) {
    return auto(await runAuto(providers, opener, opts, warm), 'off', [store ? 'no model hash to key the decision' : undefined]);
  }

  const cached = await readDecision(store!, key);
  let staleReason: string | undefined;
  if (cached) {
    const early = warm && cached.backend === GPU ? await cpuFirst(cached, ctx, opener) : undefined;
    if (early) return { ...early, selection: { ...early.selection, elapsedMs: elapsed(), warmStart: warming() } };
    const reuse = await reopen(cached, providers, opener, opts.signal);
    if ('session' in reuse) {
      const { session, candidate } = reuse;
      return { session, ctx, selection: { backend: session.backend, mode: 'cached', candidates: [candidate], cache: 'hit', elapsedMs: elapsed() } };
    }
    staleReason = reuse.staleReason;
  }
  const r = await runAuto(providers, opener, opts, warm);
  const unwritten = failedAbove(r);
  const written = r.later.length > 0 || (!unwritten && await writeDecision(store!, key, makeDecision(r.chosen.name, r.chosen.priority, r.medianMs)));
  return auto(r, staleReason ? 'stale' : 'miss', [staleReason, unwritten || (written ? undefined : 'the cache refused the write')]);
}

/** A choice made because a better backend failed (e.g. its files 404) must not outlive the failure: why not to write it. */
function failedAbove(r: AutoResult): string | undefined {
  return notWritten(r.candidates.find((c) => c.status === 'failed' && (c.priority ?? -Infinity) > r.chosen.priority));
}

export function notWritten(failed: Candidate | undefined): string | undefined {
  return failed && `not written: ${failed.name}@${failed.priority} failed (${failed.reason})`;
}

function cachedNote(cached: CachedDecision): string {
  return `cached decision of ${new Date(cached.savedAt).toISOString()}`;
}

/**
 * Warm start on a cached GPU choice: when the GPU still probes fine, the first CPU backend that opens
 * answers now and the GPU prepares in the background; undefined (no CPU backend works): the usual reopen.
 */
async function cpuFirst(cached: CachedDecision, ctx: SelectContext, opener: Opener): Promise<Chosen | undefined> {
  const gpu = ctx.providers.find((x) => x.name === cached.backend && x.priority === cached.priority);
  if (!gpu || (await opener.probe(gpu)) !== true) return undefined;
  let cpu;
  try {
    cpu = await runExplicit(BACKEND_NAMES.filter((n) => n !== GPU), ctx.providers, opener);
  } catch (e) {
    throwIfAborted(opener.signal, 'backend selection');
    return undefined;
  }
  const chosen = cpu.candidates.at(-1)!;
  const pending: Candidate = { name: gpu.name, priority: gpu.priority, status: 'pending', reason: cachedNote(cached), medianMs: cached.medianMs };
  return {
    session: cpu.session,
    ctx,
    job: { later: [{ provider: gpu, index: 0 }], cpu: { name: chosen.name, priority: chosen.priority! }, note: pending.reason },
    selection: { backend: cpu.session.backend, mode: 'cached', candidates: [pending, ...cpu.candidates], cache: 'hit', elapsedMs: 0 },
  };
}

/**
 * Chooses a backend for `graph` and returns a ready session on it (its batch-1 plan prepared) with
 * the report of how it was chosen. Throws BackendUnavailableError when nothing can run the model,
 * AbortError when `signal` fires, and the graph's own errors (GraphError, UnsupportedOpError).
 * It never warm-starts (that takes an owner to switch sessions: load()'s LoadedModel).
 */
export async function selectBackend(graph: Graph, opts: SelectOptions = {}): Promise<Selected> {
  const { session, selection } = await choose(graph, opts);
  return { session, selection };
}
