// WebGPU behaviour beyond op math (the math of every op runs on every backend from test/ops/<op>.cases.ts):
// weights re-laid once at load stay right run after run (and run-time ones are re-laid every run), state
// re-initialized each run, one pipeline per kernel variant whatever the shapes and parameters, a typed
// error for a broadcast the kernel cannot express, and dispatches folded past 65535 workgroups. Each with
// f32 and f16 storage.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Conv } from '../../src/ops/conv.js';
import { Clip } from '../../src/ops/unary.js';
import { Add } from '../../src/ops/binary.js';
import { MatMul } from '../../src/ops/matmul.js';
import { GRU } from '../../src/ops/gru.js';
import type { OpDef } from '../../src/ops/op.js';
import { BackendUnavailableError } from '../../src/errors.js';
import { Session } from '../../src/runtime/session.js';
import type { Tensor } from '../../src/tensor.js';
import { expectClose, randomTensor, runReference } from '../helpers/harness.js';
import { opGraph, runOp, type OpRun } from '../helpers/run-op.js';
import { saturated, stored, storedTolerance } from '../helpers/precision.js';
import { makeInputs } from '../ops/recurrent-oracle.js';
import { describeGpu, newBackend, PRECISIONS, skipReason, type WebGpuBackendT } from './gpu.js';

const backends = new Map<string, WebGpuBackendT>();
beforeAll(async () => {
  if (skipReason === undefined) for (const p of PRECISIONS) backends.set(p, await newBackend(p));
});
afterAll(() => { for (const b of backends.values()) b.dispose(); });

/** One session of a one-node graph on `b`: run it as often as a test needs. */
async function session(b: WebGpuBackendT, op: OpDef<any>, c: OpRun): Promise<() => Promise<Tensor[]>> {
  const { graph, feeds, outputs } = opGraph(op, c);
  const s = await Session.create(graph, { backend: b });
  return async () => {
    const r = await s.run(feeds);
    return outputs.map((n) => r[n]);
  };
}

for (const precision of PRECISIONS) {
  const b = () => backends.get(precision)!;
  /** The op's reference on the values this precision stores, and the tolerance of its result. */
  const want = (op: OpDef<any>, c: OpRun) => runReference(op, c.inputs.map((t) => stored(t, precision)), c.attrs ?? {});
  const check = (op: OpDef<any>, got: Tensor, w: Tensor, what: string) =>
    expectClose(got.data, precision === 'f16' ? saturated(w.data) : w.data, storedTolerance(op.tolerance, precision), `${what} (${precision})`);

  describeGpu(`WebGPU weights re-laid at load, ${precision} storage`, () => {
    it.each([
      ['O % 4 implicit GEMM', [1, 7, 6, 3], [8, 3, 3, 3], { pads: [1, 1, 1, 1] }],
      ['vec4 depthwise', [1, 9, 9, 16], [16, 3, 3, 1], { group: 16, strides: [2, 2], pads: [1, 1, 1, 1] }],
    ] as const)('%s: constant weights are re-laid once and stay right on later runs; run-time weights every run', async (what, xs, ws, attrs) => {
      const inputs = [randomTensor(xs, { seed: 1, min: -2, max: 2 }), randomTensor(ws, { seed: 2 }), randomTensor([ws[0]], { seed: 3 })];
      const [w] = want(Conv, { inputs, attrs });
      for (const constants of [[1, 2], [2]]) {
        const run = await session(b(), Conv, { inputs, attrs, constants });
        for (let k = 0; k < 3; k++) check(Conv, (await run())[0], w, `${what} constants [${constants}] run ${k}`);
      }
    });
  });

  describeGpu(`WebGPU recurrent state, ${precision} storage`, () => {
    it('runs twice and gives the same results (the state is re-initialized each run)', async () => {
      const inputs = makeInputs({ gates: 3, states: 1 }, { direction: 'forward', N: 3, T: 5, I: 7, H: 5, bias: true, initial: true, seqLens: [3, 0, 5] }, 4);
      const run = await session(b(), GRU, { inputs, attrs: { hiddenSize: 5 }, constants: [1, 2, 3] });
      const [a] = await run();
      const [again] = await run();
      expect(Array.from(again.data)).toEqual(Array.from(a.data));
    });
  });

  describeGpu(`WebGPU pipelines and dispatch, ${precision} storage`, () => {
    it('keeps one pipeline per activation kind, shared across sizes and parameters', async () => {
      await runOp(b(), Clip, { inputs: [randomTensor([5], { seed: 3 })], attrs: { min: 0, max: 1 } });
      const before = b().pipelineCount;
      await runOp(b(), Clip, { inputs: [randomTensor([7], { seed: 1 })], attrs: { min: 1, max: 2 } });
      await runOp(b(), Clip, { inputs: [randomTensor([300], { seed: 2 })], attrs: { min: -3, max: 0 } });
      expect(b().pipelineCount).toBe(before);
    });

    it('one pipeline per (kernel, epilogue variant), whatever the shapes', async () => {
      const mm = (as: number[], bs: number[]) => runOp(b(), MatMul, { inputs: [randomTensor(as, { seed: 1 }), randomTensor(bs, { seed: 2 })] });
      await mm([6, 8], [8, 2]);
      await mm([2, 8], [8, 2]);
      const before = b().pipelineCount;
      await mm([40, 50], [50, 41]);
      await mm([1, 50], [50, 41]);
      expect(b().pipelineCount).toBe(before);
    });

    it('rejects, with a typed error, a broadcast that needs more than 8 independent axes', async () => {
      const inputs = [randomTensor([2, 2, 2, 2, 2, 2, 2, 2, 2], { seed: 1 }), randomTensor([2, 1, 2, 1, 2, 1, 2, 1, 2], { seed: 2 })];
      await expect(runOp(b(), Add, { inputs })).rejects.toThrow(/Add: 9 independent axes/);
      await expect(runOp(b(), Add, { inputs })).rejects.toBeInstanceOf(BackendUnavailableError);
    });

    it('folds a dispatch of more than 65535 workgroups into two dimensions', async () => {
      // 65536 * 64 + 5 elements: one more workgroup than one dimension allows.
      const n = 65536 * 64 + 5;
      const inputs = [randomTensor([n], { seed: 11 }), randomTensor([1], { seed: 12 })];
      const [got] = await runOp(b(), Add, { inputs });
      const [w] = want(Add, { inputs });
      const at = [0, 1, 64 * 65535 - 1, 64 * 65535, n - 1];
      check(Add, { shape: [at.length], data: Float32Array.from(at, (i) => got.data[i]) }, { shape: [at.length], data: Float32Array.from(at, (i) => w.data[i]) }, 'Add folded, at the fold');
      check(Add, got, w, 'Add folded');
    });
  });
}
