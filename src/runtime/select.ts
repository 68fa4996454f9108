// Picks the backend a model runs on. `auto`: by provider priority, drop the unavailable and those
// missing an op, time a short trial on each survivor, keep the fastest; a provider with a deferReason
// (a software GPU) is tried only when none of the others works. The decision is cached per
// (model, device). Explicit names skip the trial. Every candidate's fate is reported, with reasons.
import type { BackendName, BackendProvider } from '../backends/backend.js';
import { BackendUnavailableError, InputError } from '../errors.js';
import type { Graph } from '../graph/ir.js';
import { optimize } from '../graph/optimize.js';
import { validateGraph } from '../graph/validate.js';
import { sizeOf } from '../tensor.js';
import { throwIfAborted } from './abort.js';
import { PROVIDERS } from './backends.js';
import { makeDecision, readDecision, writeDecision, type CachedDecision, type DecisionCache } from './decision-cache.js';
import { Session, type Feeds } from './session.js';

export type BackendPreference = 'auto' | BackendName | readonly BackendName[];

export type CandidateStatus = 'chosen' | 'slower' | 'unavailable' | 'unsupported' | 'failed' | 'skipped';

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
  signal?: AbortSignal;
}

export interface Selected {
  readonly session: Session;
  readonly selection: Selection;
}

const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'wasm', 'js'];
const DEFAULT_BUDGET_MS = 1500;
const DEFAULT_RUNS = 3;

const now = (): number => performance.now();

function message(e: unknown): string {
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

function byPriority(providers: readonly BackendProvider[]): BackendProvider[] {
  // Stable: equal priorities keep the order they were given in.
  return providers.map((p, i) => ({ p, i })).sort((a, b) => b.p.priority - a.p.priority || a.i - b.i).map((x) => x.p);
}

/** Batch-1 inputs of fixed pseudo-random values in [0, 1): not all zeros, which some kernels short-cut. */
function trialFeeds(session: Session): Feeds {
  let state = 0x2545f491;
  const feeds: Feeds = {};
  for (const info of session.inputs) {
    const data = new Float32Array(sizeOf(info.shape.map((d) => (d === -1 ? 1 : d))));
    for (let i = 0; i < data.length; i++) {
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

type Opened = { readonly session: Session } | { readonly status: 'unavailable' | 'unsupported' | 'failed'; readonly reason: string };

/** Probes, creates the backend, checks op coverage and builds a session; failures become a status and a reason. */
class Opener {
  private readonly ops: readonly string[];
  constructor(private readonly graph: Graph, private readonly signal: AbortSignal | undefined) {
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
      backend = await p.create();
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
 * One warm-up run (prepares the batch-1 plan: kernels compiled, weights packed), then up to `runs`
 * timed runs while the deadline allows; at least one is timed. Returns the run times in ms.
 */
async function timeRuns(session: Session, runs: number, deadline: number, signal: AbortSignal | undefined, name: string): Promise<number[]> {
  const feeds = trialFeeds(session);
  const stage = `trial of backend ${name}`;
  await session.run(feeds);
  const times: number[] = [];
  while (times.length < runs) {
    throwIfAborted(signal, stage);
    const t0 = now();
    await session.run(feeds);
    const t = now() - t0;
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

async function runAuto(providers: readonly BackendProvider[], opener: Opener, opts: SelectOptions): Promise<{ session: Session; candidates: Candidate[]; chosen: BackendProvider; medianMs: number }> {
  const budget = opts.trialBudgetMs ?? DEFAULT_BUDGET_MS;
  const runs = Math.max(1, Math.floor(opts.trialRuns ?? DEFAULT_RUNS));
  const deadline = now() + budget;
  const candidates: Candidate[] = [];
  const deferred: { provider: BackendProvider; index: number; reason: string }[] = [];
  // In an object, not a `let`: trial() (a closure) replaces it, which control-flow narrowing cannot see.
  const kept: { best?: { session: Session; index: number; provider: BackendProvider; medianMs: number } } = {};

  /** Opens and times `p` as candidates[index]; keeps its session while it is the fastest so far. */
  const trial = async (p: BackendProvider, index: number, note?: string): Promise<Candidate> => {
    const base = { name: p.name, priority: p.priority, ...(note === undefined ? {} : { reason: note }) };
    const opened = await opener.open(p);
    if (!('session' in opened)) return { ...base, ...opened };
    let times: number[];
    try {
      times = await timeRuns(opened.session, runs, deadline, opts.signal, p.name);
    } catch (e) {
      opened.session.dispose();
      throwIfAborted(opts.signal, `trial of backend ${p.name}`);
      return { ...base, status: 'failed', reason: `trial run failed: ${message(e)}` };
    }
    const medianMs = median(times);
    if (!kept.best || medianMs < kept.best.medianMs) {
      kept.best?.session.dispose();
      kept.best = { session: opened.session, index, provider: p, medianMs };
    } else {
      opened.session.dispose();
    }
    return { ...base, status: 'slower', medianMs };
  };

  try {
    for (const p of byPriority(providers)) {
      const base = { name: p.name, priority: p.priority };
      const ok = await opener.probe(p);
      if (ok !== true) {
        candidates.push({ ...base, status: 'unavailable', reason: ok });
        continue;
      }
      const later = await opener.deferral(p);
      if (later !== undefined) {
        deferred.push({ provider: p, index: candidates.length, reason: later });
        candidates.push({ ...base, status: 'skipped', reason: later });
        continue;
      }
      if (kept.best && now() >= deadline) {
        candidates.push({ ...base, status: 'skipped', reason: `the ${budget} ms trial budget was spent` });
        continue;
      }
      candidates.push(await trial(p, candidates.length));
    }
    // A slow backend beats none: the deferred ones run only when every other candidate failed.
    for (const d of kept.best ? [] : deferred) {
      candidates[d.index] = await trial(d.provider, d.index, `${d.reason}; tried as no other backend worked`);
      if (kept.best) break;
    }
  } catch (e) {
    kept.best?.session.dispose();
    throw e;
  }
  const won = kept.best;
  if (!won) throw noneWorked('auto', candidates);
  candidates[won.index] = { ...candidates[won.index], status: 'chosen' };
  return { session: won.session, candidates, chosen: won.provider, medianMs: won.medianMs };
}

/** The first provider in the caller's order that works; its session has had its warm-up run. */
async function runExplicit(names: readonly BackendName[], providers: readonly BackendProvider[], opener: Opener, signal: AbortSignal | undefined): Promise<{ session: Session; candidates: Candidate[] }> {
  const candidates: Candidate[] = [];
  for (const name of names) {
    const ofName = byPriority(providers.filter((p) => p.name === name));
    if (!ofName.length) candidates.push({ name, status: 'unavailable', reason: 'not built into this version of edgeinfer' });
    for (const p of ofName) {
      const base = { name: p.name, priority: p.priority };
      const ok = await opener.probe(p);
      if (ok !== true) {
        candidates.push({ ...base, status: 'unavailable', reason: ok });
        continue;
      }
      const opened = await opener.open(p);
      if (!('session' in opened)) {
        candidates.push({ ...base, ...opened });
        continue;
      }
      const failure = await warmUp(opened.session, signal, p.name);
      if (failure) {
        candidates.push({ ...base, status: 'failed', reason: failure });
        continue;
      }
      candidates.push({ ...base, status: 'chosen' });
      return { session: opened.session, candidates };
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
    name: p.name, priority: p.priority, status: 'chosen', reason: `cached decision of ${new Date(cached.savedAt).toISOString()}`, medianMs: cached.medianMs,
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
  return `${opts.modelHash}|${device}|${set.join(',')}`;
}

/**
 * Chooses a backend for `graph` and returns a ready session on it (its batch-1 plan prepared) with
 * the report of how it was chosen. Throws BackendUnavailableError when nothing can run the model,
 * AbortError when `signal` fires, and the graph's own errors (GraphError, UnsupportedOpError).
 */
export async function selectBackend(graph: Graph, opts: SelectOptions = {}): Promise<Selected> {
  const started = now();
  const pref = parsePreference(opts.backend);
  const providers = opts.providers ?? PROVIDERS;
  throwIfAborted(opts.signal, 'backend selection');
  const g = opts.optimize === false ? graph : optimize(graph);
  validateGraph(g);
  const opener = new Opener(g, opts.signal);
  const elapsed = () => now() - started;

  if (pref.mode === 'explicit') {
    const { session, candidates } = await runExplicit(pref.names, providers, opener, opts.signal);
    return { session, selection: { backend: session.backend, mode: 'explicit', candidates, cache: 'off', elapsedMs: elapsed() } };
  }

  const cache = opts.cache || undefined;
  if (!cache || opts.modelHash === undefined) {
    const r = await runAuto(providers, opener, opts);
    const cacheReason = cache ? 'no model hash to key the decision' : undefined;
    return { session: r.session, selection: { backend: r.session.backend, mode: 'auto', candidates: r.candidates, cache: 'off', cacheReason, elapsedMs: elapsed() } };
  }

  const key = await cacheKey(opts, providers);
  const cached = await readDecision(cache, key);
  let staleReason: string | undefined;
  if (cached) {
    const reuse = await reopen(cached, providers, opener, opts.signal);
    if ('session' in reuse) {
      const { session, candidate } = reuse;
      return { session, selection: { backend: session.backend, mode: 'cached', candidates: [candidate], cache: 'hit', elapsedMs: elapsed() } };
    }
    staleReason = reuse.staleReason;
  }
  const r = await runAuto(providers, opener, opts);
  const written = await writeDecision(cache, key, makeDecision(r.chosen.name, r.chosen.priority, r.medianMs));
  const cacheReason = [staleReason, written ? undefined : 'the cache refused the write'].filter((s) => s).join('; ') || undefined;
  return {
    session: r.session,
    selection: { backend: r.session.backend, mode: 'auto', candidates: r.candidates, cache: staleReason ? 'stale' : 'miss', cacheReason, elapsedMs: elapsed() },
  };
}
