// A benchmark as a file, with no DOM: the JSON document the page exports (everything needed to judge the
// figures: SDK version, model hash, browser, adapter, settings and every sample), the same samples as CSV,
// the headline scores, and the reading of such a file back. A loaded file comes from anyone, so it is
// size-checked before it is read and rebuilt field by field from what the schema allows; nothing else of it
// is kept.

export const FORMAT = 'edgeinfer-benchmark';
export const FORMAT_VERSION = 1;
/** A results file is a few hundred KiB at most (16 rows of 10,000 samples); larger is not ours. */
export const MAX_RESULTS_BYTES = 2 * 1024 * 1024;
const MAX_ROWS = 16;
const MAX_SAMPLES = 10_000;
/** Text fields: a user agent, an error message listing every candidate. */
const MAX_TEXT = 4_000;
const STATUSES = ['ok', 'unavailable', 'unsupported', 'failed', 'skipped'];

export class ResultsFileError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ResultsFileError';
  }
}

/** Geometric mean of positive numbers (undefined for none): the mean that suits ratios and skewed times. */
export function geomean(xs) {
  if (!xs.length) return undefined;
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

/**
 * Each row's speed relative to js: the geometric mean of js's samples over the geometric mean of the row's
 * (2 = twice as fast as js). Undefined for every row when js did not run.
 */
export function speedVsJs(rows) {
  const js = rows.find((r) => r.id === 'js' && r.status === 'ok');
  if (!js) return new Map();
  const base = geomean(js.samples);
  return new Map(rows.filter((r) => r.status === 'ok').map((r) => [r.id, base / geomean(r.samples)]));
}

/**
 * Device A against device B over the rows both ran: per row B's median over A's, and their geometric mean
 * (above 1: A is faster).
 */
export function compareDevices(a, b) {
  const rows = a.results.filter((r) => r.status === 'ok').flatMap((ra) => {
    const rb = b.results.find((r) => r.id === ra.id && r.status === 'ok');
    return rb ? [{ id: ra.id, label: ra.label, a: ra.medianMs, b: rb.medianMs, ratio: rb.medianMs / ra.medianMs }] : [];
  });
  return { rows, overall: geomean(rows.map((r) => r.ratio)) };
}

/** A max |diff| as JSON holds it: a number, or the words for NaN and differing shapes. */
function diffValue(d) {
  if (d === undefined) return undefined;
  if (Number.isNaN(d)) return 'NaN';
  return d === Infinity ? 'shape differs' : d;
}

/** The exported document. `run`: what the page measured and knows (see app.js collect()). */
export function resultsDocument(run) {
  const scores = speedVsJs(run.results);
  return {
    format: FORMAT,
    version: FORMAT_VERSION,
    sdkVersion: run.sdkVersion,
    createdAt: run.createdAt,
    shareUrl: run.shareUrl,
    settings: run.settings,
    model: run.model,
    device: run.device,
    results: run.results.map((r) => ({
      id: r.id,
      label: r.label,
      backend: r.backend,
      precision: r.precision,
      status: r.status,
      reason: r.reason,
      build: r.build,
      threads: r.threads,
      loadMs: r.loadMs,
      firstMs: r.firstMs,
      batch: r.batch,
      samples: r.samples,
      medianMs: r.medianMs,
      p10Ms: r.p10Ms,
      p90Ms: r.p90Ms,
      maxDiff: diffValue(r.maxDiff),
      agrees: r.agrees,
      speedVsJs: scores.get(r.id),
    })),
    auto: run.auto,
  };
}

function csvCell(v) {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One line per timing: a row's load, its first run and each warm sample (ms per run; `batch` runs were timed
 * together for a sample). Rows that did not run have one line with their status and reason.
 */
export function resultsCsv(doc) {
  const head = ['candidate', 'label', 'backend', 'precision', 'status', 'kind', 'index', 'batch', 'ms', 'reason'];
  const lines = [head];
  for (const r of doc.results) {
    const base = [r.id, r.label, r.backend, r.precision ?? '', r.status];
    if (r.status !== 'ok') {
      lines.push([...base, '', '', '', r.loadMs ?? '', r.reason ?? '']);
      continue;
    }
    lines.push([...base, 'load', 0, '', r.loadMs, '']);
    lines.push([...base, 'first', 0, 1, r.firstMs, '']);
    r.samples.forEach((ms, i) => lines.push([...base, 'sample', i, r.batch, ms, '']));
  }
  return `${lines.map((l) => l.map(csvCell).join(',')).join('\n')}\n`;
}

// Reading a file back: each helper returns the checked value or throws naming the field.
function fail(path, expected, got) {
  const shown = typeof got === 'string' ? JSON.stringify(got.slice(0, 40)) : Array.isArray(got) ? 'an array' : got === null ? 'null' : typeof got === 'object' ? 'an object' : String(got);
  throw new ResultsFileError(`${path}: expected ${expected}, got ${shown}`);
}
function obj(v, path) {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
  return v;
}
function text(v, path, optional = false) {
  if (optional && v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > MAX_TEXT) fail(path, `text of at most ${MAX_TEXT} characters`, v);
  return v;
}
function ms(v, path, optional = true) {
  if (optional && v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(path, 'a finite number >= 0', v);
  return v;
}
/** A time that scores divide by: a run never takes 0 ms once batched, so a 0 is not a measurement. */
function positive(v, path) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(path, 'a finite number > 0', v);
  return v;
}
function count(v, path, max, optional = true) {
  if (optional && v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1 || v > max) fail(path, `an integer in 1..${max}`, v);
  return v;
}
function bool(v, path) {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(path, 'true or false', v);
  return v;
}
function list(v, path, max) {
  if (!Array.isArray(v) || v.length > max) fail(path, `an array of at most ${max} entries`, v);
  return v;
}

function readRow(v, i) {
  const p = `results[${i}]`;
  const r = obj(v, p);
  const status = text(r.status, `${p}.status`);
  if (!STATUSES.includes(status)) fail(`${p}.status`, STATUSES.join(' | '), status);
  const row = {
    id: text(r.id, `${p}.id`),
    label: text(r.label, `${p}.label`),
    backend: text(r.backend, `${p}.backend`),
    precision: text(r.precision, `${p}.precision`, true),
    status,
    reason: text(r.reason, `${p}.reason`, true),
    build: text(r.build, `${p}.build`, true),
    threads: count(r.threads, `${p}.threads`, 256),
    loadMs: ms(r.loadMs, `${p}.loadMs`),
  };
  if (status !== 'ok') return row;
  const samples = list(r.samples, `${p}.samples`, MAX_SAMPLES).map((x, k) => positive(x, `${p}.samples[${k}]`));
  if (!samples.length) fail(`${p}.samples`, 'at least one sample', samples);
  const diff = r.maxDiff;
  if (diff !== undefined && diff !== 'NaN' && diff !== 'shape differs') ms(diff, `${p}.maxDiff`);
  const [p10Ms, medianMs, p90Ms] = ['p10Ms', 'medianMs', 'p90Ms'].map((k) => positive(r[k], `${p}.${k}`));
  if (!(p10Ms <= medianMs && medianMs <= p90Ms)) fail(`${p}.medianMs`, `a median between p10 (${p10Ms}) and p90 (${p90Ms})`, medianMs);
  return {
    ...row,
    firstMs: ms(r.firstMs, `${p}.firstMs`, false),
    batch: count(r.batch, `${p}.batch`, 1_000_000, false),
    samples,
    medianMs,
    p10Ms,
    p90Ms,
    maxDiff: diff === 'NaN' ? NaN : diff === 'shape differs' ? Infinity : diff,
    agrees: bool(r.agrees, `${p}.agrees`),
  };
}

function readAdapter(v) {
  const a = obj(v, 'device.adapter');
  const available = bool(a.available, 'device.adapter.available') ?? false;
  if (!available) return { available, reason: text(a.reason ?? '', 'device.adapter.reason') };
  const field = (k) => text(a[k] ?? '', `device.adapter.${k}`);
  return {
    available,
    vendor: field('vendor'),
    architecture: field('architecture'),
    device: field('device'),
    description: field('description'),
    fallback: bool(a.fallback, 'device.adapter.fallback') ?? false,
    software: text(a.software, 'device.adapter.software', true),
    shaderF16: bool(a.shaderF16, 'device.adapter.shaderF16') ?? false,
  };
}

/**
 * A results file's text, checked against the format (and the size cap) and rebuilt from the fields it may
 * have; throws ResultsFileError saying what is wrong and where.
 */
export function parseResults(textContent) {
  if (textContent.length > MAX_RESULTS_BYTES) throw new ResultsFileError(`the file is over ${MAX_RESULTS_BYTES} bytes: not a results file of this page`);
  let raw;
  try {
    raw = JSON.parse(textContent);
  } catch (e) {
    throw new ResultsFileError(`not JSON: ${e.message}`);
  }
  const d = obj(raw, 'the file');
  if (d.format !== FORMAT) fail('format', JSON.stringify(FORMAT), d.format);
  if (d.version !== FORMAT_VERSION) fail('version', String(FORMAT_VERSION), d.version);
  const device = obj(d.device, 'device');
  const model = obj(d.model, 'model');
  const settings = obj(d.settings, 'settings');
  const results = list(d.results, 'results', MAX_ROWS).map(readRow);
  if (!results.length) fail('results', 'at least one row', results);
  return {
    format: FORMAT,
    version: FORMAT_VERSION,
    sdkVersion: text(d.sdkVersion, 'sdkVersion'),
    createdAt: text(d.createdAt, 'createdAt'),
    settings: {
      model: text(settings.model, 'settings.model'),
      runs: count(settings.runs, 'settings.runs', 1000, false),
      budgetS: ms(settings.budgetS, 'settings.budgetS', false),
      threads: count(settings.threads, 'settings.threads', 256, false),
    },
    model: { name: text(model.name, 'model.name'), hash: text(model.hash, 'model.hash', true) },
    device: {
      userAgent: text(device.userAgent, 'device.userAgent'),
      hardwareConcurrency: count(device.hardwareConcurrency, 'device.hardwareConcurrency', 4096),
      crossOriginIsolated: bool(device.crossOriginIsolated, 'device.crossOriginIsolated') ?? false,
      timerResolutionMs: ms(device.timerResolutionMs, 'device.timerResolutionMs'),
      adapter: readAdapter(device.adapter),
    },
    results,
  };
}
