// The benchmark's settings and the share link that carries them: ?model=…&runs=…&budget=…&backends=…
// &auto=…&threads=…&run=1. Opening such a link restores the settings and, with run=1, starts the same
// benchmark at once. Values from a URL are checked like any input: one that is not allowed is dropped (the
// default stays) and named in `ignored`, so the page can say so.

export const RUNS_MAX = 1000;
export const THREADS_MAX = 16;
export const BUDGETS = [2, 5, 10, 30, 120];

/**
 * Settings from a query string over `defaults` ({ model, runs, budgetS, backends, auto, threads }).
 * `models` and `candidates`: the allowed model values and candidate ids.
 */
export function settingsFromQuery(search, defaults, { models, candidates }) {
  const q = new URLSearchParams(search);
  const s = { ...defaults };
  const ignored = [];
  const int = (name, lo, hi) => {
    if (!q.has(name)) return undefined;
    const v = Number(q.get(name));
    if (Number.isInteger(v) && v >= lo && v <= hi) return v;
    ignored.push(name);
    return undefined;
  };
  if (q.has('model')) {
    if (models.includes(q.get('model'))) s.model = q.get('model');
    else ignored.push('model');
  }
  s.runs = int('runs', 1, RUNS_MAX) ?? s.runs;
  const budget = int('budget', 1, 3600);
  if (budget !== undefined && BUDGETS.includes(budget)) s.budgetS = budget;
  else if (budget !== undefined) ignored.push('budget');
  if (q.has('backends')) {
    const ids = q.get('backends').split(',').filter((id) => candidates.includes(id));
    if (ids.length) s.backends = ids;
    else ignored.push('backends');
  }
  if (q.has('auto')) s.auto = q.get('auto') !== '0';
  s.threads = int('threads', 1, THREADS_MAX) ?? s.threads;
  return { settings: s, run: q.get('run') === '1', ignored };
}

/** The link that re-runs these settings: `page` is the page's own URL (its query is replaced). */
export function shareLink(page, settings) {
  const url = new URL(page);
  url.search = new URLSearchParams({
    model: settings.model,
    runs: String(settings.runs),
    budget: String(settings.budgetS),
    backends: settings.backends.join(','),
    auto: settings.auto ? '1' : '0',
    threads: String(settings.threads),
    run: '1',
  }).toString();
  url.hash = '';
  return url.href;
}
