// Latency of one 28-step, 28-input, 128-unit RNN/LSTM/GRU layer (the sequence classifiers' shape) per
// inference through Session: the wasm builds vs the js reference backend, batch 1 and 8. Then where an
// LSTM batch-1 run goes: the input projection (one GEMM), the recurrent product alone (28 GEMMs of h by
// R), the whole recurrence kernel (product + cell math), and Session.run around them. Reports CPU time
// per run (process.cpuUsage), steadier than wall time on a shared machine. Warms up first: V8 optimizes
// wasm functions only after several calls. Run: npx tsx bench/wasm/recurrent.ts
import { Session } from '../../src/runtime/session.js';
import type { Graph } from '../../src/graph/ir.js';
import { randomF32 } from '../../test/helpers/harness.js';
import { createWasmBackend, VARIANTS } from '../../test/wasm/helpers.js';
import type { WasmVariant } from '../../src/backends/wasm/loader.js';
import { gemmTasks } from '../../src/backends/wasm/pack.js';

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

/** Milliseconds of CPU per call of `fn`, the best of 3 rounds of `reps` calls, after `reps` warm-up calls. */
async function cpuMs(fn: () => unknown, reps: number): Promise<number> {
  for (let i = 0; i < reps; i++) await fn();
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const u0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) await fn();
    const u = process.cpuUsage(u0);
    best = Math.min(best, (u.user + u.system) / 1000 / reps);
  }
  return best;
}

function time(s: Session, x: Float32Array, reps: number): Promise<number> {
  return cpuMs(() => s.run({ x }), reps);
}

/** The shares of one LSTM batch-1 run on `variant`, each kernel called directly on buffers of the real sizes. */
async function profileLstm(variant: WasmVariant): Promise<string> {
  const b = await createWasmBackend(variant);
  const { k, mem } = b;
  const G = 4, GH = G * H;
  const block = (floats: number, seed: number) => {
    const p = mem.alloc(floats * 4);
    mem.f32.set(randomF32(floats, { seed, min: -0.09, max: 0.09 }), p >> 2);
    return p;
  };
  const panels = (K: number) => Math.ceil(GH / 8) * (K + 1) * 8;
  const x = block(T * I, 1), w = block(panels(I), 2), r = block(panels(H), 3), proj = block(T * GH, 4);
  const h = block(H, 5), g = block(GH, 6), work = block(32 + 3 * H, 7), y = block(T * H, 8), yh = block(H, 9), yc = block(H, 10);
  const lens = mem.alloc(4);
  mem.i32[lens >> 2] = T;
  const acts = mem.alloc(72);
  new Float64Array(mem.f32.buffer, acts, 9).set([3, 0, 0, 2, 0, 0, 2, 0, 0]); // sigmoid, tanh, tanh
  const reps = 400;
  const projection = await cpuMs(() => k.gemm_f32(0, gemmTasks(1, T, GH), 1, T, GH, I, x, I, 0, w, proj, GH, 0, 0, 0, 0, 0), reps);
  const product = await cpuMs(() => { for (let s = 0; s < T; s++) k.gemm_f32(0, gemmTasks(1, 1, GH), 1, 1, GH, H, h, H, 0, r, g, GH, 0, 0, 0, 0, 0); }, reps);
  // The blocked form where the build has it (R's layout only changes which columns a panel holds).
  const blocked = variant === 'scalar' ? 0 : 1;
  const recurrence = await cpuMs(() => k.lstm_f32(1, T, H, 1, lens, 0, proj, GH, r, blocked, 0, 0, 0, 0, y, yh, yc, work, acts, 0, 0), reps);
  const session = await Session.create(layer('LSTM'), { backend: await createWasmBackend(variant) });
  const run = await time(session, randomF32(T * I, { seed: 7 }), reps);
  const us = (ms: number) => `${(ms * 1000).toFixed(1)} us`;
  return `LSTM batch 1 on wasm-${variant}: Session.run ${us(run)} = input projection ${us(projection)}`
    + ` + recurrence ${us(recurrence)} (product ${us(product)}, cell math and per-step work ${us(recurrence - product)})`
    + ` + session and backend overhead ${us(run - projection - recurrence)}`;
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

for (const variant of VARIANTS) console.log(await profileLstm(variant));
