// Picks the backend a model runs on. `auto`: by provider priority, drop the unavailable and those
// missing an op, time a short trial on each survivor, keep the fastest; a provider with a deferReason
// (a software GPU) is tried only when none of the others works. The decision is cached per
// (model, device). Explicit names skip the trial. Every candidate's fate is reported, with reasons.
// With warm start (load()'s default), a GPU is set aside here and timed in the background (warm-start.ts).
import { checkPrecision, type BackendName, type BackendProvider, type GpuPrecision } from '../backends/backend.js';
import { BackendUnavailableError, InputError } from '../errors.js';
import type { Graph } from '../graph/ir.js';
import { optimize } from '../graph/optimize.js';
import { inferShapes } from '../graph/shapes.js';
import { validateGraph } from '../graph/validate.js';
import { sizeOf } from '../tensor.js';
import { throwIfAborted } from './abort.js';
import { PROVIDERS } from './backends.js';
import { makeDecision, readDecision, writeDecision, type CachedDecision, type DecisionCache } from './decision-cache.js';
import { Session, type Feeds } from './session.js';

export type BackendPreference = 'auto' | BackendName | readonly BackendName[];

/** 'pending': being prepared in the background (warm start); 'lost': failed while running, after it was chosen. */
export type CandidateStatus = 'chosen' | 'slower' | 'unavailable' | 'unsupported' | 'failed' | 'skipped' | 'pending' | 'lost';

export interface Candidate {
  readonly name: BackendName;
  /** The provider's priority; absent when no provider of that name is built in. */
  readonly priority?: number;
  readonly status: CandidateStatus;
  readonly reason?: string;
  /** Median of the timed trial runs at batch 1 (for a cached choice: the median measured back then). */
  readonly medianMs?: number;
}

export interface Selection {
  readonly backend: BackendName;
  /** 'auto': trial run now; 'cached': an earlier trial's choice reused; 'explicit': named by the caller. */
  readonly mode: 'auto' | 'cached' | 'explicit';
  readonly candidates: readonly Candidate[];
  /** 'stale': a cached choice no longer works here (see cacheReason) and was replaced. */
  readonly cache: 'hit' | 'miss' | 'stale' | 'off';
  readonly cacheReason?: string;
  /** Wall time spent choosing (probes, backend creation, trial runs). */
  readonly elapsedMs: number;
  /** Run-time switches away from a lost backend, oldest first. */
  readonly fallbacks?: readonly Fallback[];
  /** Present when a CPU backend answered first while the GPU prepared in the background. */
  readonly warmStart?: WarmStart;
}

/** Every `...Ms` time below counts from the start of the selection. */
export interface Fallback {
  readonly from: BackendName;
  readonly to: BackendName;
  /** The BackendLostError's message. */
  readonly reason: string;
  readonly atMs: number;
}

export interface WarmStart {
  readonly target: BackendName;
  /**
   * 'preparing': still in the background; 'switched': runs go to the target now; 'slower': it was timed
   * slower than the CPU backend, which stays; 'failed': the target candidate says why; 'cancelled': the
   * model was disposed first.
   */
  readonly state: 'preparing' | 'switched' | 'slower' | 'failed' | 'cancelled';
  /** When the CPU backend was ready to answer (load() resolved then). */
  readonly firstReadyMs: number;
  /** When the target had prepared and been timed. */
  readonly targetReadyMs?: number;
  /** When the first run on the target could start (after the runs queued before it). */
  readonly switchedAtMs?: number;
}

/** Optional on a provider: what hardware it would run on (e.g. a GPU adapter), folded into cache keys. */
export interface DescribedProvider extends BackendProvider {
  deviceInfo?(): Promise<string | undefined>;
}

export interface SelectOptions {
  /** Default 'auto'. A name or a list: the first that works, in the caller's order, with no trial. */
  backend?: BackendPreference;
  /** Default: the providers built into this version (runtime/backends.ts). */
  providers?: readonly BackendProvider[];
  /** Where auto decisions are remembered; false or absent: not remembered. */
  cache?: DecisionCache | false;
  /** Identifies the model bytes; without it decisions are not cached. */
  modelHash?: string;
  /** Identifies this device (browser, GPU, CPU); default: defaultDeviceKey(). */
  deviceKey?: () => string | Promise<string>;
  /** Wall-time budget for all trials; a candidate is not started once it is spent (one is always timed). Default 1500. */
  trialBudgetMs?: number;
  /** Timed runs per candidate after one warm-up, fewer when the budget runs out. Default 3. */
  trialRuns?: number;
  /** Run the graph passes first (default true). */
  optimize?: boolean;
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

const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'wasm', 'js'];
/** The backend warm start prepares in the background; the others count as CPU backends. */
const GPU: BackendName = 'webgpu';
const DEFAULT_BUDGET_MS = 1500;
const DEFAULT_RUNS = 3;

export const now = (): number => performance.now();

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

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

type Preference = { readonly mode: 'auto' } | { readonly mode: 'explicit'; readonly names: readonly BackendName[] };

function backendName(v: unknown, where: string): BackendName {
  if (typeof v !== 'string') throw new InputError(`${where} must be a backend name`, { expected: BACKEND_NAMES.join(' | '), received: typeof v });
  if (!(BACKEND_NAMES as readonly string[]).includes(v)) {
    throw new BackendUnavailableError(v, `not a backend of this version of edgeinfer (known: ${BACKEND_NAMES.join(', ')})`);
  }
  return v as BackendName;
}

function parsePreference(v: unknown): Preference {
  if (v === undefined || v === 'auto') return { mode: 'auto' };
  if (Array.isArray(v)) {
    if (v.length === 0) throw new InputError('options.backend is an empty list', { expected: 'at least one backend name' });
    return { mode: 'explicit', names: [...new Set(v.map((x, i) => backendName(x, `options.backend[${i}]`)))] };
  }
  if (typeof v !== 'string') {
    throw new InputError('options.backend must be "auto", a backend name or a list of names', { received: v === null ? 'null' : typeof v });
  }
  return { mode: 'explicit', names: [backendName(v, 'options.backend')] };
}

export function byPriority(providers: readonly BackendProvider[]): BackendProvider[] {
  // Stable: equal priorities keep the order they were given in.
  return providers.map((p, i) => ({ p, i })).sort((a, b) => b.p.priority - a.p.priority || a.i - b.i).map((x) => x.p);
}

const RECURRENT = new Set(['RNN', 'LSTM', 'GRU']);

/**
 * Inputs that feed a recurrent node's sequence_lens, with the full length T of that node's sequence:
 * random values there are not valid lengths (they must be integers in 0..T).
 */
function sequenceLengthInputs(graph: Graph): Map<string, number> {
  const lens = new Map<string, number>();
  const isInput = new Set(graph.inputs.map((v) => v.name));
  const feeding = graph.nodes.filter((n) => RECURRENT.has(n.op) && isInput.has(n.inputs[4] ?? ''));
  if (feeding.length === 0) return lens;
  const shapes = inferShapes(graph, 1);
  for (const n of feeding) lens.set(n.inputs[4], shapes.get(n.inputs[0])![1]);
  return lens;
}

/**
 * Batch-1 inputs of fixed pseudo-random values in [0, 1) (not all zeros, which some kernels short-cut),
 * and valid lengths where lengths are expected; the same every run.
 */
function trialFeeds(session: Session): Feeds {
  let state = 0x2545f491;
  const lengths = sequenceLengthInputs(session.graph);
  const feeds: Feeds = {};
  for (const info of session.inputs) {
    const data = new Float32Array(sizeOf(info.shape.map((d) => (d === -1 ? 1 : d))));
    const length = lengths.get(info.name);
    if (length !== undefined) data.fill(length);
    else for (let i = 0; i < data.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      data[i] = state / 2 ** 32;
    }
    feeds[info.name] = data;
  }
  return feeds;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export type Opened = { readonly session: Session } | { readonly status: 'unavailable' | 'unsupported' | 'failed'; readonly reason: string };

/** The precision a model asks for: f16 when any of its weights is stored as f16. */
export function modelPrecision(graph: Graph): GpuPrecision {
  for (const c of graph.constants.values()) if (c.dtype === 'f16') return 'f16';
  return 'f32';
}

/** Probes, creates the backend, checks op coverage and builds a session; failures become a status and a reason. */
export class Opener {
  private readonly ops: readonly string[];
  constructor(private readonly graph: Graph, readonly signal: AbortSignal | undefined, private readonly precision: GpuPrecision = 'f32') {
    this.ops = [...new Set(graph.nodes.map((n) => n.op))];
  }

  async probe(p: BackendProvider): Promise<true | string> {
    throwIfAborted(this.signal, `probe of backend ${p.name}`);
    try {
      const ok = await p.available();
      return ok === true ? true : String(ok);
    } catch (e) {
      return `its probe threw: ${message(e)}`;
    }
  }

  /** The provider's reason to be tried last in `auto`; a hint that throws counts as none. */
  async deferral(p: BackendProvider): Promise<string | undefined> {
    if (!p.deferReason) return undefined;
    throwIfAborted(this.signal, `probe of backend ${p.name}`);
    try {
      const reason = await p.deferReason();
      return typeof reason === 'string' && reason !== '' ? reason : undefined;
    } catch {
      return undefined;
    }
  }

  /** After a successful probe. The caller owns (and must dispose) the returned session. */
  async open(p: BackendProvider): Promise<Opened> {
    const stage = `creation of backend ${p.name}`;
    throwIfAborted(this.signal, stage);
    let backend;
    try {
      backend = await p.create({ precision: this.precision });
    } catch (e) {
      return { status: 'failed', reason: `create failed: ${message(e)}` };
    }
    const missing = this.ops.filter((op) => !backend.ops.has(op));
    if (missing.length) {
      backend.dispose();
      return { status: 'unsupported', reason: `does not implement ${missing.join(', ')}` };
    }
    let session: Session;
    try {
      session = await Session.create(this.graph, { backend, optimize: false });
    } catch (e) {
      backend.dispose();
      return { status: 'failed', reason: `prepare failed: ${message(e)}` };
    }
    if (this.signal?.aborted) {
      session.dispose();
      throwIfAborted(this.signal, stage);
    }
    return { session };
  }
}

/**
 * Runs `work` while nothing else runs (a LoadedModel's queue), so that a trial in the background times
 * its backend rather than the app's runs on the main thread meanwhile.
 */
export type Exclusive = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * One warm-up run (prepares the batch-1 plan: kernels compiled, weights packed), then up to `runs`
 * timed runs while the deadline allows; at least one is timed. Returns the run times in ms.
 */
async function timeRuns(session: Session, runs: number, deadline: number, signal: AbortSignal | undefined, name: string, exclusive: Exclusive): Promise<number[]> {
  const feeds = trialFeeds(session);
  const stage = `trial of backend ${name}`;
  await session.run(feeds);
  const times: number[] = [];
  while (times.length < runs) {
    const t = await exclusive(async () => {
      throwIfAborted(signal, stage);
      const t0 = now();
      await session.run(feeds);
      return now() - t0;
    });
    times.push(t);
    if (now() + t > deadline) break;
  }
  throwIfAborted(signal, stage);
  return times;
}

function noneWorked(what: string, candidates: readonly Candidate[]): BackendUnavailableError {
  const reasons = candidates.map((c) => `${c.name}${c.priority === undefined ? '' : `@${c.priority}`}: ${c.status}${c.reason ? ` (${c.reason})` : ''}`);
  return new BackendUnavailableError(what, reasons.length ? `no candidate worked: ${reasons.join('; ')}` : 'no backend provider is registered');
}

type Best = { readonly session: Session; readonly index: number; readonly provider: BackendProvider; readonly medianMs: number };

/** Times candidates against one deadline, keeping the session of the fastest so far: the caller owns (and disposes) `best`. */
export class Trials {
  best?: Best;
  readonly deadline: number;
  private readonly runs: number;
  constructor(private readonly opener: Opener, opts: SelectOptions, private readonly exclusive: Exclusive = (work) => work()) {
    this.deadline = now() + (opts.trialBudgetMs ?? DEFAULT_BUDGET_MS);
    this.runs = Math.max(1, Math.floor(opts.trialRuns ?? DEFAULT_RUNS));
  }

  /** Opens and times `p` as candidates[index]; 'slower' unless the caller marks it chosen. */
  async trial(p: BackendProvider, index: number, note?: string): Promise<Candidate> {
    const base = { name: p.name, priority: p.priority, ...(note === undefined ? {} : { reason: note }) };
    const { signal } = this.opener;
    const opened = await this.opener.open(p);
    if (!('session' in opened)) return { ...base, ...opened };
    let times: number[];
    try {
      times = await timeRuns(opened.session, this.runs, this.deadline, signal, p.name, this.exclusive);
    } catch (e) {
      opened.session.dispose();
      throwIfAborted(signal, `trial of backend ${p.name}`);
      return { ...base, status: 'failed', reason: `trial run failed: ${message(e)}` };
    }
    const medianMs = median(times);
    if (!this.best || medianMs < this.best.medianMs) {
      this.best?.session.dispose();
      this.best = { session: opened.session, index, provider: p, medianMs };
    } else {
      opened.session.dispose();
    }
    return { ...base, status: 'slower', medianMs };
  }
}

/** A GPU set aside for warm start: candidates[index], to be timed in the background. */
export interface Later {
  readonly provider: BackendProvider;
  readonly index: number;
}

interface AutoResult { session: Session; candidates: Candidate[]; chosen: BackendProvider; medianMs: number; later: Later[] }

async function runAuto(providers: readonly BackendProvider[], opener: Opener, opts: SelectOptions, warm: boolean): Promise<AutoResult> {
  const budget = opts.trialBudgetMs ?? DEFAULT_BUDGET_MS;
  const trials = new Trials(opener, opts);
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
  const won = trials.best;
  if (!won) throw noneWorked('auto', candidates);
  candidates[won.index] = { ...candidates[won.index], status: 'chosen' };
  return { session: won.session, candidates, chosen: won.provider, medianMs: won.medianMs, later };
}

/** Opens `p` (already probed) and gives it its warm-up run: a ready session, or why not. */
export async function openWarm(p: BackendProvider, opener: Opener): Promise<Opened> {
  const opened = await opener.open(p);
  if (!('session' in opened)) return opened;
  const failure = await warmUp(opened.session, opener.signal, p.name);
  return failure ? { status: 'failed', reason: failure } : opened;
}

/** The first provider in the caller's order that works; its session has had its warm-up run. */
async function runExplicit(names: readonly BackendName[], providers: readonly BackendProvider[], opener: Opener): Promise<{ session: Session; candidates: Candidate[] }> {
  const candidates: Candidate[] = [];
  for (const name of names) {
    const ofName = byPriority(providers.filter((p) => p.name === name));
    if (!ofName.length) candidates.push({ name, status: 'unavailable', reason: 'not built into this version of edgeinfer' });
    for (const p of ofName) {
      const base = { name: p.name, priority: p.priority };
      const ok = await opener.probe(p);
      const opened = ok === true ? await openWarm(p, opener) : { status: 'unavailable' as const, reason: ok };
      if ('session' in opened) {
        candidates.push({ ...base, status: 'chosen' });
        return { session: opened.session, candidates };
      }
      candidates.push({ ...base, ...opened });
    }
  }
  throw noneWorked(names.join(' or '), candidates);
}

/** One untimed run, so a kernel that cannot prepare fails here rather than in the caller's first run. Disposes on failure. */
async function warmUp(session: Session, signal: AbortSignal | undefined, name: string): Promise<string | undefined> {
  try {
    await session.run(trialFeeds(session));
  } catch (e) {
    session.dispose();
    throwIfAborted(signal, `warm-up of backend ${name}`);
    return `first run failed: ${message(e)}`;
  }
  if (signal?.aborted) {
    session.dispose();
    throwIfAborted(signal, `warm-up of backend ${name}`);
  }
  return undefined;
}

/** Revalidates a cached choice: its provider still exists, is available, opens and survives a warm-up run. */
async function reopen(cached: CachedDecision, providers: readonly BackendProvider[], opener: Opener, signal: AbortSignal | undefined): Promise<{ session: Session; candidate: Candidate } | { staleReason: string }> {
  const label = `cached backend ${cached.backend}@${cached.priority}`;
  const p = providers.find((x) => x.name === cached.backend && x.priority === cached.priority);
  if (!p) return { staleReason: `${label} is not provided any more` };
  const ok = await opener.probe(p);
  if (ok !== true) return { staleReason: `${label} unavailable: ${ok}` };
  const opened = await opener.open(p);
  if (!('session' in opened)) return { staleReason: `${label} ${opened.status}: ${opened.reason}` };
  const failure = await warmUp(opened.session, signal, p.name);
  if (failure) return { staleReason: `${label} ${failure}` };
  const candidate: Candidate = {
    name: p.name, priority: p.priority, status: 'chosen', reason: cachedNote(cached), medianMs: cached.medianMs,
  };
  return { session: opened.session, candidate };
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
  /** After the passes. */
  readonly graph: Graph;
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
}

export interface Chosen extends Selected {
  readonly ctx: SelectContext;
  readonly job?: WarmJob;
}

/**
 * selectBackend, plus what a LoadedModel needs to fall back and, with `warm`, a GPU left to prepare in the
 * background (job) while the returned CPU session answers: its owner must run or drop the job.
 */
export async function choose(graph: Graph, options: SelectOptions = {}, warm = false): Promise<Chosen> {
  const started = now();
  // Resolved once, from the weights as stored (the passes may re-store folded ones as f32).
  if (options.precision !== undefined) checkPrecision(options.precision);
  const opts: SelectOptions = { ...options, precision: options.precision ?? modelPrecision(graph) };
  const pref = parsePreference(opts.backend);
  const providers = opts.providers ?? PROVIDERS;
  throwIfAborted(opts.signal, 'backend selection');
  const g = opts.optimize === false ? graph : optimize(graph);
  validateGraph(g);
  const opener = new Opener(g, opts.signal, opts.precision);
  const elapsed = () => now() - started;
  const warming = (): WarmStart => ({ target: GPU, state: 'preparing', firstReadyMs: elapsed() });
  const base = { graph: g, providers, opts, started };

  if (pref.mode === 'explicit') {
    const { session, candidates } = await runExplicit(pref.names, providers, opener);
    return { session, ctx: { ...base, names: pref.names }, selection: { backend: session.backend, mode: 'explicit', candidates, cache: 'off', elapsedMs: elapsed() } };
  }

  const store = opts.cache || undefined;
  const key = store && opts.modelHash !== undefined ? await cacheKey(opts, providers) : undefined;
  const ctx: SelectContext = store && key ? { ...base, cache: { store, key } } : base;
  /** A warm start writes its decision once the GPU has been timed; an early write would keep the GPU out for good. */
  const auto = (r: AutoResult, cache: Selection['cache'], reasons: (string | undefined)[]): Chosen => {
    const job = r.later.length ? { later: r.later, cpu: { name: r.chosen.name, priority: r.chosen.priority, medianMs: r.medianMs } } : undefined;
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
  const written = r.later.length > 0 || await writeDecision(store!, key, makeDecision(r.chosen.name, r.chosen.priority, r.medianMs));
  return auto(r, staleReason ? 'stale' : 'miss', [staleReason, written ? undefined : 'the cache refused the write']);
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
