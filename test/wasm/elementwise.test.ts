// Unary activations and broadcasting binary ops on both wasm builds vs the reference ops.
import { beforeAll, describe, expect, it } from 'vitest';
import { Relu, Clip, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish } from '../../src/ops/unary.js';
import { Add, Sub, Mul, Div, PRelu } from '../../src/ops/binary.js';
import type { OpDef } from '../../src/ops/op.js';
import type { Attrs } from '../../src/graph/ir.js';
import { broadcastPlan } from '../../src/backends/wasm/prepare/elementwise.js';
import type { WasmBackend } from '../../src/backends/wasm/backend.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { createWasmBackend, runWasmOp, VARIANTS } from './helpers.js';

const SIZES = [1, 3, 4, 5, 8, 17, 255, 256, 257, 4099];
const UNARY: [OpDef<any>, Attrs][] = [
  [Relu, {}], [Clip, { min: -0.5, max: 6 }], [Clip, {}], [LeakyRelu, { alpha: 0.1 }], [Sigmoid, {}], [Tanh, {}],
  [HardSigmoid, { alpha: 0.3, beta: 0.4 }], [HardSwish, {}],
];

// [a shape, b shape]: equal, scalar either side, bias over channels, outer products, middle axes, rank 5.
const BROADCASTS: [number[], number[]][] = [
  [[7], [7]], [[2, 3, 5, 9], [2, 3, 5, 9]], [[1], [33]], [[33], [1]], [[2, 4, 4, 3], [3]], [[3], [2, 5, 5, 6].slice(0, 3).concat([3])],
  [[5, 1], [1, 6]], [[4, 1, 7], [4, 3, 1]], [[2, 3, 1, 5], [1, 3, 4, 1]], [[2, 1, 3, 1, 5], [2, 4, 1, 6, 1]], [[], [4]], [[1, 1], [1, 1]],
  [[2, 6, 6, 8], [2, 1, 1, 8]], [[9, 13], [9, 1]],
];

for (const variant of VARIANTS) {
  describe(`wasm elementwise [${variant}]`, () => {
    let b: WasmBackend;
    beforeAll(async () => { b = await createWasmBackend(variant); });

    for (const [op, attrs] of UNARY) {
      it(`${op.name} ${JSON.stringify(attrs)} over sizes around the SIMD width`, async () => {
        for (const n of SIZES) {
          const x = randomTensor([n], { seed: n, min: -10, max: 10 });
          const [got] = await runWasmOp(b, op, [x], attrs);
          expectClose(got, runReference(op, [x], attrs)[0].data, op.tolerance, `${op.name} n=${n}`);
        }
      });
    }

    it('Sigmoid and Tanh stay accurate at extreme inputs', async () => {
      const x = { shape: [12], data: new Float32Array([-1e4, -100, -88, -30, -1e-6, 0, 1e-7, 2e-3, 15, 40, 89, 1e4]) };
      for (const op of [Sigmoid, Tanh] as OpDef<any>[]) {
        const [got] = await runWasmOp(b, op, [x]);
        expectClose(got, runReference(op, [x])[0].data, op.tolerance, op.name);
      }
    });

    for (const op of [Add, Sub, Mul, Div]) {
      it.each(BROADCASTS)(`${op.name} %j with %j`, async (as, bs) => {
        const x = randomTensor(as, { seed: as.length * 7 + 1 }), y = randomTensor(bs, { seed: bs.length * 3 + 2, min: 0.5, max: 2 });
        const want = runReference(op, [x, y])[0].data;
        expectClose((await runWasmOp(b, op, [x, y]))[0], want, op.tolerance, `${op.name} runtime operands`);
        expectClose((await runWasmOp(b, op, [x, { constant: y }]))[0], want, op.tolerance, `${op.name} constant B`);
      });
    }

    it.each([[[2, 5, 5, 7], [7]], [[3, 9], [1]], [[2, 3, 3, 4], [3, 1, 4]], [[6], [6]]])('PRelu x %j slope %j', async (xs, ss) => {
      const x = randomTensor(xs, { seed: 5 }), s = randomTensor(ss, { seed: 6 });
      expectClose((await runWasmOp(b, PRelu, [x, { constant: s }]))[0], runReference(PRelu, [x, s])[0].data, PRelu.tolerance, 'PRelu');
    });
  });
}

describe('broadcastPlan', () => {
  it('collapses a per-channel bias to one outer axis and a dense inner run', () => {
    const p = broadcastPlan([2, 4, 4, 8], [8], [2, 4, 4, 8]);
    expect([p.n, p.mode, p.dims, p.sa, p.sb, p.calls.length]).toEqual([8, 0, [1, 1, 32], [0, 0, 8], [0, 0, 0], 1]);
  });
  it('uses a scalar-run mode when one operand is constant along the inner axis', () => {
    const p = broadcastPlan([5, 1], [1, 6], [5, 6]);
    expect([p.n, p.mode, p.dims[2], p.sa[2], p.sb[2]]).toEqual([6, 2, 5, 1, 0]);
  });
  it('walks axes beyond three outer ones with several calls', () => {
    const p = broadcastPlan([2, 1, 3, 1, 5], [2, 4, 1, 6, 1], [2, 4, 3, 6, 5]);
    expect(p.calls.length).toBe(2);
    expect(p.calls[1]).toEqual({ ao: 15, bo: 24, yo: 360 });
  });
});
