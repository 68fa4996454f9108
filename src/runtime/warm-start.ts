// The background half of a warm start: times the GPU set aside by choose() with its own trial budget
// while a CPU session answers, and says whether to switch (the GPU works and, after a fresh trial, beat
// the CPU's median). Never rejects; the final choice goes to the decision cache, unless cancelled.
import { makeDecision, writeDecision } from './decision-cache.js';
import { now, type Candidate, type WarmStart } from './report.js';
import { notWritten, type SelectContext, type WarmJob } from './select.js';
import { Opener, Trials, type Exclusive } from './trials.js';
import type { Session } from './session.js';

export interface WarmOutcome {
  /** The GPU session to switch to; the caller owns it. */
  readonly session?: Session;
  /** New records for candidates[index]. */
  readonly updates: readonly (readonly [number, Candidate])[];
  readonly state: WarmStart['state'];
  readonly readyMs: number;
  /** Why the decision cache was left as it was: the CPU backend answers only because something failed. */
  readonly cacheReason?: string;
}

/** Creation and the warm-up run (shader compilation) overlap the CPU's runs; the timed runs take turns with them (`exclusive`). */
export async function warmInBackground(ctx: SelectContext, job: WarmJob, signal: AbortSignal, exclusive: Exclusive): Promise<WarmOutcome> {
  const trials = new Trials(new Opener(ctx.prepared, signal, ctx.opts.precision, ctx.queue), ctx.opts, exclusive, job.reference);
  const updates: [number, Candidate][] = [];
  let cacheReason: string | undefined;
  const end = (state: WarmStart['state'], session?: Session): WarmOutcome => ({ session, updates, state, readyMs: now() - ctx.started, cacheReason });
  try {
    for (const { provider, index } of job.later) updates.push([index, await trials.trial(provider, index, job.note)]);
  } catch {
    // Aborted: the model was disposed.
    trials.best?.session.dispose();
    return end('cancelled');
  }
  const best = trials.best;
  const { cpu } = job;
  const wins = best !== undefined && !(best.medianMs >= (cpu.medianMs ?? Infinity));
  if (best && !wins) best.session.dispose();
  // Staying on the CPU because the GPU (or a better CPU backend) failed is no decision to keep: the next load tries again.
  cacheReason = wins ? undefined : job.unwritten ?? notWritten(updates.map(([, c]) => c).find((c) => c.status === 'failed'));
  if (ctx.cache && !cacheReason) {
    const d = wins ? makeDecision(best.provider.name, best.provider.priority, best.medianMs) : makeDecision(cpu.name, cpu.priority, cpu.medianMs);
    await writeDecision(ctx.cache.store, ctx.cache.key, d);
  }
  if (wins) {
    const i = updates.findIndex(([index]) => index === best.index);
    updates[i] = [best.index, { ...updates[i][1], status: 'chosen' }];
    return end('switched', best.session);
  }
  // Why it failed, or both medians: in the candidates.
  return end(best ? 'slower' : 'failed');
}
