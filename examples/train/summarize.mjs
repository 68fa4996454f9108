// Prints a markdown table of the trained Fashion-MNIST models from their training.json and the
// converted .eim files, for models/fashion/README.md. Usage: node examples/train/summarize.mjs
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadFashion } from './idx.mjs';
import { MODEL_NAMES } from './models.mjs';

const DIR = 'models/fashion';
const FIXTURES = 'test/fixtures/fashion-mnist';
const labels = loadFashion('t10k', FIXTURES).labels;

/** Accuracy of predict-tfjs.mjs's recorded top-1 (stock tfjs), or '-' when not recorded. */
function stockAccuracy(name) {
  const p = join(FIXTURES, `tfjs-top1-${name}.u8`);
  if (!existsSync(p)) return '-';
  const top1 = readFileSync(p);
  let correct = 0;
  top1.forEach((c, i) => { if (c === labels[i]) correct++; });
  return `${(correct / top1.length * 100).toFixed(2)}%`;
}
const kib = (p) => (existsSync(p) ? `${(statSync(p).size / 1024).toFixed(1)} KiB` : 'missing');
const minutes = (s) => `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;

console.log('| model | params | epochs | batch | Adam lr | lr decay per epoch | clip | test accuracy (10,000) | stock TF.js | per epoch | training time (wall / CPU) | weights.bin | .eim f32 | .eim int8 |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const commands = [];
for (const name of MODEL_NAMES) {
  const path = join(DIR, name, 'training.json');
  if (!existsSync(path)) continue;
  const r = JSON.parse(readFileSync(path, 'utf8'));
  const s = r.settings;
  const perEpoch = r.epochs.map((e) => `${(e.testAccuracy * 100).toFixed(2)}`).join(', ');
  console.log(`| ${name} | ${r.params.toLocaleString('en-US')} | ${r.epochs.length}/${s.epochs}${r.done ? '' : ' (running)'} | ${s.batch} | ${s.lr} | ${s.decay ?? 1} | ${s.clip ?? '-'} | `
    + `${(r.testAccuracy * 100).toFixed(2)}% | ${stockAccuracy(name)} | ${perEpoch} | ${minutes(r.trainSeconds)} / ${r.cpuSeconds ? minutes(r.cpuSeconds) : 'not recorded'} | ${kib(join(DIR, name, 'weights.bin'))} | `
    + `${kib(join(DIR, `${name}.eim`))} | ${kib(join(DIR, `${name}-int8.eim`))} |`);
  commands.push(`${name}: ${r.command}`);
  for (const resumed of r.resumed ?? []) commands.push(`${name}: after epoch ${resumed.afterEpoch}, resumed by ${resumed.command}`);
}
console.log(`\n${commands.join('\n')}`);
