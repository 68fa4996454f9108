import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { writeEim } from '../../src/format/writer.js';
import { fuzzEim } from './fuzz.js';
import { oddConstants, smallCnn } from './graphs.js';

describe('.eim fuzzing: damaged files give ModelFormatError, quickly', () => {
  it('small CNN: truncations, 10000 flips (half resealed), forged headers', () => {
    const bytes = writeEim(smallCnn());
    const t0 = performance.now();
    const counts = fuzzEim(bytes, { seed: 20261101, trials: 10_000 });
    console.log(`fuzz small CNN (${bytes.length} B) in ${(performance.now() - t0).toFixed(0)} ms: ${JSON.stringify(counts)}`);
    expect(counts.truncated).toBeGreaterThan(readHeaderEnd(bytes));
    expect(counts.flipped).toBeGreaterThan(4900);
    expect(counts.resealedRejected).toBeGreaterThan(3000);
    expect(counts.forged).toBeGreaterThan(300);
  });

  it('odd constants (scalars, empty tensors, per-axis zero points): 1000 flips and forgeries', () => {
    const counts = fuzzEim(writeEim(oddConstants()), { seed: 7, trials: 1000 });
    console.log(`fuzz odd constants: ${JSON.stringify(counts)}`);
    expect(counts.forged).toBeGreaterThan(300);
  });

  it('has teeth: a reader that skips checks, or throws the wrong class, is caught', () => {
    const bytes = writeEim(smallCnn());
    expect(() => fuzzEim(bytes, { trials: 20, read: () => smallCnn() })).toThrow(/accepted a damaged file/);
    expect(() => fuzzEim(bytes, { trials: 20, read: (b) => { if (b.length !== bytes.length) throw new RangeError('short'); return smallCnn(); } }))
      .toThrow(/RangeError/);
    expect(() => fuzzEim(bytes, { trials: 20, read: () => { throw new ModelFormatError('x', ''); } })).toThrow(/bad case/);
  });
});

function readHeaderEnd(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(20, true);
}
