// Opening a provider on a prepared model and timing it: the machinery of backend selection (select.ts),
// warm start (warm-start.ts) and fallback (fallback.ts). Probe failures, missing ops and failed runs
// become a candidate status with a reason, never an exception (aborts excepted).
import type { BackendProvider, GpuPrecision } from '../backends/backend.js';
import { BackendUnavailableError } from '../errors.js';
import type { PreparedGraph } from '../graph/prepared.js';
import { sizeOf } from '../tensor.js';
import { throwIfAborted } from './abort.js';
import { probe, type Attempt } from './backends.js';
import type { RunQueue } from './queue.js';
import { message, now, type Candidate } from './report.js';
import { disagreement, TRUST, type Reference } from './verify.js';
import { Session, type Feeds } from './session.js';

const DEFAULT_BUDGET_MS = 1500;
/**
 * Trials run in the runtime's layout, as the classifiers do: the plan they prepare is the one classify()
 * uses, and the source layout's edge transposes (only for callers of run() in that layout) are not timed.
 */
const IR = { layout: 'ir' } as const;
const DEFAULT_RUNS = 3;

export interface TrialOptions {
  /** Wall-time budget for all trials; a candidate is not started once it is spent (one is always timed). Default 1500. */
  trialBudgetMs?: number;
  /** Timed runs per candidate after one warm-up, fewer when the budget runs out. Default 3. */
  trialRuns?: number;
}

export type Opened = Attempt<Session>;

/**
 * Inputs that hold lengths (an op's lengthInput, e.g. RNN's sequence_lens), with the largest valid
 * length: random values there are not valid lengths.
 */
function lengthInputs(prepared: PreparedGraph): Map<string, number> {
  const lens = new Map<string, number>();
  const isInput = new Set(prepared.graph.inputs.map((v) => v.name));
  const plan = prepared.plan(1, 'ir');
  plan.nodes.forEach(({ node, op, inputs }) => {
    const spec = op.lengthInput;
    const of = spec && inputs[spec.of];
    if (!spec || !isInput.has(node.inputs[spec.index] ?? '') || of?.kind !== 'value') return;
    lens.set(node.inputs[spec.index], plan.values[of.id].shape[spec.axis]);
  });
  return lens;
}

/**
 * Batch-1 inputs of fixed pseudo-random values in [0, 1) (not all zeros, which some kernels short-cut),
 * and valid lengths where lengths are expected; the same every run.
 */
export function trialFeeds(session: Session): Feeds {
  let state = 0x2545f491;
  const lengths = lengthInputs(session.prepared);
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

/** Probes, creates the backend and opens a session on the prepared model; failures become a status and a reason. */
export class Opener {
  constructor(
    readonly prepared: PreparedGraph,
    readonly signal: AbortSignal | undefined,
    private readonly precision: GpuPrecision = 'f32',
    /** The queue of the sessions opened here: their owner's, or each its own. */
    private readonly queue?: RunQueue,
  ) {}

  async probe(p: BackendProvider): Promise<true | string> {
    throwIfAborted(this.signal, `probe of backend ${p.name}`);
    return probe(p);
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
    let session: Session;
    try {
      session = Session.open(this.prepared, backend, this.queue);
    } catch (e) {
      backend.dispose();
      if (e instanceof BackendUnavailableError && e.missingOps) return { status: 'unsupported', reason: `does not implement ${e.missingOps.join(', ')}` };
      return { status: 'failed', reason: `prepare failed: ${message(e)}` };
    }
    if (this.signal?.aborted) {
      session.dispose();
      throwIfAborted(this.signal, stage);
    }
    return { value: session };
  }

  /**
   * Opens `p` (already probed) and gives it its warm-up run: a ready session, or why not. With `verifyWith`,
   * the warm-up's answer must also agree with that of the least costly more trusted provider among them that
   * works here (a GPU against wasm, wasm against js); nothing to compare with (p is js, none opens): accepted.
   */
  async openWarm(p: BackendProvider, verifyWith?: readonly BackendProvider[]): Promise<Opened> {
    const opened = await this.open(p);
    if (!('value' in opened)) return opened;
    const session = opened.value;
    const warm = await warmUp(session, this.signal, p.name);
    if ('failure' in warm) return { status: 'failed', reason: warm.failure };
    const wrong = verifyWith && await this.#disagreement(warm.outputs, session.precision, p, verifyWith);
    if (!wrong) return opened;
    session.dispose();
    return { status: 'failed', reason: wrong };
  }

  /** Probes `p`, then openWarm. */
  async probeAndOpen(p: BackendProvider, verifyWith?: readonly BackendProvider[]): Promise<Opened> {
    const ok = await this.probe(p);
    return ok === true ? this.openWarm(p, verifyWith) : { status: 'unavailable', reason: ok };
  }

  async #disagreement(outputs: Float32Array[], precision: GpuPrecision, p: BackendProvider, providers: readonly BackendProvider[]): Promise<string | undefined> {
    const refs = providers.filter((r) => TRUST[r.name] > TRUST[p.name]).sort((a, b) => TRUST[a.name] - TRUST[b.name] || b.priority - a.priority);
    for (const r of refs) {
      if ((await this.probe(r)) !== true) continue;
      const opened = await this.open(r);
      if (!('value' in opened)) continue;
      const ref = opened.value;
      try {
        // trialFeeds is seeded: the reference answers the inputs p's warm-up ran on.
        return disagreement(outputs, { name: r.name, outputs: outputsOf(ref, await ref.execute(trialFeeds(ref), IR)) }, precision);
      } catch {
        continue;
      } finally {
        ref.dispose();
      }
    }
    return undefined;
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
async function timeRuns(session: Session, runs: number, deadline: number, signal: AbortSignal | undefined, name: string,
  exclusive: Exclusive): Promise<{ times: number[]; outputs: Float32Array[] }> {
  const feeds = trialFeeds(session);
  const stage = `trial of backend ${name}`;
  // Not exclusive: a background GPU compiles its pipelines while the CPU backend answers.
  const outputs = outputsOf(session, await session.execute(feeds, IR));
  const times: number[] = [];
  while (times.length < runs) {
    const t = await exclusive(async () => {
      throwIfAborted(signal, stage);
      const t0 = now();
      await session.execute(feeds, IR);
      return now() - t0;
    });
    times.push(t);
    if (now() + t > deadline) break;
  }
  throwIfAborted(signal, stage);
  return { times, outputs };
}

function outputsOf(session: Session, result: Record<string, { data: Float32Array }>): Float32Array[] {
  return session.graph.outputs.map((v) => result[v.name].data);
}

type Best = { readonly session: Session; readonly index: number; readonly provider: BackendProvider; readonly medianMs: number };

/**
 * Times candidates against one deadline, keeping the session of the fastest so far: the caller owns (and
 * disposes) `best`. Each candidate's outputs are checked against the reference (verify.ts): the first
 * trusted backend's that ran, or the one given; a candidate timed before any reference existed is checked
 * once one does, and lands in `rejected` when it disagrees.
 */
export class Trials {
  best?: Best;
  readonly deadline: number;
  readonly budgetMs: number;
  /** Candidates found to disagree after their trial returned: index -> reason; the caller marks them failed. */
  readonly rejected = new Map<number, string>();
  #reference: Reference | undefined;
  readonly #unchecked: { index: number; outputs: Float32Array[]; precision: GpuPrecision }[] = [];
  private readonly runs: number;
  constructor(private readonly opener: Opener, opts: TrialOptions, private readonly exclusive: Exclusive = (work) => work(),
    reference?: Reference) {
    this.budgetMs = opts.trialBudgetMs ?? DEFAULT_BUDGET_MS;
    this.deadline = now() + this.budgetMs;
    this.runs = Math.max(1, Math.floor(opts.trialRuns ?? DEFAULT_RUNS));
    this.#reference = reference;
  }

  /** What the trusted backend answered on the trial inputs, once one has run. */
  get reference(): Reference | undefined {
    return this.#reference;
  }

  /** Opens and times `p` as candidates[index]; 'slower' unless the caller marks it chosen. */
  async trial(p: BackendProvider, index: number, note?: string): Promise<Candidate> {
    const base = { name: p.name, priority: p.priority, ...(note === undefined ? {} : { reason: note }) };
    const { signal } = this.opener;
    const opened = await this.opener.open(p);
    if (!('value' in opened)) return { ...base, ...opened };
    const session = opened.value;
    let timed: { times: number[]; outputs: Float32Array[] };
    try {
      timed = await timeRuns(session, this.runs, this.deadline, signal, p.name, this.exclusive);
    } catch (e) {
      session.dispose();
      throwIfAborted(signal, `trial of backend ${p.name}`);
      return { ...base, status: 'failed', reason: `trial run failed: ${message(e)}` };
    }
    const medianMs = median(timed.times);
    const ref = this.#reference;
    const wrong = ref && disagreement(timed.outputs, ref, session.precision);
    if (wrong) {
      session.dispose();
      return { ...base, status: 'failed', medianMs, reason: wrong };
    }
    if (!ref && TRUST[p.name] > 0) this.#trust({ name: p.name, outputs: timed.outputs });
    else if (!ref) this.#unchecked.push({ index, outputs: timed.outputs, precision: session.precision });
    if (!this.best || medianMs < this.best.medianMs) {
      this.best?.session.dispose();
      this.best = { session, index, provider: p, medianMs };
    } else {
      session.dispose();
    }
    return { ...base, status: 'slower', medianMs };
  }

  /** The first trusted answer: the candidates timed before it are checked against it now. */
  #trust(ref: Reference): void {
    this.#reference = ref;
    for (const u of this.#unchecked.splice(0)) {
      const wrong = disagreement(u.outputs, ref, u.precision);
      if (!wrong) continue;
      this.rejected.set(u.index, wrong);
      if (this.best?.index === u.index) {
        this.best.session.dispose();
        this.best = undefined;
      }
    }
  }
}

/**
 * One untimed run, so a kernel that cannot prepare fails here rather than in the caller's first run: its
 * outputs, or why it failed (the session is then disposed).
 */
export async function warmUp(session: Session, signal: AbortSignal | undefined, name: string): Promise<{ outputs: Float32Array[] } | { failure: string }> {
  let outputs: Float32Array[];
  try {
    outputs = outputsOf(session, await session.execute(trialFeeds(session), IR));
  } catch (e) {
    session.dispose();
    throwIfAborted(signal, `warm-up of backend ${name}`);
    return { failure: `first run failed: ${message(e)}` };
  }
  if (signal?.aborted) {
    session.dispose();
    throwIfAborted(signal, `warm-up of backend ${name}`);
  }
  return { outputs };
}
