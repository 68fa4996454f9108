// `npm run demo`: the bundled MobileNetV2 classifies the ten bundled sample photos; prints each
// photo's top-5, the backend, and the time per image. Also the shortest example of the Node API.
// Usage: npm run demo [-- --backend auto|webgpu|wasm|js]   (default auto: the fastest backend here)
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../src/backends/backend.js';
import type { Selection } from '../src/runtime/select.js';
import { DEFAULT_MODEL_PATH, NodeImageClassifier } from '../src/vision/node-classifier.js';

const SAMPLES = fileURLToPath(new URL('../models/samples/', import.meta.url));

function backendArg(argv: readonly string[]): BackendName | 'auto' {
  const i = argv.findIndex((a) => a === '--backend' || a.startsWith('--backend='));
  if (i < 0) return 'auto';
  const value = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  if (value !== 'auto' && value !== 'js' && value !== 'wasm' && value !== 'webgpu') {
    throw new Error(`--backend must be auto, webgpu, wasm or js, got ${value}`);
  }
  return value;
}

/** Every backend considered and what became of it: the SDK reports rejections, never hides them. */
function describeSelection(selection: Selection | undefined): string {
  if (!selection) return '';
  const how = { auto: 'chosen by a timed trial', cached: 'remembered from an earlier trial', explicit: 'as requested' }[selection.mode];
  const others = selection.candidates
    .filter((c) => c.status !== 'chosen')
    .map((c) => `${c.name}: ${c.status}${c.medianMs !== undefined ? ` ${ms(c.medianMs)}` : ''}${c.reason ? ` (${c.reason})` : ''}`);
  return ` (${how})${others.length ? `\n  also considered: ${others.join('; ')}` : ''}`;
}

const pct = (score: number): string => (score < 0.001 ? '<0.1' : (score * 100).toFixed(1)).padStart(5) + ' %';
const ms = (t: number): string => (t < 1000 ? `${Math.round(t)} ms` : `${(t / 1000).toFixed(2)} s`);

async function demo(): Promise<void> {
  const t0 = performance.now();
  const classifier = await NodeImageClassifier.create(DEFAULT_MODEL_PATH, { backend: backendArg(process.argv.slice(2)) });
  const loadMs = performance.now() - t0;   // includes choosing the backend (and its trial runs)
  const mib = (statSync(DEFAULT_MODEL_PATH).size / 2 ** 20).toFixed(2);
  console.log(`MobileNetV2 (int8 weights, ImageNet, ${classifier.classes} classes), ${mib} MiB, loaded in ${ms(loadMs)}`);
  console.log(`backend: ${classifier.backend}${describeSelection(classifier.selection)}\n`);

  const photos = readdirSync(SAMPLES).filter((f) => f.endsWith('.jpg')).sort();
  const times: number[] = [];
  for (const photo of photos) {
    const t = performance.now();
    const top5 = await classifier.classify(`${SAMPLES}${photo}`, { topK: 5 });
    times.push(performance.now() - t);
    console.log(`${photo}  (${ms(times[times.length - 1])})`);
    const width = Math.max(...top5.map((c) => c.label.length));
    for (const c of top5) console.log(`  ${c.label.padEnd(width)}  ${pct(c.score)}`);
  }
  classifier.dispose();
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(`\n${photos.length} photos on ${classifier.backend}: ${ms(mean)} per image (JPEG decode + preprocess + inference)`);
}

demo().catch((e: unknown) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
