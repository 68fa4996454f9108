// Draws results documents (results.js) on the page: the headline score, the two charts, and another
// device's results side by side with this one's. Everything of a loaded document reaches the page as text.
import { barChart, fmtMs, legend } from './chart.js';
import { compareDevices, speedVsJs } from './results.js';

const $ = (id) => document.getElementById(id);

export const fmtRatio = (r) => (r === undefined ? '' : `${r.toFixed(r < 10 ? 2 : 1)}×`);

export function adapterText(a) {
  if (!a.available) return `WebGPU: none (${a.reason})`;
  const what = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'no details given';
  return `WebGPU adapter: ${what}; isFallbackAdapter: ${a.fallback}; shader-f16: ${a.shaderF16 ? 'offered' : 'not offered'}`
    + (a.software ? `; ${a.software}: WebGPU figures here are a CPU's, not a GPU's` : '');
}

/** A short name for a results document's device: browser and platform from its user agent, cores, GPU. */
function deviceName(doc) {
  const ua = doc.device.userAgent;
  const browser = ua.match(/(Firefox|Edg|OPR|Chrome|HeadlessChrome|Version)\/(\d+)/);
  const platform = ua.match(/\((?:[^;)]*;\s*)?([^;)]+)/)?.[1] ?? '';
  const name = browser ? `${browser[1] === 'Version' ? 'Safari' : browser[1]} ${browser[2]}` : 'browser';
  const gpu = doc.device.adapter.available ? doc.device.adapter.description || doc.device.adapter.architecture || doc.device.adapter.vendor : '';
  return [name, platform.trim(), doc.device.hardwareConcurrency ? `${doc.device.hardwareConcurrency} cores` : '', gpu].filter(Boolean).join(', ');
}

/** The documents shown side by side: this run (when there is one) and the loaded one. */
function shownDocs({ current, other }) {
  return [current && { doc: current, series: 'this device' }, other && { doc: other, series: `loaded: ${deviceName(other)}` }].filter(Boolean);
}

export function renderCharts(shown) {
  const docs = shownDocs(shown);
  if (!docs.length) {
    for (const id of ['latency-chart', 'startup-chart', 'latency-caption']) $(id).replaceChildren();
    return;
  }
  const series = docs.map((d) => d.series);
  const ids = [...new Set(docs.flatMap((d) => d.doc.results.map((r) => r.id)))];
  const groups = (barsOf) => ids.map((id) => {
    const rows = docs.map((d) => ({ d, r: d.doc.results.find((x) => x.id === id) }));
    const first = rows.find((x) => x.r)?.r;
    return {
      key: id,
      label: first.label,
      bars: rows.filter((x) => x.r?.status === 'ok').flatMap((x) => barsOf(x.r, x.d.series)),
      note: rows.map((x) => (x.r && x.r.status !== 'ok' ? `${x.r.status}` : undefined)).filter(Boolean).join(' / ') || 'not run',
    };
  });
  const width = $('latency-chart').clientWidth || 320;
  const latency = barChart({
    title: 'Warm latency per run: median, whiskers p10 to p90', unit: 'ms', series, width,
    groups: groups((r, s) => [{ series: s, value: r.medianMs, lo: r.p10Ms, hi: r.p90Ms }]),
  });
  const startupSeries = ['load', 'first run'];
  // Two devices: load and first run for each would be four bars; the startup chart compares load() only.
  const startup = docs.length > 1
    ? barChart({ title: 'load() per backend', unit: 'ms', series, width, groups: groups((r, s) => [{ series: s, value: r.loadMs }]) })
    : barChart({ title: 'load() and first run per backend', unit: 'ms', series: startupSeries, width, groups: groups((r) => [{ series: startupSeries[0], value: r.loadMs }, { series: startupSeries[1], value: r.firstMs }]) });
  $('latency-chart').replaceChildren(legend(series), latency);
  $('startup-chart').replaceChildren(legend(docs.length > 1 ? series : startupSeries), startup);
  const batched = docs.flatMap((d) => d.doc.results.filter((r) => r.batch > 1).map((r) => r.label));
  $('latency-caption').textContent = `${docs.map((d) => `${d.series}: ${d.doc.model.name}`).join('; ')}. `
    + (batched.length ? `Batched (several runs per timer read): ${[...new Set(batched)].join(', ')}.` : '');
}

function renderSummary({ current, other }) {
  const box = $('summary');
  box.replaceChildren();
  const add = (tag, content, className) => {
    const node = document.createElement(tag);
    node.textContent = content;
    if (className) node.className = className;
    box.append(node);
    return node;
  };
  const doc = current ?? other;
  if (!doc) return;
  const speeds = speedVsJs(doc.results);
  const ok = doc.results.filter((r) => speeds.has(r.id)).map((r) => ({ ...r, speedVsJs: speeds.get(r.id) })).sort((a, b) => b.speedVsJs - a.speedVsJs);
  if (ok.length) {
    const best = ok[0];
    const head = add('div', '', 'headline');
    head.append(`${current ? 'Fastest here' : `Fastest on ${deviceName(doc)}`}: ${best.label} at `);
    const score = document.createElement('span');
    score.className = 'score';
    score.id = 'score';
    score.dataset.candidate = best.id;
    score.dataset.value = String(best.speedVsJs);
    score.textContent = `${best.speedVsJs.toFixed(1)}× js`;
    head.append(score);
    add('div', `Speed relative to js (geometric mean of js's samples over each backend's, ${doc.model.name}): `
      + ok.map((r) => `${r.label} ${fmtRatio(r.speedVsJs)}`).join(', '));
  } else {
    add('div', 'No score: the score is each backend\'s speed relative to js, and js did not run. Tick js to get one.');
  }
  if (current && other) {
    const cmp = compareDevices(current, other);
    const line = cmp.overall === undefined
      ? 'The two devices ran no backend in common: nothing to compare.'
      : `This device is ${fmtRatio(cmp.overall >= 1 ? cmp.overall : 1 / cmp.overall)} ${cmp.overall >= 1 ? 'faster than' : 'slower than'} the loaded one `
        + `(${deviceName(other)}): geometric mean of the median ratios over the ${cmp.rows.length} backends both ran.`;
    const p = add('div', line);
    p.id = 'compare-summary';
    if (cmp.overall !== undefined) p.dataset.value = String(cmp.overall);
  }
}

/** Both devices' medians per backend, and what each ran on; the loaded file's text goes in as text only. */
function renderCompare(shown) {
  const { current, other } = shown;
  const box = $('compare');
  box.replaceChildren();
  if (!other) return;
  const docs = shownDocs(shown);
  const facts = document.createElement('ul');
  for (const { doc, series } of docs) {
    const li = document.createElement('li');
    li.textContent = `${series}: edgeinfer ${doc.sdkVersion}, ${doc.model.name} (hash ${doc.model.hash ?? 'unknown'}), ${doc.createdAt}; `
      + `${doc.device.userAgent}; ${adapterText(doc.device.adapter)}; crossOriginIsolated: ${doc.device.crossOriginIsolated}`;
    facts.append(li);
  }
  box.append(facts);
  if (current && other.model.hash && current.model.hash && other.model.hash !== current.model.hash) {
    const warn = document.createElement('p');
    warn.className = 'bad';
    warn.id = 'compare-model-warning';
    warn.textContent = `The two files timed different models (${current.model.name} and ${other.model.name}): their times are not comparable.`;
    box.append(warn);
  }
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  const table = document.createElement('table');
  table.id = 'compare-table';
  const head = table.createTHead().insertRow();
  for (const h of ['backend', ...docs.map((d) => `${d.series} median ms`), ...(docs.length > 1 ? ['loaded / this'] : [])]) {
    const th = document.createElement('th');
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  const ids = [...new Set(docs.flatMap((d) => d.doc.results.map((r) => r.id)))];
  for (const id of ids) {
    const tr = body.insertRow();
    tr.dataset.candidate = id;
    const rs = docs.map((d) => d.doc.results.find((r) => r.id === id));
    const cellsText = [rs.find(Boolean).label, ...rs.map((r) => (r?.status === 'ok' ? fmtMs(r.medianMs) : r?.status ?? 'not run'))];
    if (docs.length > 1) cellsText.push(rs.every((r) => r?.status === 'ok') ? fmtRatio(rs[1].medianMs / rs[0].medianMs) : '');
    for (const t of cellsText) tr.insertCell().textContent = t;
  }
  wrap.append(table);
  box.append(wrap);
}

/** `shown`: { current, other }: this run's results document and a loaded one, either absent. */
export function renderReport(shown) {
  renderSummary(shown);
  renderCharts(shown);
  renderCompare(shown);
}
