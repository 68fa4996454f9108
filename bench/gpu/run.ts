// GPU side-by-side bench in headless Chromium: edgeinfer's WebGPU backend, @tensorflow/tfjs-backend-webgpu
// (graph model) and onnxruntime-web's webgpu EP, on one page per model case, same weights and inputs
// (bench/models). Here the only adapter is SwiftShader, so every figure is "SwiftShader (CPU emulation)":
// it ranks kernels by how much work they do on a CPU, which is not how a real GPU would rank them.
//
// Run:    npx tsx bench/gpu/run.ts        (a few minutes; `npm run bench:gpu` once wired)
// Needs:  /usr/bin/chromium (npm test installs it), npm install --no-save @tensorflow/tfjs-backend-webgpu@4.22.0
//         (else the tfjs rows say why they are missing).
// Narrow: --models cnn,mobilenetv2,rnn,lstm  --runtimes edgeinfer,edgeinfer-f16,tfjs,ort  --passes 3  --pass-ms 1500
//
// Per case: a fresh page fetches every byte first; each runtime then starts (init: engine and GPUDevice), loads
// the model and runs it once with the output read back (cold = load + first inference, pipeline creation
// included), its output is checked against onnxruntime-web's wasm EP run in Node, and it is timed warm in
// `passes` passes, the runtimes taking turns so that load changes on this shared machine hit all alike.
// warm = median of all timed runs (input copied in, output read back). Results: bench/gpu/results/.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Page } from 'playwright';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/browser/chromium.js';
import { startServer } from '../../test/browser/server.js';
import { benchInputs, benchModels, macsOf, type BenchModel } from '../models/catalog.js';
import { exportOnnx } from '../models/export-onnx.js';
import { transposeData } from '../models/graph-info.js';
import { compareOutputs, latencyStats } from '../lib/stats.js';
import { formatReport, type CaseResult, type RuntimeId, RUNTIME_LABELS } from './report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
const list = (v: string | undefined) => v?.split(',').map((s) => s.trim()).filter(Boolean);
const wantModels = list(opt('models'));
const runtimes = (list(opt('runtimes')) ?? ['edgeinfer', 'edgeinfer-f16', 'tfjs', 'ort']) as RuntimeId[];
const passes = Math.max(1, Number(opt('passes') ?? 3));
const passMs = Number(opt('pass-ms') ?? 1500);
const INPUT_VARIANTS = 4;
const log = (s: string) => console.log(`[bench:gpu] ${s}`);

/** Where a package's dist folder is, or why it is missing. */
function distOf(pkg: string, hint: string): string | { missing: string } {
  const dist = join(ROOT, 'node_modules', pkg, 'dist');
  return existsSync(dist) ? dist : { missing: `${pkg} is not installed (${hint})` };
}

async function bundleEdgeinfer(out: string): Promise<void> {
  const { embedWgsl } = (await import(join(ROOT, 'scripts/embed-wgsl.mjs'))) as { embedWgsl(): unknown };
  embedWgsl();
  await build({ entryPoints: [join(HERE, 'edgeinfer-entry.ts')], bundle: true, format: 'esm', target: 'es2022', outfile: join(out, 'edgeinfer.js'), logLevel: 'warning' });
}

/** onnxruntime-web's wasm EP in Node, on the ONNX form: the output every runtime is checked against. */
async function referenceOutput(model: BenchModel, batch: number): Promise<Float32Array> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const s = await ort.InferenceSession.create(model.onnx.bytes, { executionProviders: ['wasm'] });
  try {
    const { name, perm } = model.onnx.inputs[0];
    const shape = model.graph.inputs[0].shape.map((d, i) => (i === 0 ? batch : d));
    const x = new ort.Tensor('float32', transposeData(model.input(batch), shape, perm), perm.map((p) => shape[p]));
    return (await s.run({ [name]: x }))[s.outputNames[0]].data as Float32Array;
  } finally {
    await s.release();
  }
}

function serveModel(put: (path: string, b: Uint8Array) => void, model: BenchModel): void {
  const base = `/m/${model.id}`;
  put(`${base}/model.eim`, model.eim);
  put(`${base}/model.onnx`, model.onnx.bytes);
  const { weightData, ...topology } = model.tfjs;
  put(`${base}/tfjs.json`, new TextEncoder().encode(JSON.stringify(topology)));
  put(`${base}/tfjs.bin`, new Uint8Array(weightData));
  const { perm } = model.onnx.inputs[0];
  for (const batch of model.batches) {
    const shape = model.graph.inputs[0].shape.map((d, i) => (i === 0 ? batch : d));
    benchInputs(model, batch, INPUT_VARIANTS).forEach((x, k) => {
      put(`${base}/b${batch}/ir-${k}.f32`, new Uint8Array(x.buffer.slice(0)));
      put(`${base}/b${batch}/onnx-${k}.f32`, new Uint8Array(transposeData(x, shape, perm).buffer));
    });
  }
}

async function runCase(page: Page, model: BenchModel, batch: number, live: RuntimeId[], skipped: Map<RuntimeId, string>): Promise<CaseResult> {
  const irShape = model.graph.inputs[0].shape.map((d, i) => (i === 0 ? batch : d));
  const { perm } = model.onnx.inputs[0];
  const c = { model: model.id, batch, count: INPUT_VARIANTS, irShape, onnxShape: perm.map((p) => irShape[p]) };
  const want = await referenceOutput(model, batch);
  await page.evaluate((x) => (globalThis as any).pageApi.fetchCase(x), c);
  const result: CaseResult = { model: model.id, title: model.title, batch, macs: macsOf(model.graph, batch), rows: [] };
  const ready: { id: RuntimeId; samples: number[]; perPass: number }[] = [];
  for (const id of runtimes) {
    const where = `${model.id} b${batch} ${RUNTIME_LABELS[id]}`;
    if (!live.includes(id)) {
      result.rows.push({ runtime: id, note: skipped.get(id) ?? 'not requested' });
      continue;
    }
    const init = await page.evaluate((r) => (globalThis as any).pageApi.init(r), id) as { initMs?: number; error?: string };
    if (init.error) {
      result.rows.push({ runtime: id, note: `init failed: ${init.error}` });
      log(`${where}: init failed: ${init.error}`);
      continue;
    }
    const cold = await page.evaluate(([r, x]) => (globalThis as any).pageApi.cold(r, x), [id, c] as const) as
      { loadMs: number; firstMs: number; coldMs: number; output: number[]; error?: string };
    if (cold.error) {
      result.rows.push({ runtime: id, initMs: init.initMs, note: `failed: ${cold.error}` });
      log(`${where}: ${cold.error}`);
      continue;
    }
    // GPU reductions run in another order than the CPU's, and SwiftShader may fuse multiply-adds; f16
    // storage rounds every tensor to 11 significant bits (test/e2e/half-precision.test.ts measures its accuracy).
    // So its bound scales with the output's largest magnitude (logits of tens, deep nets like MobileNetV2).
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const [atol, rtol] = id === 'edgeinfer-f16' ? [1e-2 * Math.max(1, scale), 3e-2] : [1e-3, 1e-3];
    const { maxAbs, ok } = compareOutputs(cold.output, want, atol, rtol);
    const row = { runtime: id, initMs: init.initMs, loadMs: cold.loadMs, firstMs: cold.firstMs, coldMs: cold.coldMs, check: `max|Δ| ${maxAbs.toExponential(1)}` };
    log(`${where}: init ${init.initMs!.toFixed(0)} ms, load ${cold.loadMs.toFixed(0)} ms, first inference ${cold.firstMs.toFixed(0)} ms, ${row.check}`);
    if (!ok) {
      result.rows.push({ ...row, note: `output differs from onnxruntime-web (wasm) by up to ${maxAbs.toExponential(2)}: not timed` });
      await page.evaluate((r) => (globalThis as any).pageApi.dispose(r), id);
      continue;
    }
    // One more untimed run sizes the passes.
    const [est] = await page.evaluate(([r, n]) => (globalThis as any).pageApi.time(r, n), [id, 1] as const) as number[];
    const perPass = Math.min(10, Math.max(2, Math.round(passMs / Math.max(est, 1))));
    result.rows.push(row);
    ready.push({ id, samples: [], perPass });
  }
  for (let p = 0; p < passes; p++) {
    // Rotate who goes first, so no runtime always runs right after another one's work.
    for (let j = 0; j < ready.length; j++) {
      const r = ready[(p + j) % ready.length];
      const times = await page.evaluate(([id, n]) => (globalThis as any).pageApi.time(id, n), [r.id, r.perPass] as const) as number[];
      r.samples.push(...times);
    }
  }
  for (const r of ready) {
    const row = result.rows.find((x) => x.runtime === r.id)!;
    row.warm = latencyStats(r.samples);
    await page.evaluate((id) => (globalThis as any).pageApi.dispose(id), r.id);
    log(`${model.id} b${batch} ${RUNTIME_LABELS[r.id]}: warm median ${row.warm.median.toFixed(1)} ms over ${r.samples.length} runs`);
  }
  return result;
}

async function main(): Promise<void> {
  const scratch = join(ROOT, '.cache', `gpu-bench-${process.pid}`);
  const skipped = new Map<RuntimeId, string>();
  const tfjsDist = distOf('@tensorflow/tfjs', 'a devDependency: npm install');
  const tfjsWebgpuDist = distOf('@tensorflow/tfjs-backend-webgpu', 'npm install --no-save @tensorflow/tfjs-backend-webgpu@4.22.0');
  const ortDist = distOf('onnxruntime-web', 'a devDependency: npm install');
  for (const [id, d] of [['tfjs', tfjsDist], ['tfjs', tfjsWebgpuDist], ['ort', ortDist]] as const) {
    if (typeof d !== 'string') skipped.set(id, d.missing);
  }
  const live = runtimes.filter((r) => !skipped.has(r));

  let t = performance.now();
  const models = (await benchModels()).filter((m) => !wantModels || wantModels.includes(m.id));
  log(`built ${models.length} models in ${(performance.now() - t).toFixed(0)} ms`);
  t = performance.now();
  await bundleEdgeinfer(join(scratch, 'edgeinfer'));
  log(`bundled edgeinfer in ${(performance.now() - t).toFixed(0)} ms`);

  const mounts: Record<string, string> = { '/page/': join(HERE, 'page'), '/edgeinfer/': join(scratch, 'edgeinfer') };
  if (typeof ortDist === 'string') mounts['/ort/'] = ortDist;
  if (typeof tfjsDist === 'string') mounts['/tfjs/'] = tfjsDist;
  if (typeof tfjsWebgpuDist === 'string') mounts['/tfjs-webgpu/'] = tfjsWebgpuDist;
  const server = await startServer(mounts);
  const tiny = exportOnnx({
    nodes: [{ name: 'relu', op: 'Relu', inputs: ['x'], outputs: ['y'], attrs: {} }],
    inputs: [{ name: 'x', shape: [-1, 4] }], outputs: [{ name: 'y', shape: [-1, 4] }], constants: new Map(), metadata: {},
  });
  server.put('/m/tiny.onnx', tiny.bytes);
  for (const m of models) serveModel(server.put, m);

  // No GPU shader disk cache: every cold figure compiles its pipelines, as on a first visit.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, '--disable-gpu-shader-disk-cache'] });
  const chromiumVersion = browser.version();
  const results: CaseResult[] = [];
  let adapter = 'unknown';
  try {
    for (const model of models) {
      for (const batch of model.batches) {
        const page = await browser.newPage();
        page.on('pageerror', (e) => log(`page error: ${e.message}`));
        page.on('console', (m) => { if (m.type() === 'error') log(`page console: ${m.text()}`); });
        page.on('response', (r) => { if (r.status() >= 400) log(`page fetch: HTTP ${r.status()} ${r.url()}`); });
        try {
          await page.goto(`${server.origin}/page/index.html`);
          await page.waitForFunction(() => (globalThis as any).pageApi !== undefined);
          const a = await page.evaluate(() => (globalThis as any).pageApi.adapter()) as { vendor: string; architecture: string; fallback: boolean; f16: boolean } | undefined;
          if (!a) throw new Error('no WebGPU adapter in Chromium (is --enable-unsafe-webgpu honoured?)');
          adapter = `${a.vendor}/${a.architecture}${a.fallback ? ' (fallback adapter)' : ''}, shader-f16 ${a.f16 ? 'offered' : 'not offered'}`;
          results.push(await runCase(page, model, batch, live, skipped));
        } finally {
          await page.close();
        }
      }
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  const env = { chromium: chromiumVersion, adapter, passes, passMs, date: new Date().toISOString() };
  const text = formatReport(results, env);
  console.log(`\n${text}`);
  const out = join(HERE, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'gpu.txt'), `${text}\n`);
  writeFileSync(join(out, 'gpu.json'), `${JSON.stringify({ env, results }, null, 2)}\n`);
  log(`wrote ${join(out, 'gpu.txt')} and gpu.json`);
}

await main();
