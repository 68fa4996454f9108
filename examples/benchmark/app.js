// The benchmark page's UI: model and run choices, one table row per backend candidate (with data-
// attributes a test or a script can read), the `auto` pick, and the whole result as plain text to copy.
// The measuring itself is in bench.js. URL options: ?model=fashion/cnn.eim&runs=20&budget=10&backends=js,wasm-simd
import { agreement, autoPick, CANDIDATES, describeAdapter, measure } from './bench.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
/** Inputs each candidate cycles through: varied enough that no cache of the last input flatters a backend. */
const INPUTS = 4;
/**
 * When a max |diff| is flagged (relative to the reference's largest value, at least 1): f32 backends
 * should agree to float rounding; f16 storage keeps about 3 significant digits per layer.
 */
const AGREE = { f32: 1e-3, f16: 5e-2 };

let adapter;
/** A picked file replaces the bundled model until "use the bundled model". */
let file;

function fmtMs(ms) {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  return ms.toFixed(ms < 1 ? 3 : ms < 10 ? 2 : ms < 100 ? 1 : 0);
}

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

function adapterText(a) {
  if (!a.available) return `WebGPU: none (${a.reason})`;
  const what = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'no details given';
  return `WebGPU adapter: ${what}; isFallbackAdapter: ${a.fallback}; shader-f16: ${a.shaderF16 ? 'offered' : 'not offered'}`
    + (a.software ? `; ${a.software}: WebGPU figures here are a CPU's, not a GPU's` : '');
}

function showAdapter(a) {
  const p = $('adapter');
  p.textContent = adapterText(a);
  p.dataset.available = String(a.available);
  p.dataset.software = String(Boolean(a.software));
  p.classList.toggle('software', Boolean(a.software));
}

function buildChoices() {
  const only = params.get('backends')?.split(',');
  for (const c of CANDIDATES) {
    const label = document.createElement('label');
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', id: `use-${c.id}`, checked: !only || only.includes(c.id) });
    label.append(box, ` ${c.label}`);
    $('candidates').append(label);
  }
}

function applyParams() {
  const model = params.get('model');
  if (model && [...$('model').options].some((o) => o.value === model)) $('model').value = model;
  if (params.has('runs')) $('runs').value = params.get('runs');
  const budget = params.get('budget');
  if (budget && [...$('budget').options].some((o) => o.value === budget)) $('budget').value = budget;
}

/** A row's cells, in the table's column order; `r` is undefined until the candidate has run. */
function cells(c, r, extra = {}) {
  const runs = r?.warm ? `${r.warm.length}${r.budgetHit ? ` of ${extra.runs} (budget)` : ''}` : '';
  return {
    // 'wasm SIMD' says enough for the SIMD build; the relaxed-SIMD one is named.
    label: `${c.label}${r?.build && !c.label.toLowerCase().includes(r.build) ? ` (${r.build} build)` : ''}`,
    status: extra.statusText ?? r?.status ?? '',
    load: fmtMs(r?.loadMs),
    first: fmtMs(r?.firstMs),
    median: fmtMs(r?.medianMs),
    p90: fmtMs(r?.p90Ms),
    runs,
    ratio: extra.ratio === undefined ? '' : `${extra.ratio.toFixed(2)}×`,
    diff: extra.isReference ? 'reference' : fmtDiff(extra.diff?.maxDiff),
    notes: extra.notes ?? '',
  };
}

function renderRow(tr, c, r, extra) {
  const values = cells(c, r, extra);
  tr.replaceChildren(...Object.entries(values).map(([key, text]) => {
    const td = document.createElement('td');
    td.className = key;
    td.textContent = text;
    return td;
  }));
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
    p90Ms: String(r.p90Ms),
    runs: String(r.warm.length),
  });
  if (r.build) d.build = r.build;
  if (c.backend === 'webgpu' && adapter.software) d.software = 'true';
  if (extra.ratio !== undefined) d.ratio = String(extra.ratio);
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
  const ref = pickReference(results);
  $('diff-head').textContent = ref ? `max |diff| vs ${ref.c.label}` : 'max |diff|';
  return results.map(({ c, r, tr }) => {
    const extra = { runs, status: r ? r.status : 'skipped', statusText: r ? undefined : 'not selected', referenceLabel: ref?.c.label };
    if (r?.status === 'ok') {
      extra.ratio = r.medianMs / fastest;
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

function autoText(pick) {
  if (pick.error) return `backend 'auto' failed: ${pick.error}`;
  const labelOf = (cand) => {
    const matches = CANDIDATES.filter((c) => c.backend === cand.name && c.provider.priority === cand.priority);
    return matches.length === 1 ? matches[0].label : cand.name;
  };
  const list = pick.selection.candidates.map((cand) => `${labelOf(cand)}: ${cand.status}`
    + (cand.medianMs === undefined ? '' : ` ${fmtMs(cand.medianMs)} ms`)
    + (cand.reason ? ` (${cand.reason})` : '')).join('; ');
  const warm = pick.selection.warmStart ? `; warm start: ${pick.selection.warmStart.state}, answered after ${fmtMs(pick.firstMs)} ms` : '';
  return `load(url, { backend: 'auto' }) picks ${pick.backend}${pick.backend === 'webgpu' ? ` ${pick.precision}` : ''}`
    + ` after ${fmtMs(pick.readyMs)} ms${warm}. Its trial: ${list}`;
}

function showAuto(pick) {
  const p = $('auto-pick');
  p.textContent = autoText(pick);
  delete p.dataset.backend;
  delete p.dataset.candidate;
  if (pick.error) {
    p.dataset.status = 'failed';
    return;
  }
  p.dataset.status = 'ok';
  p.dataset.backend = pick.backend;
  p.dataset.precision = pick.precision;
  // The row it matches: the chosen provider, and for WebGPU the precision it stores.
  const chosen = pick.selection.candidates.find((cand) => cand.status === 'chosen');
  const row = CANDIDATES.find((c) => c.backend === chosen?.name && c.provider.priority === chosen.priority
    && (c.backend !== 'webgpu' || c.precision === pick.precision));
  if (row) p.dataset.candidate = row.id;
}

/** The whole result as fixed-width text, for a bug report or a comparison between devices. */
function reportText(rows, runs, budgetS, pick) {
  const head = { label: 'backend', status: 'status', load: 'load ms', first: 'first ms', median: 'median ms', p90: 'p90 ms', runs: 'runs', ratio: 'x fastest', diff: $('diff-head').textContent, notes: 'notes' };
  const table = [head, ...rows.map((x) => ({ ...x.values, ratio: x.values.ratio.replace('×', 'x') }))];
  const keys = Object.keys(head);
  const widths = keys.map((k) => Math.max(...table.map((row) => row[k].length)));
  const line = (row) => keys.map((k, i) => (i === keys.length - 1 ? row[k] : row[k].padEnd(widths[i]))).join('  ').trimEnd();
  return [
    `edgeinfer backend benchmark: ${modelName()}, up to ${runs} warm runs per backend (budget ${budgetS} s), ${INPUTS} seeded random inputs`,
    `browser: ${navigator.userAgent}; logical cores: ${navigator.hardwareConcurrency ?? '?'}`,
    adapterText(adapter),
    '',
    ...table.map(line),
    '',
    ...(pick ? [autoText(pick)] : []),
  ].join('\n');
}

function setBusy(busy) {
  for (const id of ['run', 'model', 'file', 'runs', 'budget', 'auto', 'copy', 'clear-file']) $(id).disabled = busy;
  for (const c of CANDIDATES) $(`use-${c.id}`).disabled = busy;
}

async function run() {
  const runs = Math.max(1, Math.min(1000, Math.round(Number($('runs').value)) || 20));
  $('runs').value = String(runs);
  const budgetS = Number($('budget').value);
  setBusy(true);
  $('bench').dataset.state = 'running';
  $('report').textContent = '';
  $('auto-pick').textContent = '';
  $('copied').textContent = '';
  const source = modelSource();
  const results = CANDIDATES.map((c) => {
    const tr = document.createElement('tr');
    tr.id = `row-${c.id}`;
    const selected = $(`use-${c.id}`).checked;
    setData(tr, c, undefined, { status: selected ? 'pending' : 'skipped' });
    renderRow(tr, c, undefined, { statusText: selected ? 'waiting' : 'not selected' });
    return { c, tr, selected, r: undefined };
  });
  $('rows').replaceChildren(...results.map((x) => x.tr));

  for (const x of results) {
    if (!x.selected) continue;
    x.tr.dataset.status = 'running';
    x.r = await measure(x.c, source, {
      runs,
      budgetMs: budgetS * 1000,
      inputCount: INPUTS,
      onProgress: (what) => {
        $('status').textContent = `${x.c.label}: ${what}`;
        renderRow(x.tr, x.c, undefined, { statusText: what });
      },
    });
    renderRow(x.tr, x.c, x.r, { runs, notes: x.r.reason });
    setData(x.tr, x.c, x.r, {});
  }
  const rows = finishRows(results, runs);

  let pick;
  if ($('auto').checked) {
    $('status').textContent = "backend 'auto': choosing";
    try {
      pick = await autoPick(source);
    } catch (e) {
      pick = { error: `${e?.name ?? 'Error'}: ${e?.message ?? e}` };
    }
    showAuto(pick);
  }
  $('report').textContent = reportText(rows, runs, budgetS, pick);
  const ran = rows.filter((x) => x.r).length;
  const ok = rows.filter((x) => x.r?.status === 'ok').length;
  $('status').textContent = `done: ${ok} of ${ran} selected backends ran ${modelName()}`;
  setBusy(false);
  $('model').disabled = Boolean(file);
  $('bench').dataset.state = 'done';
}

async function copyReport() {
  try {
    await navigator.clipboard.writeText($('report').textContent);
    $('copied').textContent = 'copied';
  } catch (e) {
    // Clipboard access can be refused (permissions, an unfocused page): the text is right there to select.
    $('copied').textContent = `could not copy (${e?.message ?? e}): select the text below`;
  }
}

function pickFile() {
  file = $('file').files[0];
  $('model').disabled = Boolean(file);
  $('clear-file').hidden = !file;
  $('status').textContent = file ? `model: ${file.name} (${file.size} bytes)` : 'ready';
}

function clearFile() {
  $('file').value = '';
  pickFile();
}

async function start() {
  buildChoices();
  applyParams();
  adapter = await describeAdapter();
  showAdapter(adapter);
  $('run').addEventListener('click', () => run().catch(fail));
  $('copy').addEventListener('click', copyReport);
  $('file').addEventListener('change', pickFile);
  $('clear-file').addEventListener('click', clearFile);
  $('run').disabled = false;
  $('status').textContent = 'ready';
  $('bench').dataset.state = 'ready';
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
