// A one-line progress bar over named stages, drawn on stderr only when it is a terminal; piped or
// redirected output (CI logs, tests) gets nothing, so the bar can never pollute a result.
import type { OutStream } from './io.js';

const MIN_REDRAW_MS = 50;

export class Progress {
  private readonly stream: OutStream;
  private readonly stages: readonly string[];
  private readonly label: string;
  private readonly now: () => number;
  private readonly enabled: boolean;
  private index = -1;
  private fraction = 0;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(stream: OutStream, label: string, stages: readonly string[], opts: { now?: () => number } = {}) {
    this.stream = stream;
    this.label = label;
    this.stages = stages;
    this.now = opts.now ?? (() => performance.now());
    this.enabled = stream.isTTY === true;
  }

  /** Enters a stage (one of those given to the constructor); always redraws. */
  stage(name: string): void {
    const i = this.stages.indexOf(name);
    if (i < 0) throw new RangeError(`unknown progress stage "${name}"`);
    this.index = i;
    this.fraction = 0;
    this.draw(true);
  }

  /** Progress inside the current stage, 0..1; redraws at most every MIN_REDRAW_MS. */
  update(fraction: number): void {
    this.fraction = Math.min(1, Math.max(0, fraction));
    this.draw(false);
  }

  /** Erases the bar so the next line of output starts clean. */
  done(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  /** The text of the bar, exposed for tests; `width` is the terminal width. */
  render(width: number): string {
    const overall = this.index < 0 ? 0 : (this.index + this.fraction) / this.stages.length;
    const pct = `${Math.floor(overall * 100)}%`.padStart(4);
    const stage = this.index < 0 ? '' : this.stages[this.index];
    const barWidth = Math.max(10, Math.min(30, width - this.label.length - stage.length - 12));
    const filled = Math.round(overall * barWidth);
    return `${this.label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${pct} ${stage}`;
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const t = this.now();
    if (!force && t - this.lastDraw < MIN_REDRAW_MS) return;
    this.lastDraw = t;
    // A pseudo-terminal without a size reports 0 columns.
    const width = this.stream.columns && this.stream.columns > 20 ? this.stream.columns : 80;
    // \r + erase-to-end keeps it on one line; the render is kept shorter than the terminal so it never wraps.
    this.stream.write(`\r\x1b[K${this.render(width).slice(0, Math.max(0, width - 1))}`);
    this.drawn = true;
  }
}
