// Per-node GPU time of edgeinfer's WebGPU backend on the bench models, in Node (Dawn; SwiftShader here):
// each node's step is submitted alone and awaited, so the figures add the submit overhead of one dispatch
// chain per node but show where a whole inference spends its time. A tool for kernel work, not a benchmark.
// Usage: npx tsx bench/gpu/profile.ts [cnn|mobilenetv2|rnn|lstm ...] [--batch N] [--runs N]
import { benchModels } from '../models/catalog.js';
import { nodeGpu } from './node-gpu.js';
import { profileGraph } from './profile-lib.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const ids = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const gpu = await nodeGpu();
for (const model of await benchModels()) {
  if (ids.length && !ids.includes(model.id)) continue;
  const batch = opt('--batch', model.batches[0]);
  const rows = await profileGraph(gpu, model.graph, model.input(batch), batch, opt('--runs', 3));
  const total = rows.reduce((s, r) => s + r.ms, 0);
  console.log(`\n${model.id} batch ${batch} (SwiftShader (CPU emulation) when no GPU): ${total.toFixed(1)} ms summed over ${rows.length} nodes`);
  const byOp = new Map<string, number>();
  for (const r of rows) byOp.set(r.kind, (byOp.get(r.kind) ?? 0) + r.ms);
  for (const [kind, ms] of [...byOp].sort((a, b) => b[1] - a[1])) console.log(`  ${kind.padEnd(28)} ${ms.toFixed(2).padStart(9)} ms  ${(100 * ms / total).toFixed(1)}%`);
  console.log('  slowest nodes:');
  for (const r of [...rows].sort((a, b) => b.ms - a.ms).slice(0, 8)) console.log(`    ${r.name.padEnd(40)} ${r.kind.padEnd(28)} ${r.ms.toFixed(2)} ms`);
}
process.exit(0);
