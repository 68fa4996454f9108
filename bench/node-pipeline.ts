// Images per second of the Node classification pipeline (issue #12): the bundled MobileNetV2 on wasm, over
// the 10 sample photos and over a folder of 12-megapixel JPEGs, for
//   - "main thread": classify(path) one file after the other (decoding on the main thread, JS decoders),
//   - classifyFiles with 1 and 2 decode workers (what `edgeinfer classify --jobs N` runs), JS decoders and sharp.
// Each configuration runs --runs times (default 2); every figure is printed with the load average at its
// start (the machine may be shared). Timings are of whole calls: worker start-up is part of them.
//   npm run bench:pipeline -- [--photos DIR] [--count 200] [--js-limit 20] [--runs 2] [--json FILE]
// The 12-MP photos are made once into DIR (default $TMPDIR/edgeinfer-12mp): 20 from the samples, upscaled to
// 4000x3000 with Gaussian noise so they compress like real photos (about 3 MB each), and copies of those 20 up
// to --count files.
// jpeg-js takes seconds per 12-MP photo, so the JS-decoder configurations take the first --js-limit of them.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist/node/index.js');
if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build\` first`);
const { NodeImageClassifier } = (await import(DIST)) as typeof import('../src/node.js');

const { values: opt } = parseArgs({
  options: {
    photos: { type: 'string', default: join(tmpdir(), 'edgeinfer-12mp') },
    count: { type: 'string', default: '200' },
    'js-limit': { type: 'string', default: '20' },
    runs: { type: 'string', default: '2' },
    json: { type: 'string' },
  },
});
const count = Number(opt.count), jsLimit = Number(opt['js-limit']), runs = Number(opt.runs);

const SAMPLES = join(ROOT, 'models/samples');
const samples = readdirSync(SAMPLES).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(SAMPLES, f));

/** Photos made from scratch; the rest of the folder are copies of them (decoding costs the same). */
const UNIQUE = 20;

async function makePhotos(dir: string, n: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const name = (i: number) => join(dir, `photo-${String(i).padStart(3, '0')}.jpg`);
  const made = Math.min(n, UNIQUE);
  if (!Array.from({ length: made }, (_, i) => existsSync(name(i))).every(Boolean)) {
    const sharp = (await import('sharp')).default;
    const [W, H] = [4000, 3000];
    const noise = await sharp({ create: { width: W, height: H, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 28 } } }).raw().toBuffer();
    for (let i = 0; i < made; i++) {
      if (existsSync(name(i))) continue;
      const base = await sharp(samples[i % samples.length]).rotate(i < samples.length ? 0 : 180).resize(W, H, { fit: 'cover' }).raw().toBuffer();
      await sharp(base, { raw: { width: W, height: H, channels: 3 } })
        .composite([{ input: noise, raw: { width: W, height: H, channels: 3 }, blend: 'soft-light' }])
        .jpeg({ quality: 90 }).toFile(name(i));
      process.stderr.write(`made ${i + 1}/${made} photos in ${dir}\n`);
    }
  }
  for (let i = made; i < n; i++) if (!existsSync(name(i))) copyFileSync(name(i % made), name(i));
  return Array.from({ length: n }, (_, i) => name(i));
}

interface Row { set: string; images: number; mode: string; decoder: string; run: number; seconds: number; imagesPerSecond: number; load1: number; errors: number }
const rows: Row[] = [];

const classifier = await NodeImageClassifier.create(undefined, { backend: 'wasm' });
// Warm the backend (the wasm compiler optimises hot kernels after a few runs).
for (let i = 0; i < 3; i++) await classifier.classify(samples[0]);

async function measure(set: string, paths: string[], mode: string, decoder: 'js' | 'sharp'): Promise<void> {
  for (let run = 1; run <= runs; run++) {
    const load1 = loadavg()[0];
    const t0 = performance.now();
    let errors = 0;
    if (mode === 'main thread') {
      for (const p of paths) await classifier.classify(p).catch(() => errors++);
    } else {
      const got = await classifier.classifyFiles(paths, { concurrency: Number(mode.split(' ')[0]), decoder });
      errors = got.filter((r) => r.error).length;
    }
    const seconds = (performance.now() - t0) / 1000;
    const row = { set, images: paths.length, mode, decoder, run, seconds: +seconds.toFixed(2), imagesPerSecond: +(paths.length / seconds).toFixed(2), load1: +load1.toFixed(1), errors };
    rows.push(row);
    console.log(`${set.padEnd(12)} ${String(paths.length).padStart(4)}  ${mode.padEnd(12)} ${decoder.padEnd(6)} run ${run}: ${row.imagesPerSecond.toFixed(2).padStart(7)} images/s  (${row.seconds} s, load ${row.load1}${errors ? `, ${errors} errors` : ''})`);
  }
}

const photos = await makePhotos(opt.photos!, count);
console.log(`MobileNetV2 int8 on ${classifier.backend}; ${loadavg().map((l) => l.toFixed(1)).join(' ')} load; ${runs} runs each`);
for (const [set, paths] of [['samples', samples], ['12mp', photos]] as const) {
  const jsPaths = set === '12mp' ? paths.slice(0, jsLimit) : paths;
  await measure(set, jsPaths, 'main thread', 'js');
  for (const workers of ['1 worker', '2 workers']) {
    await measure(set, jsPaths, workers, 'js');
    await measure(set, paths, workers, 'sharp');
  }
}
classifier.dispose();
if (opt.json) writeFileSync(opt.json, `${JSON.stringify(rows, null, 2)}\n`);
