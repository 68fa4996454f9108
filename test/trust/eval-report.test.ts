// The HTML report of `edgeinfer eval --html` opened in Chromium: it renders without a network or a script,
// the confusion matrix as a grid of classes x classes cells shaded by their share of the row, the
// reliability diagram with one bar per non-empty bin, and labels from the model shown as text, never as markup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { computeMetrics } from '../../src/trust/evaluate-metrics.js';
import type { EvaluationReport } from '../../src/trust/evaluate.js';
import { reportHtml } from '../../src/trust/report-html.js';
import { launchChromium } from '../browser/chromium.js';

const launched = await launchChromium();
const skipReason = 'skipReason' in launched ? launched.skipReason : undefined;

function sampleReport(): EvaluationReport {
  const classes = 4;
  const labels = ['<b>cat</b>', 'dog & co', 'bird', 'fish'];
  const n = 200;
  const scores = new Float32Array(n * classes);
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % classes, guess = i % 7 === 0 ? (y + 1) % classes : y;
    truth.push(y);
    const conf = 0.4 + ((i * 37) % 60) / 100;
    for (let k = 0; k < classes; k++) scores[i * classes + k] = k === guess ? conf : (1 - conf) / (classes - 1);
  }
  return { ...computeMetrics(scores, truth, classes, { labels }), backend: 'wasm', seconds: 0.5, samplesPerSecond: 400 };
}

describe.skipIf(skipReason !== undefined)(`edgeinfer eval --html in Chromium ${skipReason ?? ''}`, () => {
  let browser: Browser;
  beforeAll(() => { browser = (launched as { browser: Browser }).browser; });
  afterAll(async () => { await browser?.close(); });

  it('renders the confusion grid and the reliability diagram as SVG, offline, labels as text', async () => {
    const report = sampleReport();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    // Any request would mean the page is not self-contained.
    const requests: string[] = [];
    await page.route('**/*', (route) => { requests.push(route.request().url()); return route.abort(); });
    await page.setContent(reportHtml(report, 'model <x> on set'), { waitUntil: 'load' });
    const seen = await page.evaluate(() => {
      const box = (sel: string) => { const r = document.querySelector(sel)!.getBoundingClientRect(); return [r.width, r.height]; };
      const cells = [...document.querySelectorAll('svg.confusion rect.cell')];
      return {
        title: document.title,
        cells: cells.length,
        cellFills: new Set(cells.map((c) => getComputedStyle(c).fill)).size,
        cellBox: cells[0].getBoundingClientRect().width,
        bins: document.querySelectorAll('svg.reliability rect.bin').length,
        confusion: box('svg.confusion'),
        reliability: box('svg.reliability'),
        scripts: document.querySelectorAll('script, b').length,
        text: document.body.innerText,
      };
    });
    await page.close();
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(seen.title).toBe('model <x> on set');
    expect(seen.cells).toBe(16);
    expect(seen.cellFills).toBeGreaterThan(2);
    expect(seen.cellBox).toBeGreaterThan(10);
    expect(seen.bins).toBe(report.bins.filter((b) => b.count > 0).length);
    expect(seen.bins).toBeGreaterThan(3);
    for (const [w, h] of [seen.confusion, seen.reliability]) { expect(w).toBeGreaterThan(200); expect(h).toBeGreaterThan(200); }
    expect(seen.scripts).toBe(0);
    expect(seen.text).toContain('<b>cat</b>');
    expect(seen.text).toContain('dog & co');
    expect(seen.text).toContain(`${(report.top1 * 100).toFixed(2)} %`);
  }, 60_000);
});
