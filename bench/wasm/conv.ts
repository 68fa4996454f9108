// GFLOP/s of the wasm Conv paths on one core (both builds): 3x3 indirect GEMM, 1x1 as GEMM, depthwise.
// Run: npx tsx bench/wasm/conv.ts. Warm-up first: V8 optimizes wasm functions only after several calls.
import { Conv } from '../../src/ops/conv.js';
import type { Attrs } from '../../src/graph/ir.js';
import { randomTensor } from '../../test/helpers/harness.js';
import { createWasmBackend, VARIANTS } from '../../test/wasm/helpers.js';

const CASES: [string, number[], number[], Attrs][] = [
  ['3x3 56x56 64->64', [1, 56, 56, 64], [64, 3, 3, 64], { pads: [1, 1, 1, 1] }],
  ['1x1 56x56 64->128', [1, 56, 56, 64], [128, 1, 1, 64], {}],
  ['3x3/2 224x224 3->32', [1, 224, 224, 3], [32, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['dw3x3 112x112x32', [1, 112, 112, 32], [32, 3, 3, 1], { group: 32, pads: [1, 1, 1, 1] }],
];

for (const variant of VARIANTS) {
  const b = await createWasmBackend(variant);
  for (const [name, xs, ws, raw] of CASES) {
    const x = randomTensor(xs, { seed: 1 }), w = randomTensor(ws, { seed: 2 });
    const attrs = Conv.parseAttrs(raw);
    const [ys] = Conv.inferShape([xs, ws], attrs);
    const X = b.alloc(xs), Y = b.alloc(ys);
    const step = b.prepare(Conv, [X, b.constant({ shape: ws, dtype: 'f32', data: w.data })], attrs, [Y]);
    b.write(X, x.data);
    await b.execute([step], [Y]);
    for (let i = 0; i < 10; i++) step();
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) step();
      best = Math.min(best, (performance.now() - t0) / 5);
    }
    const macs = Conv.macs!([xs, ws], [ys], attrs);
    console.log(`${variant} ${name}: ${best.toFixed(3)} ms, ${((2 * macs) / best / 1e6).toFixed(1)} GFLOP/s`);
  }
}
