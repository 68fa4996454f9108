// The WebGPU backend lays out a model's values by the prepared graph's plan: values never live together
// share a buffer. MobileNetV2 (int8 .eim, weights expanded on the GPU) in f32 and f16 storage: GPU memory
// within the budgets, and the same probabilities as the js reference.
import { describe, expect, it } from 'vitest';
import { readEimFile } from '../../src/format/node.js';
import { Session } from '../../src/runtime/session.js';
import { JsBackend } from '../../src/backends/js/backend.js';
import { PreparedGraph } from '../../src/graph/prepared.js';
import { randomF32 } from '../helpers/harness.js';
import { describeGpu, newBackend, PRECISIONS } from './gpu.js';

const MiB = 2 ** 20;
const BUDGET = { f32: 22 * MiB, f16: 12 * MiB };

describeGpu('WebGPU memory plan', () => {
  describe('MobileNetV2', async () => {
    const graph = await readEimFile('models/mobilenetv2-12-int8.eim');
    const prepared = PreparedGraph.build(graph);
    const x = randomF32(224 * 224 * 3, { seed: 7, min: -2, max: 2 });
    const name = graph.inputs[0].name;
    const want = (await Session.open(prepared, new JsBackend()).run({ [name]: x }, { layout: 'ir' }))[graph.outputs[0].name].data;

    it.each(PRECISIONS)('%s: buffers within budget, reused by lifetime, same output as js', async (precision) => {
      const backend = await newBackend(precision);
      const s = Session.open(prepared, backend);
      try {
        const got = (await s.run({ [name]: x }, { layout: 'ir' }))[graph.outputs[0].name].data;
        const plan = prepared.plan(1, 'ir');
        const elem = precision === 'f16' ? 2 : 4;
        const everyValue = plan.values.reduce((n, v) => n + v.size * elem, 0);
        const { slotBytes } = plan.slots((v) => v.size * elem);
        const slots = slotBytes.reduce((a, b) => a + b, 0);
        console.log(`MobileNetV2 ${precision}: GPU buffers ${(backend.bufferBytes / MiB).toFixed(1)} MiB; values ${(slots / MiB).toFixed(1)} MiB in ${slotBytes.length} slots (one buffer each: ${(everyValue / MiB).toFixed(1)} MiB)`);
        expect(backend.bufferBytes).toBeLessThanOrEqual(BUDGET[precision]);
        expect(slots).toBeLessThan(everyValue / 3);
        // Logits: f16 storage rounds each layer's values to 11 bits.
        const [atol, rtol] = precision === 'f16' ? [5e-2, 1e-2] : [1e-3, 1e-4];
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `logit ${i}`).toBeLessThanOrEqual(atol + rtol * Math.abs(want[i]));
      } finally {
        s.dispose();
      }
    });
  });
});
