// Text formatting for CLI output: sizes, counts, shapes, durations and aligned tables.
// Pure functions of their arguments, so output is the same on every machine and locale.

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB'];

export function formatBytes(n: number): string {
  let v = n, u = 0;
  while (v >= 1024 && u < BYTE_UNITS.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${BYTE_UNITS[u]}`;
}

/** 1234567 -> "1,234,567": fixed separators rather than toLocaleString, which varies by locale. */
export function formatCount(n: number): string {
  const s = Math.round(n).toString();
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Multiply-add counts in SI units: "301.7 M", "1.21 G". */
export function formatMacs(n: number): string {
  if (n < 1e3) return `${n}`;
  const units: [number, string][] = [[1e9, 'G'], [1e6, 'M'], [1e3, 'K']];
  for (const [scale, unit] of units) {
    if (n >= scale) { const v = n / scale; return `${v.toFixed(v < 10 ? 2 : 1)} ${unit}`; }
  }
  return `${n}`;
}

/** A shape with the batch dimension (-1) shown as N. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.map((d) => (d === -1 ? 'N' : String(d))).join(',')}]`;
}

/** A fraction as a percentage with two decimals: 0.9107 -> "91.07 %". */
export function formatPercent(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Cuts a long cell in the middle, where node names differ least usefully. */
export function ellipsize(s: string, max: number): string {
  if (s.length <= max) return s;
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  return `${s.slice(0, head)}…${s.slice(s.length - (keep - head))}`;
}

export type Align = 'left' | 'right';

/** Columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells
    .map((cell, c) => (align[c] === 'right' ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
    .join('  ')
    .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n') + '\n';
}
