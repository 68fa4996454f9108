// WebGPU activations and broadcasting binary ops against the reference, at sizes around the vec4 width
// and the 64-wide workgroup, and at broadcast patterns that exercise every stride of the kernel; each with
// f32 and f16 storage (f16: odd sizes leave the last word half written, by one invocation of two).
import { expect, it } from 'vitest';
import { Clip, HardSigmoid, HardSwish, LeakyRelu, Relu, Sigmoid, Tanh } from '../../src/ops/unary.js';
import { Add, Div, Mul, PRelu, Sub } from '../../src/ops/binary.js';
import type { OpDef } from '../../src/ops/op.js';
import type { Attrs } from '../../src/graph/ir.js';
import { BackendUnavailableError } from '../../src/errors.js';
import { F32_MAX } from '../../src/ops/activation.js';
import { randomTensor } from '../helpers/harness.js';
import { backendsPerPrecision, describeGpu } from './gpu.js';

const GPUS = backendsPerPrecision();

const SIZES = [1, 3, 4, 5, 63, 64, 65, 257, 1031];
const UNARY: [OpDef<any>, Attrs][] = [
  [Relu, {}], [Clip, { min: -0.5, max: 6 }], [Clip, { min: 0 }], [LeakyRelu, { alpha: 0.1 }], [Sigmoid, {}], [Tanh, {}],
  [HardSigmoid, { alpha: 0.3, beta: 0.4 }], [HardSwish, {}],
];

for (const g of GPUS) {
  describeGpu(`WebGPU unary activations, ${g.precision} storage`, () => {
    it.each(UNARY.map(([op, attrs]) => [op.name, JSON.stringify(attrs), op, attrs] as const))('%s %s matches the reference at every size',
      async (_name, _a, op, attrs) => {
        for (const n of SIZES) {
          const x = randomTensor([n], { seed: n, min: -8, max: 8 });
          const [got] = await g.run(op, [x], attrs);
          g.expectClose('unary', got.data, g.reference(op, [x], attrs)[0].data, op.tolerance, `${op.name} n=${n}`);
        }
      });

    // On f16 the extremes saturate to ±65504 at upload; the activations of those stay in range.
    it('survives extreme inputs without infinities or NaN', async () => {
      const x = randomTensor([4, 5], { seed: 9 });
      x.data.set([-F32_MAX, F32_MAX, -1e30, 1e30, -100, 100]);
      for (const op of [Sigmoid, Tanh, HardSwish, Clip] as OpDef<any>[]) {
        const [got] = await g.run(op, [x], {});
        const want = g.reference(op, [x], {})[0].data;
        expect(got.data.every(Number.isFinite), op.name).toBe(true);
        g.expectClose('unary', got.data, want, op.tolerance, op.name);
      }
    });

    it('keeps one pipeline per activation kind, shared across sizes and parameters', async () => {
      const before = g.b.pipelineCount;
      const x = randomTensor([7], { seed: 1 });
      await g.run(Clip, [x], { min: 1, max: 2 });
      await g.run(Clip, [randomTensor([300], { seed: 2 })], { min: -3, max: 0 });
      expect(g.b.pipelineCount).toBe(before);
    });
  });

  const BROADCASTS: [number[], number[]][] = [
    [[1], [1]],
    [[5], [5]],
    [[2, 3, 5], [2, 3, 5]],
    [[2, 3, 4, 5], [5]], // bias along the last axis
    [[2, 3, 4, 5], [1]], // scalar
    [[2, 3, 4, 5], []], // rank-0 scalar
    [[3, 1, 5], [1, 4, 1]], // both broadcast
    [[2, 1, 3, 1, 7], [5, 1, 4, 7]],
    [[1, 6, 1, 3], [5, 1, 2, 1]],
    [[2, 2, 2, 2, 2, 2, 2, 2, 2], [2, 2, 2, 1, 1, 1, 2, 2, 2]], // rank 9, coalesced to 3 axes
    [[3, 70, 5], [70, 1]],
  ];

  describeGpu(`WebGPU binary ops with broadcasting, ${g.precision} storage`, () => {
    it.each([Add, Sub, Mul, Div].map((op) => [op.name, op] as const))('%s matches the reference over broadcast patterns', async (_n, op) => {
      for (const [sa, sb] of BROADCASTS) {
        const x = randomTensor(sa, { seed: sa.length * 7 + 1, min: -4, max: 4 });
        // Divisors kept away from 0 so the comparison measures the kernel, not a near-singular quotient.
        const y = randomTensor(sb, { seed: sb.length * 3 + 2, min: 0.5, max: 3 });
        for (const [p, q] of [[x, y], [y, x]]) {
          const [got] = await g.run(op, [p, q]);
          const [want] = g.reference(op, [p, q]);
          expect(got.shape).toEqual(want.shape);
          g.expectClose('binary', got.data, want.data, op.tolerance, `${op.name} [${p.shape}] x [${q.shape}]`);
        }
      }
    });

    it('PRelu broadcasts the slope onto x, per channel or per element', async () => {
      for (const [xs, ss] of [[[2, 4, 4, 3], [3]], [[2, 4, 4, 3], [4, 1, 3]], [[5, 7], [5, 7]], [[9], [1]]] as [number[], number[]][]) {
        const x = randomTensor(xs, { seed: 4, min: -2, max: 2 });
        const s = randomTensor(ss, { seed: 5, min: 0, max: 0.5 });
        const [got] = await g.run(PRelu, [x, s], {}, { constants: [1] });
        g.expectClose('binary', got.data, g.reference(PRelu, [x, s])[0].data, PRelu.tolerance, `PRelu [${xs}] slope [${ss}]`);
      }
    });

    it('rejects, with a typed error, a broadcast that needs more than 8 independent axes', async () => {
      const x = randomTensor([2, 2, 2, 2, 2, 2, 2, 2, 2], { seed: 1 });
      const y = randomTensor([2, 1, 2, 1, 2, 1, 2, 1, 2], { seed: 2 });
      await expect(g.run(Add, [x, y])).rejects.toThrow(/Add: 9 independent axes/);
      await expect(g.run(Add, [x, y])).rejects.toBeInstanceOf(BackendUnavailableError);
    });

    it('folds a dispatch of more than 65535 workgroups into two dimensions', async () => {
      // 65536 * 64 + 5 elements: one more workgroup than one dimension allows.
      const n = 65536 * 64 + 5;
      const x = randomTensor([n], { seed: 11 });
      const y = randomTensor([1], { seed: 12 });
      const [got] = await g.run(Add, [x, y]);
      const want = g.reference(Add, [x, y])[0].data;
      const at = [0, 1, 64 * 65535 - 1, 64 * 65535, n - 1];
      if (g.precision === 'f32') for (const i of at) expect(got.data[i]).toBeCloseTo(want[i], 6);
      else g.expectClose('binary', at.map((i) => got.data[i]), at.map((i) => want[i]), Add.tolerance, 'Add folded, at the fold');
      g.expectClose('binary', got.data, want, Add.tolerance, 'Add folded');
    });
  });
}
