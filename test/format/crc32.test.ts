import { describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, crc32Update } from '../../src/format/crc32.js';
import { rng } from '../helpers/harness.js';

function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed), out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

describe('crc32', () => {
  it('gives the standard check value for "123456789"', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it.each([1, 7, 8, 9, 15, 16, 17, 63, 64, 1000, 65537])('matches zlib on %i random bytes, also at odd offsets', (n) => {
    const buf = randomBytes(n + 3, n);
    const view = buf.subarray(3);
    expect(crc32(view)).toBe(zlibCrc32(view));
  });

  it('chains over pieces like one pass over their concatenation', () => {
    const buf = randomBytes(5000, 9);
    let c = 0;
    for (const [a, b] of [[0, 1], [1, 13], [13, 4000], [4000, 4001], [4001, 5000]]) c = crc32Update(c, buf, a, b);
    expect(c).toBe(zlibCrc32(buf));
  });
});
