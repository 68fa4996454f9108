// Run-time fallback: once the backend a model runs on is lost (GPU device lost, wasm trap), the next one
// the selection ranked is opened and warmed up, without a new trial (the model is already answering
// calls, and the ranking is known), and the Selection records the loss and the switch. The decision
// cache is left alone: a loss is usually transient (GPU reset, tab in the background), and the next
// load revalidates a cached backend with a warm-up run, choosing anew when it no longer works.
import type { BackendProvider } from '../backends/backend.js';
import type { BackendLostError } from '../errors.js';
import { byPriority } from './backends.js';
import { now, type Candidate, type Selection } from './report.js';
import type { SelectContext } from './select.js';
import { Opener } from './trials.js';
import type { Session } from './session.js';

const same = (c: Candidate, p: BackendProvider): boolean => c.name === p.name && c.priority === p.priority;

/**
 * Who may take over, best first. A list: the caller's order. Auto: by the trial's medians, then by
 * priority; providers that failed, are missing or pending (a warm start's GPU) are left out.
 */
function ranking(ctx: SelectContext, candidates: readonly Candidate[]): BackendProvider[] {
  const fate = (p: BackendProvider) => candidates.find((c) => same(c, p));
  const open = (p: BackendProvider) => { const s = fate(p)?.status; return !s || s === 'slower' || s === 'skipped'; };
  if (ctx.names) return ctx.names.flatMap((n) => byPriority(ctx.providers.filter((p) => p.name === n))).filter(open);
  const ms = (p: BackendProvider) => fate(p)?.medianMs ?? Infinity;
  // Stable: the untimed keep their priority order.
  return byPriority(ctx.providers).filter(open).sort((a, b) => ms(a) - ms(b));
}

/**
 * Marks the chosen candidate lost and opens its successor. Returns the updated selection, and the new
 * session (undefined when none works: every attempt is recorded in the candidates).
 */
export async function fallBack(ctx: SelectContext, sel: Selection, error: BackendLostError): Promise<{ session?: Session; selection: Selection }> {
  const candidates = sel.candidates.map((c): Candidate => (c.status === 'chosen' ? { ...c, status: 'lost', reason: error.message } : c));
  const record = (p: BackendProvider, c: Omit<Candidate, 'name' | 'priority'>) => {
    const i = candidates.findIndex((x) => same(x, p));
    const next = { ...candidates[i], name: p.name, priority: p.priority, ...c };
    if (i < 0) candidates.push(next); else candidates[i] = next;
  };
  const opener = new Opener(ctx.prepared, undefined, ctx.opts.precision, ctx.queue);
  const first: BackendProvider[] = [];
  const last: BackendProvider[] = [];
  for (const p of ranking(ctx, candidates)) {
    const ok = await opener.probe(p);
    if (ok !== true) record(p, { status: 'unavailable', reason: ok });
    // As in selection: a software GPU only when nothing else works, unless the caller named it.
    else (!ctx.names && (await opener.deferral(p)) !== undefined ? last : first).push(p);
  }
  for (const p of [...first, ...last]) {
    const opened = await opener.openWarm(p);
    if ('value' in opened) {
      record(p, { status: 'chosen', reason: `took over when ${sel.backend} was lost` });
      const fallback = { from: sel.backend, to: p.name, reason: error.message, atMs: now() - ctx.started };
      return { session: opened.value, selection: { ...sel, backend: p.name, candidates, fallbacks: [...(sel.fallbacks ?? []), fallback] } };
    }
    record(p, opened);
  }
  return { selection: { ...sel, candidates } };
}
