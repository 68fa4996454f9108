// RNN, LSTM and GRU on the wasm builds, beyond the op math (which is in test/ops/<op>.cases.ts, run on
// every backend): the accuracy of the f32x4 sigmoid and tanh (rational approximations) over their whole
// range, every output element written on every run, and sequence_lens out of range rejected with the
// backend left usable.
import { beforeAll, describe, expect, it } from 'vitest';
import { RNN } from '../../src/ops/rnn.js';
import { LSTM } from '../../src/ops/lstm.js';
import { GRU } from '../../src/ops/gru.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { WasmBackend } from '../../src/backends/wasm/backend.js';
import type { WasmTensor } from '../../src/backends/wasm/tensor.js';
import { InputError } from '../../src/errors.js';
import { tensor, type Tensor } from '../../src/tensor.js';
import { expectClose, runReference } from '../helpers/harness.js';
import { runOp } from '../helpers/run-op.js';
import { makeInputs, type RecurrentCase } from '../ops/recurrent-oracle.js';
import { createWasmBackend, VARIANTS } from './helpers.js';

const NAMES = ['Y', 'Y_h', 'Y_c'];
/** All inputs but X are graph constants. */
const WEIGHTS = [1, 2, 3, 4, 5, 6, 7];

for (const variant of VARIANTS) {
  describe(`wasm recurrent runs [${variant}]`, () => {
    let b: WasmBackend;
    beforeAll(async () => { b = await createWasmBackend(variant); });

    it.each([
      ['Sigmoid', (x: number) => 1 / (1 + Math.exp(-x))],
      ['Tanh', Math.tanh],
    ] as const)('%s stays within 4e-7 of f64 over [-20, 20] and maps NaN, ±Infinity like the reference', async (name, f) => {
      // An RNN with W = 1 (one input fed to 4 units: the f32x4 path) and R = 0 gives Y[n, t] = f(X[n, t]).
      // Entry 0 sweeps x; entries 1-3 hold +Infinity, -Infinity and NaN (entries never mix: R is per entry).
      const T = 4001, H = 4;
      const x = new Float32Array(4 * T);
      for (let t = 0; t < T; t++) x[t] = -20 + (40 * t) / (T - 1);
      x.fill(Infinity, T, 2 * T);
      x.fill(-Infinity, 2 * T, 3 * T);
      x.fill(NaN, 3 * T);
      const inputs = [tensor([4, T, 1], x), tensor([1, H, 1], new Float32Array(H).fill(1)), tensor([1, H, H])];
      const [{ data: y }] = await runOp(b, RNN, { inputs, attrs: { hiddenSize: H, activations: [name] }, constants: [1, 2] });
      // Worst |error| per entry (NaN where any output is NaN).
      const worst = (n: number, want: (t: number) => number) => {
        let w = 0;
        for (let t = 0; t < T; t++) for (let j = 0; j < H; j++) w = Math.max(w, Math.abs(y[(n * T + t) * H + j] - want(t)));
        return w;
      };
      expect(worst(0, (t) => f(x[t]))).toBeLessThan(4e-7);
      expect(worst(1, () => 1)).toBeLessThan(4e-7);
      expect(worst(2, () => (name === 'Tanh' ? -1 : 0))).toBeLessThan(4e-7);
      expect(Array.from(y.subarray(3 * T * H)).every(Number.isNaN)).toBe(true);
    });

    it('writes every output element on every run (outputs overwritten with NaN between runs)', async () => {
      const c: RecurrentCase = { direction: 'bidirectional', N: 3, T: 5, I: 4, H: 6, bias: true, initial: true, peepholes: true };
      const inputs = makeInputs({ gates: 4, states: 2 }, c, 9);
      const raw: Attrs = { hiddenSize: 6, direction: 'bidirectional' };
      const attrs = LSTM.parseAttrs(raw);
      const weight = (t: Tensor | undefined) => t && b.constant({ shape: t.shape, dtype: 'f32', data: t.data });
      const xs = b.alloc(inputs[0]!.shape), ls = b.alloc([3]), h0 = b.alloc(inputs[5]!.shape), c0 = b.alloc(inputs[6]!.shape);
      const ys = LSTM.inferShape(inputs.map((t) => t?.shape), attrs).map((s) => b.alloc(s)) as WasmTensor[];
      const s = b.prepare(LSTM, [xs, weight(inputs[1]), weight(inputs[2]), weight(inputs[3]), ls, h0, c0, weight(inputs[7])], attrs, ys);
      for (const lens of [[5, 2, 0], [1, 5, 3], [0, 0, 4]]) {
        b.write(xs, inputs[0]!.data);
        b.write(ls, Float32Array.from(lens));
        b.write(h0, inputs[5]!.data);
        b.write(c0, inputs[6]!.data);
        const withLens = [...inputs];
        withLens[4] = tensor([3], Float32Array.from(lens));
        const want = runReference(LSTM, withLens, raw);
        if (ys[0].ptr >= 0) for (const y of ys) b.mem.f32.fill(NaN, y.ptr >> 2, (y.ptr >> 2) + y.size);
        const got = await b.execute([s], ys);
        want.forEach((w, k) => expectClose(got[k], w.data, LSTM.tolerance, `lens ${lens} ${NAMES[k]}`));
      }
    });

    it('rejects sequence_lens out of range with an InputError naming the entry, and stays usable', async () => {
      const c: RecurrentCase = { direction: 'forward', N: 3, T: 4, I: 2, H: 3 };
      const inputs = makeInputs({ gates: 3, states: 1 }, c, 4);
      for (const lens of [[5, 1, 1], [1, 1.5, 1], [1, 1, -1]]) {
        const withLens = [...inputs];
        withLens[4] = tensor([3], Float32Array.from(lens));
        await expect(runOp(b, GRU, { inputs: withLens, attrs: { hiddenSize: 3 }, constants: WEIGHTS })).rejects.toThrow(InputError);
        await expect(runOp(b, GRU, { inputs: withLens, attrs: { hiddenSize: 3 }, constants: WEIGHTS })).rejects.toThrow(/sequence_lens\[\d\]/);
      }
      expect(b.usable).toBe(true);
      const ok = [...inputs];
      ok[4] = tensor([3], Float32Array.of(4, 0, 2));
      const got = await runOp(b, GRU, { inputs: ok, attrs: { hiddenSize: 3 }, constants: WEIGHTS });
      expectClose(got[0].data, runReference(GRU, ok, { hiddenSize: 3 })[0].data, GRU.tolerance, 'GRU after a rejected run');
    });
  });
}
