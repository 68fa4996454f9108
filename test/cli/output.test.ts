// CLI text helpers and the progress bar: deterministic formatting, and no bar unless stderr is a TTY.
import { describe, expect, it } from 'vitest';
import { ellipsize, formatBytes, formatCount, formatDuration, formatMacs, formatShape, formatTable } from '../../src/cli/format.js';
import { Progress } from '../../src/cli/progress.js';

describe('format helpers', () => {
  it('formats sizes, counts, MACs, shapes and durations', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(26454)).toBe('25.8 KiB');
    expect(formatBytes(3 * 1024 * 1024 + 512 * 1024)).toBe('3.50 MiB');
    expect(formatCount(0)).toBe('0');
    expect(formatCount(887530)).toBe('887,530');
    expect(formatCount(1234567890)).toBe('1,234,567,890');
    expect(formatMacs(999)).toBe('999');
    expect(formatMacs(786560)).toBe('786.6 K');
    expect(formatMacs(32_000_000)).toBe('32.0 M');
    expect(formatMacs(1.5e9)).toBe('1.50 G');
    expect(formatShape([-1, 28, 28, 1])).toBe('[N,28,28,1]');
    expect(formatShape([])).toBe('[]');
    expect(formatDuration(12.4)).toBe('12 ms');
    expect(formatDuration(1500)).toBe('1.50 s');
  });

  it('ellipsizes long names in the middle to the exact width', () => {
    expect(ellipsize('short', 10)).toBe('short');
    const e = ellipsize('sequential_1/conv2d_3/Conv2D_weights', 12);
    expect(e).toHaveLength(12);
    expect(e).toBe('sequen…ights');
  });

  it('aligns table columns without trailing spaces', () => {
    const t = formatTable(['node', 'op', 'MACs'], [['conv1', 'Conv', '156,800'], ['fc', 'MatMul', '']], ['left', 'left', 'right']);
    expect(t).toBe([
      'node   op         MACs',
      '-----  ------  -------',
      'conv1  Conv    156,800',
      'fc     MatMul',
      '',
    ].join('\n'));
  });
});

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 60, write: (s: string) => { writes.push(s); return true; } } };
}

describe('Progress', () => {
  const stages = ['read', 'import', 'optimize', 'quantize', 'write'];

  it('writes nothing when stderr is not a terminal', () => {
    const { writes, stream } = sink(false);
    const p = new Progress(stream, 'convert', stages);
    for (const s of stages) { p.stage(s); p.update(0.5); }
    p.done();
    expect(writes).toEqual([]);
  });

  it('draws one line per stage on a terminal, throttles updates, and erases itself', () => {
    const { writes, stream } = sink(true);
    let t = 0;
    const p = new Progress(stream, 'convert', stages, { now: () => t });
    p.stage('read');
    p.update(0.5);                      // same instant: throttled
    t = 100;
    p.update(0.5);                      // drawn
    p.stage('optimize');
    p.done();
    expect(writes).toHaveLength(4);
    expect(writes[0]).toMatch(/^\r\x1b\[Kconvert \[-+\]   0% read$/);
    expect(writes[1]).toContain('10% read');
    expect(writes[2]).toContain('40% optimize');
    expect(writes[3]).toBe('\r\x1b[K');
    for (const w of writes) expect(w.length).toBeLessThan(60 + 4);
  });

  it('still draws on a terminal that reports no size (columns 0)', () => {
    const writes: string[] = [];
    const p = new Progress({ isTTY: true, columns: 0, write: (s: string) => writes.push(s) }, 'convert', stages);
    p.stage('import');
    expect(writes[0]).toMatch(/^\r\x1b\[Kconvert \[#{6}-{24}\]  20% import$/);
  });

  it('renders the overall fraction across stages', () => {
    const p = new Progress({ write: () => true }, 'convert', ['a', 'b']);
    expect(p.render(80)).toBe(`convert [${'-'.repeat(30)}]   0% `);
    p.stage('b');
    p.update(1);
    expect(p.render(80)).toBe(`convert [${'#'.repeat(30)}] 100% b`);
    expect(() => p.stage('c')).toThrow(/unknown progress stage "c"/);
  });
});
