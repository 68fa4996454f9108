// The benchmark page's UI: the settings (from the form, or from a share link), one table row per backend
// candidate (with data- attributes a test or a script can read), the progress bar, the `auto` pick with its
// reasons, JSON/CSV/text export and loading another device's results. Measuring is bench.js's, the file
// format results.js's, drawing the headline, charts and comparison report-view.js's (with chart.js), the
// URL settings.js's.
import { agreement, autoPick, CANDIDATES, defaultThreads, describeAdapter, measure, timerResolution } from './bench.js';
import { fmtMs } from './chart.js';
import { adapterText, fmtRatio, renderCharts, renderReport } from './report-view.js';
import {
  MAX_RESULTS_BYTES, parseResults, resultsCsv, resultsDocument, ResultsFileError, speedVsJs,
} from './results.js';
import { RUNS_MAX, settingsFromQuery, shareLink, THREADS_MAX } from './settings.js';

const $ = (id) => document.getElementById(id);
/** Inputs each candidate cycles through: varied enough that no cache of the last input flatters a backend. */
const INPUTS = 4;
/**
 * When a max |diff| is flagged (relative to the reference's largest value, at least 1): f32 backends
 * should agree to float rounding; f16 storage keeps about 3 significant digits per layer.
 */
const AGREE = { f32: 1e-3, f16: 5e-2 };

let adapter;
/** crossOriginIsolated, logical cores and the measured timer step (ms). */
let env;
let sdkVersion = 'unknown';
/** A picked file replaces the bundled model until "use the bundled model". */
let file;
/** The last run here, as the results document; and another device's, loaded to compare. */
let current;
let other;

function fmtDiff(d) {
  if (d === undefined) return '';
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'shape differs';
  return d === 0 ? '0' : d.toExponential(1);
}

function modelSource() {
  return file ?? new URL(`../../models/${$('model').value}`, import.meta.url);
}

function modelName() {
  return file ? file.name : $('model').value;
}

function showAdapter(a) {
  const p = $('adapter');
  p.textContent = adapterText(a);
  p.dataset.available = String(a.available);
  p.dataset.software = String(Boolean(a.software));
  p.classList.toggle('software', Boolean(a.software));
}

function envText(e, threads) {
  const isolation = e.crossOriginIsolated
    ? `crossOriginIsolated: true; wasm threads: ${threads} (logical cores: ${e.cores})`
    : 'crossOriginIsolated: false: no wasm threads (the threaded row is unavailable) and a coarse timer; serve the page with '
      + 'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (examples/pwa-camera/serve.mjs does)';
  return `${isolation}; timer resolution: ${e.timerResolutionMs.toFixed(3)} ms, so runs shorter than about 1 ms are timed in batches`;
}

function showEnv() {
  const p = $('env');
  const threads = Number($('threads').value);
  p.textContent = envText(env, threads);
  Object.assign(p.dataset, { isolated: String(env.crossOriginIsolated), threads: String(threads), resolutionMs: String(env.timerResolutionMs) });
}

function buildChoices() {
  for (const c of CANDIDATES) {
    const label = document.createElement('label');
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', id: `use-${c.id}`, checked: true });
    label.append(box, ` ${c.label}`);
    $('candidates').append(label);
  }
}

/** The settings the form holds now (clamped to what the page allows). */
function readSettings() {
  const runs = Math.max(1, Math.min(RUNS_MAX, Math.round(Number($('runs').value)) || 20));
  const threads = Math.max(1, Math.min(THREADS_MAX, Math.round(Number($('threads').value)) || defaultThreads()));
  $('runs').value = String(runs);
  $('threads').value = String(threads);
  return {
    model: $('model').value,
    runs,
    budgetS: Number($('budget').value),
    backends: CANDIDATES.filter((c) => $(`use-${c.id}`).checked).map((c) => c.id),
    auto: $('auto').checked,
    threads,
  };
}

function showSettings(s) {
  $('model').value = s.model;
  $('runs').value = String(s.runs);
  $('budget').value = String(s.budgetS);
  $('threads').value = String(s.threads);
  $('auto').checked = s.auto;
  for (const c of CANDIDATES) $(`use-${c.id}`).checked = s.backends.includes(c.id);
}

function updateShare() {
  $('share').value = shareLink(location.href, readSettings());
  $('share-note').textContent = file ? `the link names the bundled model selected, not ${file.name}: a picked file stays on this device` : '';
  showEnv();
}

/** A row's cells, in the table's column order; `r` is undefined until the candidate has run. */
function cells(c, r, extra = {}) {
  const samples = r?.samples ? `${r.samples.length}${r.budgetHit ? ` of ${extra.runs} (budget)` : ''}${r.batch > 1 ? ` × ${r.batch}` : ''}` : '';
  return {
    // 'wasm SIMD' says enough for the SIMD build; the relaxed-SIMD one is named.
    label: `${c.label}${r?.build && !c.label.toLowerCase().includes(r.build) ? ` (${r.build} build)` : ''}${c.threaded && r?.threads ? `, ${r.threads} threads` : ''}`,
    status: extra.statusText ?? r?.status ?? '',
    load: fmtMs(r?.loadMs),
    first: fmtMs(r?.firstMs),
    median: fmtMs(r?.medianMs),
    p10: fmtMs(r?.p10Ms),
    p90: fmtMs(r?.p90Ms),
    samples,
    ratio: fmtRatio(extra.ratio),
    speed: fmtRatio(extra.speed),
    diff: extra.isReference ? 'reference' : fmtDiff(extra.diff?.maxDiff),
    notes: extra.notes ?? '',
  };
}

/**
 * A row's figures, and its notes in a full-width row under it (`tr.notesRow`): as a column they made the table
 * twice as wide as the figures need.
 */
function renderRow(tr, c, r, extra) {
  const values = cells(c, r, extra);
  const { notes, ...figures } = values;
  tr.replaceChildren(...Object.entries(figures).map(([key, content]) => {
    const td = document.createElement('td');
    td.className = key;
    td.textContent = content;
    return td;
  }));
  const td = Object.assign(document.createElement('td'), { className: 'notes', colSpan: Object.keys(figures).length });
  td.append(Object.assign(document.createElement('div'), { textContent: notes }));
  tr.notesRow.replaceChildren(td);
  tr.notesRow.hidden = !notes;
  return values;
}

/** The data- attributes scripts read; times in ms, unrounded. */
function setData(tr, c, r, extra) {
  const d = tr.dataset;
  d.candidate = c.id;
  d.backend = c.backend;
  d.precision = c.precision ?? 'f32';
  d.status = r?.status ?? extra.status;
  if (!r) return;
  if (r.reason) d.reason = r.reason;
  if (r.loadMs !== undefined) d.loadMs = String(r.loadMs);
  if (r.status !== 'ok') return;
  Object.assign(d, {
    modelBackend: r.backend,
    modelPrecision: r.precision,
    firstMs: String(r.firstMs),
    warmMs: String(r.medianMs),
    p10Ms: String(r.p10Ms),
    p90Ms: String(r.p90Ms),
    runs: String(r.samples.length),
    batch: String(r.batch),
    threads: String(r.threads),
  });
  if (r.build) d.build = r.build;
  if (c.backend === 'webgpu' && adapter.software) d.software = 'true';
  if (extra.ratio !== undefined) d.ratio = String(extra.ratio);
  if (extra.speed !== undefined) d.speedVsJs = String(extra.speed);
  if (extra.fastest) d.fastest = 'true';
  if (extra.diff) {
    d.maxDiff = String(extra.diff.maxDiff);
    d.agrees = String(extra.agrees);
    d.comparedInputs = String(extra.diff.compared);
  }
  if (extra.isReference) d.reference = 'true';
}

/** What a finished row says beyond its numbers: why it did not run, and what qualifies its figures. */
function notesFor(c, r, extra) {
  if (r.status !== 'ok') return r.reason;
  const notes = [];
  if (r.backend !== c.backend) notes.push(`ran on ${r.backend}, not ${c.backend}`);
  if (r.batch > 1) notes.push(`${r.batch} runs per timer read`);
  if (c.backend === 'webgpu') {
    notes.push(`model.precision: ${r.precision}`);
    if (adapter.software) notes.push(`${adapter.software}: a CPU's figures, not a GPU's`);
  }
  if (extra.diff && !extra.agrees) notes.push(`outputs disagree with ${extra.referenceLabel} beyond ${AGREE[r.precision]} (relative): check this backend`);
  return notes.join('; ');
}

/** Reference for max |diff|: js when it ran, else the first candidate that did. */
function pickReference(results) {
  const ok = results.filter(({ r }) => r?.status === 'ok');
  return ok.find(({ c }) => c.id === 'js') ?? ok[0];
}

function finishRows(results, runs) {
  const ok = results.filter(({ r }) => r?.status === 'ok');
  const fastest = Math.min(...ok.map(({ r }) => r.medianMs));
  const speeds = speedVsJs(ok.map(({ c, r }) => ({ id: c.id, status: 'ok', samples: r.samples })));
  const ref = pickReference(results);
  $('diff-head').textContent = ref ? `max |diff| vs ${ref.c.label}` : 'max |diff|';
  return results.map(({ c, r, tr }) => {
    const extra = { runs, status: r ? r.status : 'skipped', statusText: r ? undefined : 'not selected', referenceLabel: ref?.c.label };
    if (r?.status === 'ok') {
      extra.ratio = r.medianMs / fastest;
      extra.speed = speeds.get(c.id);
      extra.fastest = r.medianMs === fastest;
      extra.isReference = ref.c === c;
      extra.diff = agreement(r.outputs, ref.r.outputs);
      const { maxDiff, scale } = extra.diff;
      extra.agrees = maxDiff <= AGREE[r.precision] * Math.max(1, scale);
    }
    if (r) extra.notes = notesFor(c, r, extra);
    setData(tr, c, r, extra);
    return { c, r, extra, values: renderRow(tr, c, r, extra) };
  });
}

function labelOfCandidate(cand) {
  const matches = CANDIDATES.filter((c) => c.backend === cand.name && c.priority === cand.priority);
  return matches.length === 1 ? matches[0].label : cand.name;
}

/** The pick, said once; its reasons (every candidate of its trial) go in the list below it. */
function autoText(pick) {
  if (pick.error) return `backend 'auto' failed: ${pick.error}`;
  const warm = pick.selection.warmStart ? `; warm start: ${pick.selection.warmStart.state}, answered after ${fmtMs(pick.firstMs)} ms` : '';
  const row = autoRow(pick);
  return `load(url, { backend: 'auto' }) picks ${pick.backend}${pick.backend === 'webgpu' ? ` ${pick.precision}` : ''}`
    + `${row ? ` (the ${row.label} row)` : ''} after ${fmtMs(pick.readyMs)} ms${warm}. Its trial (model.selection):`;
}

function reasonText(cand) {
  return `${labelOfCandidate(cand)}: ${cand.status}${cand.medianMs === undefined ? '' : ` ${fmtMs(cand.medianMs)} ms`}${cand.reason ? ` (${cand.reason})` : ''}`;
}

function showAuto(pick) {
  const p = $('auto-pick');
  p.textContent = autoText(pick);
  delete p.dataset.backend;
  delete p.dataset.candidate;
  $('auto-reasons').replaceChildren(...(pick.selection?.candidates ?? []).map((cand) => {
    const li = document.createElement('li');
    li.textContent = reasonText(cand);
    li.dataset.status = cand.status;
    return li;
  }));
  if (pick.error) {
    p.dataset.status = 'failed';
    return;
  }
  p.dataset.status = 'ok';
  p.dataset.backend = pick.backend;
  p.dataset.precision = pick.precision;
  const row = autoRow(pick);
  if (row) p.dataset.candidate = row.id;
}

/** The row `auto`'s pick matches: the chosen provider, and for WebGPU the precision it stores. */
function autoRow(pick) {
  const chosen = pick.selection.candidates.find((cand) => cand.status === 'chosen');
  return CANDIDATES.find((c) => c.backend === chosen?.name && c.priority === chosen.priority
    && (c.backend !== 'webgpu' || c.precision === pick.precision));
}

/** The whole result as fixed-width text, for a bug report or a comparison between devices. */
function reportText(rows, settings, pick) {
  const head = {
    label: 'backend', status: 'status', load: 'load ms', first: 'first ms', median: 'median ms', p10: 'p10 ms', p90: 'p90 ms', samples: 'samples',
    ratio: 'x fastest', speed: 'vs js', diff: $('diff-head').textContent, notes: 'notes',
  };
  const table = [head, ...rows.map((x) => ({ ...x.values, ratio: x.values.ratio.replace('×', 'x'), speed: x.values.speed.replace('×', 'x') }))];
  const keys = Object.keys(head);
  const widths = keys.map((k) => Math.max(...table.map((row) => row[k].length)));
  const line = (row) => keys.map((k, i) => (i === keys.length - 1 ? row[k] : row[k].padEnd(widths[i]))).join('  ').trimEnd();
  return [
    `edgeinfer ${sdkVersion} backend benchmark: ${modelName()}, up to ${settings.runs} samples per backend (budget ${settings.budgetS} s), ${INPUTS} seeded random inputs`,
    `browser: ${navigator.userAgent}; logical cores: ${navigator.hardwareConcurrency ?? '?'}`,
    envText(env, settings.threads),
    adapterText(adapter),
    '',
    ...table.map(line),
    '',
    ...(pick ? [autoText(pick), ...(pick.selection?.candidates ?? []).map((c) => `  ${reasonText(c)}`)] : []),
  ].join('\n');
}

/** This run as the results document (results.js) behind the exports and the charts. */
function collect(rows, settings, pick) {
  const hash = rows.find((x) => x.r?.modelHash)?.r.modelHash;
  return resultsDocument({
    sdkVersion,
    createdAt: new Date().toISOString(),
    shareUrl: $('share').value,
    settings: { ...settings, model: modelName() },
    model: { name: modelName(), hash, bundled: !file },
    device: {
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated: env.crossOriginIsolated,
      timerResolutionMs: env.timerResolutionMs,
      adapter,
    },
    results: rows.map(({ c, r, extra }) => ({
      id: c.id,
      label: c.label,
      backend: c.backend,
      precision: r?.precision ?? c.precision,
      status: r ? r.status : 'skipped',
      reason: r?.reason,
      ...(r?.status === 'ok' ? {
        build: r.build, threads: r.threads, firstMs: r.firstMs, batch: r.batch, samples: r.samples,
        medianMs: r.medianMs, p10Ms: r.p10Ms, p90Ms: r.p90Ms, maxDiff: extra.diff?.maxDiff, agrees: extra.agrees,
      } : {}),
      loadMs: r?.loadMs,
    })),
    auto: pick === undefined ? undefined : pick.error ? { error: pick.error }
      : { backend: pick.backend, precision: pick.precision, readyMs: pick.readyMs, selection: pick.selection },
  });
}

const BUSY_IDS = ['run', 'model', 'file', 'runs', 'budget', 'threads', 'auto', 'copy', 'clear-file', 'export-json', 'export-csv', 'compare-file'];

function setBusy(busy) {
  for (const id of BUSY_IDS) $(id).disabled = busy;
  for (const c of CANDIDATES) $(`use-${c.id}`).disabled = busy;
  if (!busy) for (const id of ['copy', 'export-json', 'export-csv']) $(id).disabled = !current;
}

async function run() {
  const settings = readSettings();
  updateShare();
  setBusy(true);
  $('bench').dataset.state = 'running';
  for (const id of ['report', 'auto-pick', 'copied']) $(id).textContent = '';
  $('auto-reasons').replaceChildren();
  const source = modelSource();
  const results = CANDIDATES.map((c) => {
    const tr = document.createElement('tr');
    tr.id = `row-${c.id}`;
    tr.notesRow = Object.assign(document.createElement('tr'), { id: `notes-${c.id}`, className: 'notes-row' });
    const selected = settings.backends.includes(c.id);
    setData(tr, c, undefined, { status: selected ? 'pending' : 'skipped' });
    renderRow(tr, c, undefined, { statusText: selected ? 'waiting' : 'not selected' });
    return { c, tr, selected, r: undefined };
  });
  $('rows').replaceChildren(...results.flatMap((x) => [x.tr, x.tr.notesRow]));

  // Progress in steps: per backend its load, its first run and each sample; one more for `auto`.
  const perRow = settings.runs + 2;
  const progress = $('progress');
  progress.max = results.filter((x) => x.selected).length * perRow + (settings.auto ? 1 : 0);
  progress.value = 0;
  let done = 0;
  for (const x of results) {
    if (!x.selected) continue;
    x.tr.dataset.status = 'running';
    x.r = await measure(x.c, source, {
      runs: settings.runs,
      budgetMs: settings.budgetS * 1000,
      inputCount: INPUTS,
      threads: settings.threads,
      resolutionMs: env.timerResolutionMs,
      onProgress: (what, samples) => {
        $('status').textContent = `${x.c.label}: ${what}`;
        progress.value = done + (what === 'loading' ? 0 : 1 + (what === 'first run' ? 0 : 1 + samples));
        renderRow(x.tr, x.c, undefined, { statusText: what });
      },
    });
    done += perRow;
    progress.value = done;
    renderRow(x.tr, x.c, x.r, { runs: settings.runs, notes: x.r.reason });
    setData(x.tr, x.c, x.r, {});
  }
  const rows = finishRows(results, settings.runs);

  let pick;
  if (settings.auto) {
    $('status').textContent = "backend 'auto': choosing";
    try {
      pick = await autoPick(source, settings.threads);
    } catch (e) {
      pick = { error: `${e?.name ?? 'Error'}: ${e?.message ?? e}` };
    }
    showAuto(pick);
  }
  progress.value = progress.max;
  current = collect(rows, settings, pick);
  renderReport({ current, other });
  $('report').textContent = reportText(rows, settings, pick);
  const ran = rows.filter((x) => x.r).length;
  const ok = rows.filter((x) => x.r?.status === 'ok').length;
  $('status').textContent = `done: ${ok} of ${ran} selected backends ran ${modelName()}`;
  setBusy(false);
  $('model').disabled = Boolean(file);
  $('bench').dataset.state = 'done';
}

async function copyText(text, where) {
  try {
    await navigator.clipboard.writeText(text);
    $(where).textContent = 'copied';
  } catch (e) {
    // Clipboard access can be refused (permissions, an unfocused page): the text is right there to select.
    $(where).textContent = `could not copy (${e?.message ?? e}): select the text`;
  }
}

function download(name, type, content) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function exportName(ext) {
  const model = current.model.name.replace(/\.eim$/, '').replace(/[^\w.-]+/g, '-');
  return `edgeinfer-bench-${model}-${current.createdAt.replace(/[:.]/g, '-')}.${ext}`;
}

/** Another device's results: size-checked before reading, schema-checked after; errors stay on the page. */
async function loadCompare() {
  const f = $('compare-file').files[0];
  const error = $('compare-error');
  error.textContent = '';
  if (!f) return;
  try {
    if (f.size > MAX_RESULTS_BYTES) throw new ResultsFileError(`${f.size} bytes is over the ${MAX_RESULTS_BYTES}-byte limit for a results file`);
    other = parseResults(await f.text());
    $('compare').dataset.loaded = f.name;
  } catch (e) {
    other = undefined;
    delete $('compare').dataset.loaded;
    error.textContent = `Could not load ${f.name}: ${e instanceof ResultsFileError ? e.message : `${e?.name ?? 'Error'}: ${e?.message ?? e}`}`;
  }
  renderReport({ current, other });
}

function pickFile() {
  file = $('file').files[0];
  $('model').disabled = Boolean(file);
  $('clear-file').hidden = !file;
  $('status').textContent = file ? `model: ${file.name} (${file.size} bytes)` : 'ready';
  updateShare();
}

function clearFile() {
  $('file').value = '';
  pickFile();
}

async function readSdkVersion() {
  // The page sits in the repository beside package.json; served elsewhere the version is simply unknown.
  try {
    const res = await fetch(new URL('../../package.json', import.meta.url));
    const v = res.ok ? (await res.json()).version : undefined;
    return typeof v === 'string' && v.length < 40 ? v : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function start() {
  buildChoices();
  const defaults = { model: $('model').value, runs: 20, budgetS: 10, backends: CANDIDATES.map((c) => c.id), auto: true, threads: defaultThreads() };
  const fromUrl = settingsFromQuery(location.search, defaults, { models: [...$('model').options].map((o) => o.value), candidates: CANDIDATES.map((c) => c.id) });
  showSettings(fromUrl.settings);
  if (fromUrl.ignored.length) $('settings-note').textContent = `Ignored from the link (not allowed values): ${fromUrl.ignored.join(', ')}`;
  env = { crossOriginIsolated: globalThis.crossOriginIsolated === true, cores: navigator.hardwareConcurrency ?? 1, timerResolutionMs: timerResolution() };
  [adapter, sdkVersion] = await Promise.all([describeAdapter(), readSdkVersion()]);
  showAdapter(adapter);
  updateShare();
  $('run').addEventListener('click', () => run().catch(fail));
  $('copy').addEventListener('click', () => copyText($('report').textContent, 'copied'));
  $('copy-share').addEventListener('click', () => copyText($('share').value, 'share-note'));
  $('export-json').addEventListener('click', () => download(exportName('json'), 'application/json', `${JSON.stringify(current, null, 1)}\n`));
  $('export-csv').addEventListener('click', () => download(exportName('csv'), 'text/csv', resultsCsv(current)));
  $('compare-file').addEventListener('change', () => loadCompare().catch(fail));
  $('file').addEventListener('change', pickFile);
  $('clear-file').addEventListener('click', clearFile);
  for (const node of document.querySelectorAll('fieldset input, fieldset select')) node.addEventListener('change', updateShare);
  // Charts are drawn at their container's width: redraw when it changes (a phone turned, a window resized).
  let lastWidth = $('latency-chart').clientWidth;
  new ResizeObserver(() => {
    const w = $('latency-chart').clientWidth;
    if (w !== lastWidth && (current || other)) renderCharts({ current, other });
    lastWidth = w;
  }).observe($('latency-chart'));
  setBusy(false);
  $('status').textContent = 'ready';
  $('bench').dataset.state = 'ready';
  if (fromUrl.run) await run();
}

function fail(e) {
  // Reaching here is a bug in this page, not a backend failure (those land in their rows): make it loud.
  console.error(e);
  $('status').textContent = `error: ${e?.message ?? e}`;
  $('status').classList.add('bad');
  $('bench').dataset.state = 'error';
  setBusy(false);
}

start().catch(fail);
