// CPU side-by-side bench: edgeinfer (js reference, wasm SIMD, wasm scalar; the threaded wasm build at 2 threads and
// at threads 'auto') against onnxruntime-web (wasm) and @tensorflow/tfjs-backend-wasm, with SIMD, on one thread and
// at 2 threads (each threaded peer on a worker_thread of its own, lib/peer-worker.mjs), in one process.
//
// Run:    npx vitest bench --run bench/cpu.bench.ts      (about 2 minutes; npm test never runs it)
// Needs:  npm install --no-save @tensorflow/tfjs-backend-wasm@4.22.0 (else the tfjs rows say why they are missing).
//         The wasm backend is imported dynamically; until src/backends/wasm exists its rows say "not built".
// Narrow: EDGEINFER_BENCH_MODELS=cnn,mobilenetv2,rnn,lstm  EDGEINFER_BENCH_RUNTIMES=edgeinfer-js,edgeinfer-wasm-simd,
//         edgeinfer-wasm-scalar,edgeinfer-wasm-2t,edgeinfer-wasm-auto,ort-wasm,ort-wasm-2t,tfjs-wasm,tfjs-wasm-2t,
//         ort-wasm-int8 (ort-wasm always runs: it is the output reference)
//         Threads: EDGEINFER_BENCH_RUNTIMES=edgeinfer-wasm-simd,edgeinfer-wasm-2t,edgeinfer-wasm-auto,ort-wasm-2t,tfjs-wasm,tfjs-wasm-2t
//         prints the threads table (lib/report.ts) with the speed-ups and the #12 targets beside them.
//         EDGEINFER_BENCH_TIME=<ms of timed runs per case, default 2000>  EDGEINFER_BENCH_PASSES=<default 4>.
//
// Models (bench/models/, one set of weights per model across runtimes): Keras CNN 28x28x1 (batch 1 and 32;
// trained weights from models/fashion/cnn when present, else seeded), MobileNetV2 224x224x3 float (the staged int8
// zoo model dequantized, see dequantize-mobilenet.ts; input = the staged cat photo), SimpleRNN(128) and LSTM(128)
// over 28x28 sequences (seeded). edgeinfer runs the .eim, onnxruntime-web the ONNX, tfjs a graph model with fused
// ops (RNN/LSTM unrolled over the 28 steps); onnxruntime-web also runs the original int8 MobileNetV2. Every runtime
// gets its native input layout (NHWC for edgeinfer and tfjs, NCHW / time-first for onnxruntime).
//
// Before timing, each runtime's output on the bench input is checked against onnxruntime-web's (|Δ| <= 1e-4 +
// 1e-4·|ref|); a runtime that disagrees is reported and not timed. Vitest prints its own per-group table; at the end
// this file prints (and writes to bench/results/cpu.{txt,json}, git-ignored) the table that matters:
//   median ms / p90 ms   latency of one whole inference (input copied in, output read back), after warm-up
//                        (1.5 s and at least 5 calls: V8 optimizes wasm only after several calls), over all passes:
//                        each case is timed in 4 passes, the runtimes of a group taking turns, so load changes on
//                        this shared machine hit all of them alike; the js reference on big models (> 250 ms a
//                        run) gets 1 warm-up and 4 timed runs. Inputs cycle through 4 variants (no caching).
//   min ms               the fastest timed run (other load only adds time: on a busy machine, closest to uncontended).
//   passes               half the spread of the per-pass medians, relative to the median: how noisy the machine was.
//   GFLOP/s              2 x MACs / median, MACs summed from our ops' macs() over the model graph at that batch
//                        (the int8 row uses the float model's MACs).
//   edgeinfer vs faster peer   edgeinfer's median over the faster of onnxruntime-web (float) and tfjs, then the
//                        same for the min (against the peer with the lower min).
//   memory               a second table: each edgeinfer wasm case's linear memory (its backend's memoryReport:
//                        weights, arena), each peer's wasm heap growth for the case and its heap size after
//                        (peers keep one engine, and so one heap, per process; see lib/wasm-memory.ts).
//   check / note         max |Δ| to onnxruntime-web, or why a row was not timed.
//   cold start           init = instantiate the engine once (JS loading excluded; onnxruntime-web: its first session,
//                        of a 1-node model); load = parse + prepare the model (edgeinfer: readEim,
//                        a new backend, Session.create; onnxruntime: InferenceSession.create; tfjs: loadGraphModel);
//                        1st run = first inference (edgeinfer builds its plan and packs weights there).
import { bench, describe } from 'vitest';
import { isHeavy, setupBench, timingOptions, type Case } from './lib/harness.js';
import { writeReport } from './lib/report.js';
import { latencyStats } from './lib/stats.js';

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
const budgetMs = Number(process.env.EDGEINFER_BENCH_TIME ?? 2000);
const passes = Math.max(1, Number(process.env.EDGEINFER_BENCH_PASSES ?? 4));

const setup = await setupBench({
  models: list(process.env.EDGEINFER_BENCH_MODELS),
  runtimes: list(process.env.EDGEINFER_BENCH_RUNTIMES),
  log: (line) => console.log(`[bench] ${line}`),
});

const timed = setup.cases.filter((c) => c.state === 'ready');
const passesOf = (c: Case) => (isHeavy(c) ? 1 : passes);
let tasksLeft = timed.reduce((n, c) => n + passesOf(c), 0);

async function passDone(c: Case): Promise<void> {
  if (c.passes.length === passesOf(c)) {
    const all = c.passes.flat();
    if (all.length) {
      c.stats = latencyStats(all);
      c.state = 'timed';
    } else {
      c.state = 'failed';
      c.note ??= 'no timed runs';
    }
    await c.prepared?.dispose();
    c.prepared = undefined;
  }
  if (--tasksLeft === 0) console.log(`[bench] results written to ${writeReport(setup)}`);
}

if (timed.length === 0) writeReport(setup);

// One group per model and batch. Each case is timed in several passes, the group's runtimes taking turns,
// so that a change in machine load between runtimes (this machine is shared) is spread over all of them.
const groups = [...new Set(timed.map((c) => `${c.model.title}, batch ${c.batch}`))];
for (const group of groups) {
  describe(group, () => {
    const cases = timed.filter((o) => `${o.model.title}, batch ${o.batch}` === group);
    for (let pass = 0; pass < passes; pass++) {
      for (const c of cases) {
        if (pass >= passesOf(c)) continue;
        let samples: number[] = [];
        bench(`${c.runtime.label} [${c.runtime.form(c.model)}]${passesOf(c) > 1 ? ` pass ${pass + 1}` : ''}`, async () => {
          const t = performance.now();
          await c.prepared!.run();
          // A peer on a worker (lib/peer-threads.ts) times its inference there, without the message round trip.
          samples.push(c.prepared!.lastMs?.() ?? performance.now() - t);
        }, {
          ...timingOptions(c, pass, budgetMs / passes),
          // Warm-up calls run the same function: only the timed phase's samples count.
          setup: (_task, mode) => { if (mode === 'run') samples = []; },
          teardown: async (_task, mode) => {
            if (mode !== 'run') return;
            c.passes.push(samples);
            await passDone(c);
          },
        });
      }
    }
  });
}
