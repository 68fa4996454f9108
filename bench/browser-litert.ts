// `npm run bench:browser`, part 2: a Coral TFLite classifier (MobileNet v2 224, uint8, from the repository's
// fixtures) run in headless Chromium by LiteRT.js 2.5 (@litertjs/core: Google's TFLite runtime for the web,
// XNNPACK in wasm) and by edgeinfer on the same photo, both on one thread, side by side in one page.
// The model goes through `edgeinfer convert`'s importer (importTflite) here. Prints the table and the ratio,
// the download each runtime needs, and how far the two outputs are apart.
// EDGEINFER_BENCH_RUNS=<runs per pass, default 20>  EDGEINFER_BENCH_PASSES=<default 4>
import { readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../test/browser/bundle.js';
import { importTflite } from '../src/convert/tflite/import.js';
import { writeEim } from '../src/format/writer.js';
import { readImageFile } from '../src/vision/node-image.js';
import { withBenchBrowser, pageScript } from './lib/bench-browser.js';
import { latencyStats } from './lib/stats.js';
import type { LiteRtRequest, LiteRtResult } from './browser/litert-page.js';

const log = (line: string) => console.log(`[bench:browser litert] ${line}`);
const MODEL = join(ROOT, 'test/fixtures/models/tflite-coral/mobilenet_v2_1.0_224_inat_bird_quant.tflite');
const PHOTO = join(ROOT, 'test/fixtures/models/tflite-coral/photos/owl.jpg');
const SIZE = 224;
const LITERT_WASM = join(ROOT, 'node_modules/@litertjs/core/wasm');

/** The photo as the model's uint8 input: a nearest resize of the whole picture (Coral's preprocessing). */
async function photoInput(): Promise<Uint8Array> {
  const img = await readImageFile(PHOTO);
  const step = img.format === 'RGBA' ? 4 : img.format === 'RGB' ? 3 : 1;
  const out = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    const sy = Math.min(img.height - 1, Math.floor((y * img.height) / SIZE));
    for (let x = 0; x < SIZE; x++) {
      const sx = Math.min(img.width - 1, Math.floor((x * img.width) / SIZE));
      for (let c = 0; c < 3; c++) out[(y * SIZE + x) * 3 + c] = img.data[(sy * img.width + sx) * step + (step === 1 ? 0 : c)];
    }
  }
  return out;
}

const argmax = (v: readonly number[]): number => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);
const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

async function main(): Promise<void> {
  const runsPerPass = Number(process.env.EDGEINFER_BENCH_RUNS ?? 20);
  const passes = Number(process.env.EDGEINFER_BENCH_PASSES ?? 4);
  const tflite = new Uint8Array(readFileSync(MODEL));
  const eim = writeEim(importTflite(tflite));
  await withBenchBrowser({ '/bench/': join(ROOT, 'bench/browser'), '/litert/': LITERT_WASM }, async ({ browser, bundle, server }) => {
    server.put('/bench/litert-page.js', await pageScript('bench/browser/litert-page.ts'), 'text/javascript; charset=utf-8');
    server.put('/m/model.tflite', tflite);
    server.put('/m/model.eim', eim);
    server.put('/m/input.u8', await photoInput());
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.origin}/bench/litert.html`);
    await page.waitForFunction(() => 'pageApi' in globalThis, undefined, { timeout: 60_000 });
    const request: LiteRtRequest = {
      sdkUrl: '/dist/index.js', tflite: '/m/model.tflite', eim: '/m/model.eim', input: '/m/input.u8', size: SIZE, warmup: 5, runsPerPass, passes,
    };
    const load0 = loadavg()[0];
    const r = await page.evaluate((q) => (globalThis as unknown as { pageApi: { benchLiteRt(x: LiteRtRequest): Promise<LiteRtResult> } }).pageApi.benchLiteRt(q), request);
    const load1 = loadavg()[0];
    await page.close();
    if (errors.length) log(`page errors: ${errors.join('; ')}`);

    const lite = latencyStats(r.litert.passes.flat()), ours = latencyStats(r.edgeinfer.passes.flat());
    const bestPass = (p: number[][]) => Math.min(...p.map((s) => latencyStats(s).median));
    const maxDiff = Math.max(...r.litert.output.map((v, i) => Math.abs(v - r.edgeinfer.output[i])));
    const wasmBytes = (f: string) => statSync(join(LITERT_WASM, f)).size;
    const ourWasm = ['edgeinfer-simd.wasm', 'edgeinfer-relaxed.wasm'].map((f) => { try { return statSync(join(bundle.dir, f)).size; } catch { return 0; } });
    log(`Chromium ${browser.version()} headless, ${r.userAgent.includes('Linux') ? 'Linux' : r.userAgent}; load average ${load0.toFixed(1)} -> ${load1.toFixed(1)} (2 cores)`);
    log(`model: ${MODEL.slice(ROOT.length + 1)} (${tflite.length.toLocaleString('en')} B; .eim ${eim.length.toLocaleString('en')} B), photo ${PHOTO.slice(ROOT.length + 1)}`);
    console.log('');
    console.log('| runtime (1 thread) | load | first run | median | p90 | best pass median | wasm download |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(`| LiteRT.js 2.5 (wasm, XNNPACK) | ${fmt(r.litert.loadMs)} ms | ${fmt(r.litert.firstRunMs)} ms | ${fmt(lite.median)} ms | ${fmt(lite.p90)} ms | ${fmt(bestPass(r.litert.passes))} ms | ${(wasmBytes('litert_wasm_compat_internal.wasm') / 2 ** 20).toFixed(1)} MiB + ${(wasmBytes('litert_wasm_compat_internal.js') / 1024).toFixed(0)} KiB JS |`);
    console.log(`| edgeinfer (${r.edgeinfer.backend}, ${r.edgeinfer.threads}) | ${fmt(r.edgeinfer.loadMs)} ms | ${fmt(r.edgeinfer.firstRunMs)} ms | ${fmt(ours.median)} ms | ${fmt(ours.p90)} ms | ${fmt(bestPass(r.edgeinfer.passes))} ms | ${(Math.max(...ourWasm) / 1024).toFixed(0)} KiB |`);
    console.log('');
    log(`edgeinfer / LiteRT.js speed: ${(lite.median / ours.median).toFixed(2)}x by median, ${(bestPass(r.litert.passes) / bestPass(r.edgeinfer.passes)).toFixed(2)}x by best pass (> 1: edgeinfer faster)`);
    log(`outputs: top-1 ${argmax(r.litert.output)} (LiteRT.js) vs ${argmax(r.edgeinfer.output)} (edgeinfer); max |dp| ${maxDiff.toFixed(4)} (edgeinfer computes in float what LiteRT computes in uint8)`);
  });
}

await main();
