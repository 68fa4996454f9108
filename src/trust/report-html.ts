// An evaluation report as one self-contained HTML page (no script, no external file): the summary
// figures, the confusion matrix as a heat grid and the reliability diagram, both inline SVG, and the
// per-class table. Every string from a model or a data set is HTML-escaped.
import type { EvaluationReport } from './evaluate.js';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;
const short = (s: string, n = 18): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Most classes drawn as a grid: beyond it the matrix would be unreadable (the JSON has it all). */
export const MAX_GRID_CLASSES = 100;

/** The confusion matrix as a heat grid: rows true classes, columns predicted, cells shaded by row share. */
export function confusionSvg(report: Pick<EvaluationReport, 'confusion' | 'labels'>): string {
  const n = report.confusion.length;
  if (n > MAX_GRID_CLASSES) return `<p>${n} classes: too many to draw (see the JSON report).</p>`;
  const cell = Math.max(8, Math.min(40, Math.floor(560 / n)));
  // Room on the right for the last column's slanted label.
  const margin = 130, size = margin + n * cell + 70;
  const showText = cell >= 26;
  const parts: string[] = [];
  for (let t = 0; t < n; t++) {
    const row = report.confusion[t];
    const total = row.reduce((a, b) => a + b, 0);
    for (let p = 0; p < n; p++) {
      const share = total ? row[p] / total : 0;
      // Light to dark blue; the diagonal in the same scale, so a good model shows a dark diagonal.
      const light = Math.round(97 - share * 62);
      const x = margin + p * cell, y = margin + t * cell;
      parts.push(`<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="hsl(215,70%,${light}%)"><title>true ${escapeHtml(report.labels[t])}, predicted ${escapeHtml(report.labels[p])}: ${row[p]}</title></rect>`);
      if (showText && row[p] > 0) {
        parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" font-size="10" text-anchor="middle" fill="${light < 60 ? '#fff' : '#222'}">${row[p]}</text>`);
      }
    }
  }
  const labelFont = Math.min(12, cell - 2);
  report.labels.slice(0, n).forEach((l, i) => {
    const c = margin + i * cell + cell / 2 + labelFont / 3;
    parts.push(`<text x="${margin - 6}" y="${c}" font-size="${labelFont}" text-anchor="end">${escapeHtml(short(l))}</text>`);
    parts.push(`<text transform="translate(${c},${margin - 6}) rotate(-60)" font-size="${labelFont}">${escapeHtml(short(l))}</text>`);
  });
  return `<svg class="confusion" xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img" aria-label="confusion matrix">`
    + `<text x="${margin}" y="14" font-size="12">predicted →</text><text x="4" y="${margin + 14}" font-size="12">true ↓</text>${parts.join('')}</svg>`;
}

/** The reliability diagram: per confidence bin, the accuracy (bars) against the diagonal of perfect calibration. */
export function reliabilitySvg(report: Pick<EvaluationReport, 'bins' | 'ece'>): string {
  const w = 360, h = 360, m = 40, plot = w - 2 * m;
  const parts: string[] = [];
  for (const b of report.bins) {
    if (b.count === 0) continue;
    const x = m + b.lower * plot, bw = (b.upper - b.lower) * plot;
    parts.push(`<rect class="bin" x="${x.toFixed(1)}" y="${(m + (1 - b.accuracy) * plot).toFixed(1)}" width="${bw.toFixed(1)}" height="${(b.accuracy * plot).toFixed(1)}" fill="#3b78c4" stroke="#fff"><title>confidence ${b.lower.toFixed(2)}–${b.upper.toFixed(2)}: ${b.count} samples, accuracy ${pct(b.accuracy)}, mean confidence ${pct(b.confidence)}</title></rect>`);
    // The gap to the bin's mean confidence, as in Guo et al.'s figures.
    const top = m + (1 - Math.max(b.accuracy, b.confidence)) * plot, gap = Math.abs(b.accuracy - b.confidence) * plot;
    parts.push(`<rect class="gap" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${bw.toFixed(1)}" height="${gap.toFixed(1)}" fill="#e0533d" fill-opacity="0.45"/>`);
  }
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => `<text x="${m + t * plot}" y="${m + plot + 16}" font-size="10" text-anchor="middle">${t}</text>`
    + `<text x="${m - 6}" y="${m + (1 - t) * plot + 4}" font-size="10" text-anchor="end">${t}</text>`).join('');
  return `<svg class="reliability" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h + 10}" viewBox="0 0 ${w} ${h + 10}" role="img" aria-label="reliability diagram">`
    + `<rect x="${m}" y="${m}" width="${plot}" height="${plot}" fill="#f6f6f6" stroke="#999"/>${parts.join('')}`
    + `<line x1="${m}" y1="${m + plot}" x2="${m + plot}" y2="${m}" stroke="#444" stroke-dasharray="4 3"/>${ticks}`
    + `<text x="${w / 2}" y="${h + 6}" font-size="11" text-anchor="middle">confidence (top score)</text>`
    + `<text transform="translate(12,${h / 2}) rotate(-90)" font-size="11" text-anchor="middle">accuracy</text>`
    + `<text x="${m + 6}" y="${m + 16}" font-size="12">ECE ${pct(report.ece)}</text></svg>`;
}

/** The whole report page. `title` names the model and data set. */
export function reportHtml(report: EvaluationReport, title: string): string {
  const rows = report.perClass.map((c) => `<tr><td>${c.index}</td><td>${escapeHtml(c.label)}</td><td>${c.support}</td><td>${pct(c.precision)}</td><td>${pct(c.recall)}</td><td>${pct(c.f1)}</td></tr>`).join('');
  const facts: [string, string][] = [
    ['samples', String(report.samples)],
    ['top-1 accuracy', pct(report.top1)],
    ['top-5 accuracy', pct(report.top5)],
    ['balanced accuracy', pct(report.balancedAccuracy)],
    ['macro F1', pct(report.macroF1)],
    ['expected calibration error', `${pct(report.ece)} (${report.bins.length} bins)`],
    ['negative log-likelihood', report.nll.toFixed(4)],
    ['backend', report.backend],
    ['throughput', `${report.samplesPerSecond.toFixed(1)} samples/s (${report.seconds.toFixed(2)} s)`],
  ];
  if (report.calibration) facts.push(['calibration applied', `temperature ${report.calibration.temperature.toFixed(4)}${report.calibration.bias ? ', per-class bias' : ''}`]);
  if (report.priorCorrection) facts.push(['prior correction', `${report.priorCorrection.estimated ? 'estimated (EM)' : 'given'}: ${report.priorCorrection.priors.map((p) => p.toFixed(3)).join(' ')}`]);
  if (report.unknown) facts.push(['answered unknown', `${report.unknown.count} (accuracy on the rest ${pct(report.unknown.accuracy)})`]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
td:nth-child(2),th:nth-child(2){text-align:left}.charts{display:flex;flex-wrap:wrap;gap:32px;align-items:flex-start}h2{font-size:16px}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<table class="summary">${facts.map(([k, v]) => `<tr><th style="text-align:left">${k}</th><td style="text-align:left">${escapeHtml(v)}</td></tr>`).join('')}</table>
<div class="charts"><section><h2>Confusion matrix</h2>${confusionSvg(report)}</section><section><h2>Reliability diagram</h2>${reliabilitySvg(report)}</section></div>
<h2>Per class</h2><table class="per-class"><tr><th>#</th><th>label</th><th>support</th><th>precision</th><th>recall</th><th>F1</th></tr>${rows}</table>
</body></html>
`;
}
