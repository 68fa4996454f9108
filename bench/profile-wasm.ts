// Where one inference of a bench model goes on the wasm backend: each prepared step timed on its own
// (best of 5 rounds after warm-up), summed by kind (1x1 conv, depthwise, other conv, then per op) and the
// slowest steps listed with their shapes. Steps run in isolation keep their data in cache, so the sum
// is a little under a whole run.
// Run: npx tsx bench/profile-wasm.ts [cnn|mobilenetv2|rnn|lstm] [simd|scalar]   (default mobilenetv2 simd)
import { WasmBackend } from '../src/backends/wasm/backend.js';
import { instantiateKernels, type WasmVariant } from '../src/backends/wasm/loader.js';
import { readEim } from '../src/format/reader.js';
import { Session } from '../src/runtime/session.js';
import { inferShapes } from '../src/graph/shapes.js';
import type { Step } from '../src/backends/backend.js';
import { resolveNodes } from '../src/graph/resolve.js';
import { wasmBinaries } from '../test/wasm/helpers.js';
import { benchInputs, benchModels } from './models/catalog.js';

const [id = 'mobilenetv2', variant = 'simd'] = process.argv.slice(2);
const model = (await benchModels()).find((m) => m.id === id);
if (!model) throw new Error(`no bench model ${id} (cnn, mobilenetv2, rnn, lstm)`);
const backend = new WasmBackend(await instantiateKernels(variant as WasmVariant, (await wasmBinaries())[variant as WasmVariant]), variant as WasmVariant);

// The steps as Session prepares them: one per resolved node of the optimized graph, in order.
const graph = readEim(model.eim);
const session = await Session.create(graph, { backend });
const x = benchInputs(model, 1)[0];
for (let i = 0; i < 10; i++) await session.run({ [model.inputName]: x });
const inner = session as unknown as { graph: typeof graph; plans: Map<number, { steps: Step[] }> };
const steps = inner.plans.get(1)!.steps;
const resolved = resolveNodes(inner.graph);
const shapes = inferShapes(inner.graph, 1, resolved);

const rows = steps.map((step, i) => {
  const reps = 5;
  for (let r = 0; r < reps; r++) step();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let k = 0; k < reps; k++) step();
    best = Math.min(best, (performance.now() - t) / reps);
  }
  const { node, attrs } = resolved[i];
  const a = attrs as { kernel?: number[]; group?: number };
  const inShape = shapes.get(node.inputs[0]) ?? [];
  const kind = node.op !== 'Conv' ? node.op
    : a.group !== undefined && a.group > 1 && a.group === inShape[3] ? 'depthwise conv'
      : a.kernel?.every((k) => k === 1) ? '1x1 conv' : 'other conv';
  return { name: node.name, kind, ms: best, shape: `${JSON.stringify(inShape)} -> ${JSON.stringify(shapes.get(node.outputs[0]))}` };
});
const total = rows.reduce((s, r) => s + r.ms, 0);
const kinds = new Map<string, number>();
for (const r of rows) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + r.ms);
console.log(`${model.title} on wasm-${variant}: ${total.toFixed(3)} ms over ${rows.length} steps`);
for (const [k, ms] of [...kinds].sort((p, q) => q[1] - p[1])) console.log(`  ${k.padEnd(18)} ${ms.toFixed(3)} ms  ${(100 * ms / total).toFixed(1)}%`);
console.log('slowest steps:');
for (const r of [...rows].sort((p, q) => q.ms - p.ms).slice(0, 12)) console.log(`  ${r.ms.toFixed(3)} ms  ${r.kind.padEnd(18)} ${r.name} ${r.shape}`);
