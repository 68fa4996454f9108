// The CPU bench in headless Chromium: the same models, inputs, output check and timing scheme as
// cpu.bench.ts, run by a page (browser/page.ts) on edgeinfer's built browser bundle (wasm backend: the
// relaxed-SIMD build where Chromium has relaxed SIMD), onnxruntime-web (wasm EP) and tfjs-backend-wasm,
// each on one thread and at 2 threads (edgeinfer also at threads 'auto'), served from localhost with COOP/COEP
// (the page is cross-origin isolated, so every engine may start threads; each 2-thread case says how that was checked). Each model gets a fresh page, so every engine
// starts cold there and its wasm heap holds that model only. Prints the Node bench's tables and writes
// bench/results/browser.{txt,json}.
//
// Run:    npx tsx bench/browser-bench.ts   (package.json: npm run bench:browser; a few minutes)
// Needs:  /usr/bin/chromium (or EDGEINFER_CHROMIUM); builds the wasm kernels and the bundle itself.
// Narrow: EDGEINFER_BENCH_MODELS=cnn,mobilenetv2,rnn,lstm  EDGEINFER_BENCH_RUNTIMES=edgeinfer-wasm-simd,edgeinfer-wasm-2t,
//         edgeinfer-wasm-auto,ort-wasm,ort-wasm-2t,tfjs-wasm,tfjs-wasm-2t,ort-wasm-int8 (ort-wasm always runs)  EDGEINFER_BENCH_TIME=<ms per case, default 2000>
//         EDGEINFER_BENCH_PASSES=<default 4>.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright';
import { ROOT } from '../test/browser/bundle.js';
import type { TestServer } from '../test/browser/server.js';
import { writeEim } from '../src/format/writer.js';
import type { Graph } from '../src/graph/ir.js';
import { pageScript, withBenchBrowser } from './lib/bench-browser.js';
import { allRuntimes } from './lib/runtimes.js';
import { browserEnvironment, writeReport, type ReportCase, type ReportSetup, type RuntimeInfo } from './lib/report.js';
import { latencyStats } from './lib/stats.js';
import { benchInputs, benchModels, macsOf, type BenchModel } from './models/catalog.js';
import { exportOnnx } from './models/export-onnx.js';
import { transposeData } from './models/graph-info.js';
import { tfjsModelFiles } from './models/tfjs-writer.js';
import type { ModelRequest, PageResult } from './browser/protocol.js';

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
const log = (line: string) => console.log(`[bench:browser] ${line}`);

const RUNTIME_IDS = ['edgeinfer-wasm-simd', 'edgeinfer-wasm-2t', 'edgeinfer-wasm-auto', 'ort-wasm', 'ort-wasm-2t', 'tfjs-wasm', 'tfjs-wasm-2t', 'ort-wasm-int8'];

const f32Bytes = (x: Float32Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);

/** Serves one model's files and inputs; returns the page's request. */
function publishModel(server: TestServer, m: BenchModel, runtimes: readonly string[], budgetMs: number, passes: number): ModelRequest {
  const at = `/m/${m.id}`;
  server.put(`${at}.eim`, m.eim);
  server.put(`${at}.onnx`, m.onnx.bytes);
  if (m.int8Onnx) server.put(`${at}-int8.onnx`, m.int8Onnx);
  const { modelJson, weightsBin } = tfjsModelFiles(m.tfjs);
  server.put(`${at}.tfjs/model.json`, new TextEncoder().encode(modelJson));
  server.put(`${at}.tfjs/weights.bin`, weightsBin);
  const irShape = m.graph.inputs[0].shape;
  const perm = m.onnx.inputs[0].perm;
  const inputs: Record<number, { ir: string[]; ort: string[] }> = {};
  for (const batch of m.batches) {
    const shape = irShape.map((d, i) => (i === 0 ? batch : d));
    const xs = benchInputs(m, batch);
    inputs[batch] = { ir: [], ort: [] };
    xs.forEach((x, k) => {
      server.put(`${at}/b${batch}/ir-${k}.f32`, f32Bytes(x));
      server.put(`${at}/b${batch}/ort-${k}.f32`, f32Bytes(transposeData(x, shape, perm)));
      inputs[batch].ir.push(`${at}/b${batch}/ir-${k}.f32`);
      inputs[batch].ort.push(`${at}/b${batch}/ort-${k}.f32`);
    });
  }
  return {
    sdkUrl: '/dist/advanced.js', ortUrl: '/ort/ort.min.mjs',
    batches: m.batches, inputName: m.inputName, outputName: m.outputName, irShape, onnxPerm: perm,
    eim: `${at}.eim`, onnx: `${at}.onnx`, ...(m.int8Onnx ? { int8Onnx: `${at}-int8.onnx` } : {}),
    tfjsJson: `${at}.tfjs/model.json`, tfjsWeights: `${at}.tfjs/weights.bin`,
    tiny: { eim: '/m/tiny.eim', onnx: '/m/tiny.onnx' },
    inputs, runtimes, budgetMs, passes,
  };
}

/** A fresh page on the bench page, once its module has published pageApi (page errors fail at once). */
async function openBenchPage(browser: Browser, origin: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  await page.goto(`${origin}/bench/bench.html`);
  const deadline = Date.now() + 60_000;
  while (!(await page.evaluate(() => 'pageApi' in globalThis))) {
    if (errors.length || Date.now() > deadline) {
      await page.close();
      throw new Error(`the bench page did not start: ${errors.join('; ') || 'no pageApi within 60 s'}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { page, errors };
}

const BUILD_LABEL: Record<string, string> = { relaxed: 'relaxed-SIMD', simd: 'SIMD', scalar: 'scalar' };

/** The report's runtime entries: the Node bench's, with edgeinfer named after the build the page ran. */
function runtimeInfos(builds: readonly string[]): Map<string, RuntimeInfo> {
  const infos = new Map<string, RuntimeInfo>();
  for (const r of allRuntimes().filter((x) => RUNTIME_IDS.includes(x.id))) {
    // The scalar build shows up only where threads 'auto' timed it: the 1-thread column ran the SIMD builds.
    const simd = builds.filter((b) => b !== 'scalar');
    const label = r.id === 'edgeinfer-wasm-simd' ? `edgeinfer wasm ${(simd.length ? simd : builds).map((b) => BUILD_LABEL[b] ?? b).join('+') || 'SIMD'}` : r.label;
    infos.set(r.id, { id: r.id, label, peer: r.peer, sharesEngineWith: r.sharesEngineWith, threads: r.threads, form: (m) => r.form(m) });
  }
  return infos;
}

async function main(): Promise<void> {
  const budgetMs = Number(process.env.EDGEINFER_BENCH_TIME ?? 2000);
  const passes = Math.max(1, Number(process.env.EDGEINFER_BENCH_PASSES ?? 4));
  const only = list(process.env.EDGEINFER_BENCH_RUNTIMES);
  const runtimes = RUNTIME_IDS.filter((id) => id === 'ort-wasm' || !only || only.includes(id));
  const modelIds = list(process.env.EDGEINFER_BENCH_MODELS);

  const { buildWasm } = (await import(pathToFileURL(join(ROOT, 'scripts/build-wasm.mjs')).href)) as { buildWasm(): Promise<unknown> };
  await buildWasm();
  let models = await benchModels();
  if (modelIds) models = models.filter((m) => modelIds.includes(m.id));
  const mounts = {
    '/bench/': join(ROOT, 'bench/browser'),
    '/ort/': join(ROOT, 'node_modules/onnxruntime-web/dist'),
    '/tfjs/': join(ROOT, 'node_modules/@tensorflow/tfjs/dist'),
    '/tfjs-wasm/': join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'),
  };
  await withBenchBrowser(mounts, async ({ browser, bundle, server }) => {
    log(`bundle built in ${bundle.buildMs.toFixed(0)} ms; Chromium ${browser.version()}`);
    server.put('/bench/page.js', await pageScript('bench/browser/page.ts'), 'text/javascript; charset=utf-8');
    const tiny: Graph = {
      nodes: [{ name: 'relu', op: 'Relu', inputs: ['x'], outputs: ['y'], attrs: {} }],
      inputs: [{ name: 'x', shape: [-1, 4] }], outputs: [{ name: 'y', shape: [-1, 4] }], constants: new Map(), metadata: {},
    };
    server.put('/m/tiny.eim', writeEim(tiny));
    server.put('/m/tiny.onnx', exportOnnx(tiny).bytes);

    const results = new Map<BenchModel, PageResult>();
    for (const m of models) {
      const request = publishModel(server, m, runtimes, budgetMs, passes);
      const { page, errors } = await openBenchPage(browser, server.origin);
      try {
        const t = performance.now();
        const r = await page.evaluate((req) => (globalThis as unknown as { pageApi: { benchModel(q: ModelRequest): Promise<PageResult> } })
          .pageApi.benchModel(req), request);
        results.set(m, r);
        log(`${m.id}: ${((performance.now() - t) / 1000).toFixed(1)} s; ${r.cases.map((c) => `b${c.batch} ${c.runtime} ${c.state}${c.note ? ` (${c.note})` : ''}`).join(', ')}`);
        if (errors.length) log(`${m.id}: page errors: ${errors.join('; ')}`);
      } finally {
        await page.close();
      }
    }

    const first = [...results.values()][0];
    const infos = runtimeInfos([...new Set([...results.values()].flatMap((r) => r.wasmBuilds))]);
    const setup: ReportSetup = {
      models,
      // Cold start from the first page: later pages may find engines in Chromium's compiled-code cache.
      inits: (first?.inits ?? []).filter((i) => infos.has(i.runtime))
        .map((i) => ({ runtime: infos.get(i.runtime)!, status: i.status, initMs: i.initMs }))
        .sort((a, b) => RUNTIME_IDS.indexOf(a.runtime.id) - RUNTIME_IDS.indexOf(b.runtime.id)),
      cases: models.flatMap((m) => (results.get(m)?.cases ?? [])
        .sort((a, b) => a.batch - b.batch || RUNTIME_IDS.indexOf(a.runtime) - RUNTIME_IDS.indexOf(b.runtime))
        .map((c): ReportCase => {
          const samples = c.passes.flat();
          return {
            ...c, model: m, runtime: infos.get(c.runtime)!, macs: macsOf(m.graph, c.batch),
            ...(samples.length ? { stats: latencyStats(samples) } : {}),
          };
        })),
    };
    const env = browserEnvironment(`Chromium ${browser.version()} headless`, {
      userAgent: first?.userAgent, crossOriginIsolated: first?.crossOriginIsolated, edgeinferBuilds: [...results.values()].map((r) => r.wasmBuilds),
      initsPerPage: Object.fromEntries([...results].map(([m, r]) => [m.id, r.inits])),
    });
    log(`results written to ${writeReport(setup, console.log, env)}`);
  });
}

await main();
