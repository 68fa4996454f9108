// The threaded wasm backend against one thread, in Node, on the shipped models: per model and batch, rounds of
// `runs` runs alternate between 1 thread (the SIMD build) and N (the threaded SIMD build, the provider's
// threshold), so both see the same machine load; prints the best and median round of each and the speed-up of
// the bests, plus what `auto` (load(), threads: N) chooses for the model. Outputs are checked equal first.
// Run: npx tsx bench/wasm/threads.ts [threads=2] [rounds=15]   (machine load matters: report `uptime` with it)
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { useWasmBuildsOnDisk } from '../../src/backends/wasm/node-files.js';
import { wasmSimdProvider, wasmThreadsProvider } from '../../src/backends/wasm/backend.js';
import { readEim } from '../../src/format/reader.js';
import { load } from '../../src/node.js';
import { Session } from '../../src/runtime/session.js';

const threads = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 15);
const ROOT = new URL('../../', import.meta.url);
const MODELS: [string, string, number[]][] = [
  ['MobileNetV2 (int8 weights)', 'models/mobilenetv2-12-int8.eim', [1]],
  ['Fashion CNN', 'models/fashion/cnn.eim', [1, 32]],
  ['Fashion SimpleRNN', 'models/fashion/simplernn.eim', [1, 32]],
  ['Fashion LSTM', 'models/fashion/lstm.eim', [1, 32]],
  ['Fashion GRU', 'models/fashion/gru.eim', [1, 32]],
];

useWasmBuildsOnDisk();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`Node ${process.version}, ${threads} threads against 1, best and median of ${rounds} rounds; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('model | batch | 1 thread best / median ms | N threads best / median ms | speed-up (bests) | auto picks');
for (const [title, file, batches] of MODELS) {
  const bytes = readFileSync(new URL(file, ROOT));
  const graph = readEim(bytes);
  const one = await Session.create(graph, { backend: await wasmSimdProvider.create() });
  const many = await Session.create(graph, { backend: await wasmThreadsProvider.withThreads(threads).create() });
  const model = await load(bytes, { threads, cache: false, warmStart: false });
  const picked = model.selection.candidates.find((c) => c.status === 'chosen');
  model.dispose();
  for (const batch of batches) {
    const info = one.inputs[0];
    const shape = info.shape.map((d) => (d === -1 ? batch : d));
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => 0.5 + 0.5 * Math.sin(i * 0.37));
    const feeds = { [info.name]: { shape, data } };
    const out = async (s: Session) => (await s.run(feeds))[one.outputs[0].name].data;
    const [a, b] = [await out(one), await out(many)];
    if (a.some((v, i) => v !== b[i])) throw new Error(`${title} batch ${batch}: threaded output differs`);
    const runs = Math.max(3, Math.round(200 / (batch * (file.includes('mobilenet') ? 20 : 1))));
    const time = async (s: Session) => {
      const t0 = performance.now();
      for (let i = 0; i < runs; i++) await out(s);
      return (performance.now() - t0) / runs;
    };
    for (let i = 0; i < 3; i++) { await time(one); await time(many); }
    const t1: number[] = [], tn: number[] = [];
    for (let r = 0; r < rounds; r++) { t1.push(await time(one)); tn.push(await time(many)); }
    const best1 = Math.min(...t1), bestN = Math.min(...tn);
    console.log(`${title} | ${batch} | ${best1.toFixed(3)} / ${median(t1).toFixed(3)} | ${bestN.toFixed(3)} / ${median(tn).toFixed(3)} | ${(best1 / bestN).toFixed(2)}x | wasm@${picked?.priority} (${picked?.medianMs?.toFixed(3)} ms at batch 1)`);
  }
  one.dispose();
  many.dispose();
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
