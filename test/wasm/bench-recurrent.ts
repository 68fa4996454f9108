// Latency of one 28-step, 28-input, 128-unit RNN/LSTM/GRU layer (the sequence classifiers' shape) per
// inference through Session: the wasm builds vs the js reference backend, batch 1 and 8. Reports CPU time
// per run (process.cpuUsage), steadier than wall time on a shared machine. Warms up first: V8 optimizes
// wasm functions only after several calls. Run: npx tsx test/wasm/bench-recurrent.ts
import { Session } from '../../src/runtime/session.js';
import type { Graph } from '../../src/graph/ir.js';
import { randomF32 } from '../helpers/harness.js';
import { createWasmBackend, VARIANTS } from './helpers.js';

const T = 28, I = 28, H = 128;

function layer(op: string): Graph {
  const G = { RNN: 1, LSTM: 4, GRU: 3 }[op]!;
  const c = (shape: number[], seed: number) =>
    ({ shape, dtype: 'f32' as const, data: randomF32(shape.reduce((a, b) => a * b, 1), { seed, min: -0.09, max: 0.09 }) });
  return {
    nodes: [{ name: 'rec', op, inputs: ['x', 'w', 'r', 'b'], outputs: op === 'LSTM' ? ['y', 'h', 'c'] : ['y', 'h'],
      attrs: op === 'GRU' ? { hiddenSize: H, linearBeforeReset: 1 } : { hiddenSize: H } }],
    inputs: [{ name: 'x', shape: [-1, T, I] }],
    outputs: [{ name: 'h', shape: [-1, 1, H] }],
    constants: new Map([['w', c([1, G * H, I], 1)], ['r', c([1, G * H, H], 2)], ['b', c([1, 2 * G * H], 3)]]),
    metadata: { name: op },
  };
}

/** Milliseconds of CPU per run, the best of 3 rounds of `reps` runs. */
async function time(s: Session, x: Float32Array, reps: number): Promise<number> {
  for (let i = 0; i < reps; i++) await s.run({ x });
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const u0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) await s.run({ x });
    const u = process.cpuUsage(u0);
    best = Math.min(best, (u.user + u.system) / 1000 / reps);
  }
  return best;
}

for (const op of ['RNN', 'LSTM', 'GRU']) {
  for (const n of [1, 8]) {
    const x = randomF32(n * T * I, { seed: 7 });
    const row: string[] = [];
    for (const variant of VARIANTS) {
      const s = await Session.create(layer(op), { backend: await createWasmBackend(variant) });
      row.push(`wasm-${variant} ${(await time(s, x, Math.ceil(400 / n))).toFixed(3)} ms`);
    }
    const js = await Session.create(layer(op), { backend: 'js' });
    row.push(`js ${(await time(js, x, Math.ceil(16 / n))).toFixed(2)} ms`);
    console.log(`${op} ${T}x${I}->${H} batch ${n}: ${row.join(', ')}`);
  }
}
