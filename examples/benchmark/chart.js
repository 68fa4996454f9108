// Horizontal bar charts as inline SVG, drawn at the width of their container (so text stays at its real
// size on a phone): one group per backend, one bar per series (this device, another device; or load and
// first run), an optional whisker from `lo` to `hi`, and the value written after each bar. A group with no
// value says why instead. Every mark carries data- attributes with its numbers, for scripts and tests. The
// legend is HTML beside the SVG, so that a long name (a loaded device's) wraps instead of being cut off.
// Text goes in through textContent only: labels may come from a loaded file.

const SVG = 'http://www.w3.org/2000/svg';
const FONT = 12;
const BAR = 14;
const GAP = 10;
const AXIS = 22;
/** Room right of the longest bar for its value. */
const VALUE_ROOM = 78;
const SERIES_CLASSES = ['series-0', 'series-1'];

function el(name, attrs = {}, content) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (content !== undefined) node.textContent = content;
  return node;
}

/** A round axis maximum at or above `max`, and its ticks: 1, 2 or 5 times a power of ten per step. */
export function niceTicks(max, want = 4) {
  if (!(max > 0)) return { top: 1, ticks: [0, 1] };
  const raw = max / want;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw);
  const top = Math.ceil(max / step) * step;
  const ticks = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { top, ticks };
}

export function fmtMs(ms) {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  return ms.toFixed(ms < 1 ? 3 : ms < 10 ? 2 : ms < 100 ? 1 : 0);
}

/** The series' names beside their colours, as an HTML list (empty for a single series). */
export function legend(series) {
  const ul = document.createElement('ul');
  ul.className = 'legend';
  if (series.length < 2) return ul;
  series.forEach((name, i) => {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${SERIES_CLASSES[i]}`;
    li.append(swatch, name);
    ul.append(li);
  });
  return ul;
}

/**
 * groups: [{ key, label, note?, bars: [{ series, value, lo?, hi? }] }] (note: shown when there are no bars);
 * series: the names of the bars in a group, in order, which pick their colours (see legend()).
 */
export function barChart({ title, unit, series, groups, width }) {
  const w = Math.max(260, Math.floor(width));
  const plotLeft = 4;
  const plotWidth = w - plotLeft - VALUE_ROOM;
  const max = Math.max(0, ...groups.flatMap((g) => g.bars.map((b) => Math.max(b.value, b.hi ?? 0))));
  const { top, ticks } = niceTicks(max);
  const x = (v) => plotLeft + (v / top) * plotWidth;
  const groupHeight = (g) => FONT + 4 + Math.max(1, g.bars.length) * (BAR + 2) + GAP;
  const plotTop = 0;
  const plotBottom = plotTop + groups.reduce((h, g) => h + groupHeight(g), 0);
  const h = plotBottom + AXIS;
  const svg = el('svg', { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: 'img', class: 'chart', 'data-top': top, 'data-plot-left': plotLeft, 'data-plot-width': plotWidth });
  svg.append(el('title', {}, title));

  for (const t of ticks) {
    svg.append(el('line', { x1: x(t), x2: x(t), y1: plotTop, y2: plotBottom, class: 'grid' }));
    svg.append(el('text', { x: x(t), y: plotBottom + 15, 'text-anchor': t === 0 ? 'start' : 'middle', class: 'tick' }, `${Number(t.toPrecision(3))}`));
  }
  svg.append(el('text', { x: plotLeft + plotWidth, y: plotBottom + 15, dx: 6, class: 'tick unit' }, unit));

  let y = plotTop;
  for (const g of groups) {
    const group = el('g', { class: 'group', 'data-key': g.key });
    group.append(el('text', { x: plotLeft, y: y + FONT, class: 'label' }, g.label));
    let by = y + FONT + 4;
    if (!g.bars.length) group.append(el('text', { x: plotLeft, y: by + BAR - 3, class: 'note' }, g.note ?? 'no result'));
    for (const b of g.bars) {
      const i = series.indexOf(b.series);
      const bw = Math.max(1, x(b.value) - plotLeft);
      group.append(el('rect', {
        x: plotLeft, y: by, width: bw, height: BAR, class: `bar ${SERIES_CLASSES[i] ?? ''}`,
        'data-key': g.key, 'data-series': b.series, 'data-value': b.value,
        ...(b.lo === undefined ? {} : { 'data-lo': b.lo, 'data-hi': b.hi }),
      }));
      let end = plotLeft + bw;
      if (b.lo !== undefined) {
        const cy = by + BAR / 2;
        const [x1, x2] = [x(b.lo), x(b.hi)];
        group.append(el('line', { x1, x2, y1: cy, y2: cy, class: 'whisker', 'data-key': g.key, 'data-series': b.series }));
        for (const cx of [x1, x2]) group.append(el('line', { x1: cx, x2: cx, y1: by + 3, y2: by + BAR - 3, class: 'whisker cap' }));
        end = Math.max(end, x2);
      }
      group.append(el('text', { x: end + 4, y: by + BAR - 3, class: 'value' }, `${fmtMs(b.value)} ${unit}`));
      by += BAR + 2;
    }
    svg.append(group);
    y += groupHeight(g);
  }
  return svg;
}
