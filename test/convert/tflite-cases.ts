// Runs small TFLite models built in a test on every backend against TF.js (cpu), whose ops have TFLite's
// semantics: one describe per case, an import check and one run per backend variant, the worst difference
// per variant printed at the end.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importTflite } from '../../src/convert/tflite/import.js';
import type { Graph } from '../../src/graph/ir.js';
import { optimize } from '../../src/graph/optimize.js';
import { Session } from '../../src/runtime/session.js';
import type { BackendVariant } from '../helpers/backends.js';
import { expectClose, maxAbsDiff } from '../helpers/harness.js';
import { tfReady } from './tfjs-helpers.js';

export type Feed = { shape: number[]; data: Float32Array };

export interface Case {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly feeds: Record<string, Feed>;
  /** TF.js's outputs by output tensor name. */
  readonly want: () => Record<string, Float32Array>;
  readonly tol?: number;
  /** Checks on the imported graph. */
  readonly check?: (g: Graph) => void;
}

/** `everyCase` runs on each imported graph before the case's own check. */
export function describeTfjsCases(title: string, cases: readonly (() => Case)[], variants: readonly BackendVariant[], everyCase?: (g: Graph) => void): void {
  describe(`${title} vs TF.js on every backend`, () => {
    beforeAll(tfReady);
    const worst = new Map<string, number>();
    afterAll(() => console.log(`${title}, worst |ours - tfjs|: ${[...worst].map(([id, d]) => `${id} ${d.toExponential(2)}`).join(', ')}`));

    describe.each(cases.map((make) => { const c = make(); return [c.name, c] as const; }))('%s', (_name, c) => {
      let graph: Graph;
      let want: Record<string, Float32Array>;
      beforeAll(() => {
        graph = importTflite(c.bytes);
        want = tf.tidy(c.want);
      });

      it('imports every output and passes its checks', () => {
        expect(graph.outputs.map((o) => o.name).sort()).toEqual(Object.keys(want).sort());
        everyCase?.(graph);
        c.check?.(graph);
      });

      it.each(variants.map((v) => [v.id, v] as const))('on %s', async (_id, v) => {
        if (v.skipReason !== undefined) return void console.warn(`skipped ${v.id}: ${v.skipReason}`);
        const s = await Session.create(optimize(graph), { backend: await v.backend() });
        const got = await s.run(Object.fromEntries(Object.entries(c.feeds).map(([k, f]) => [k, f.data])));
        for (const [k, w] of Object.entries(want)) {
          expect(got[k].data.length, `${k} size`).toBe(w.length);
          expectClose(got[k].data, w, { atol: c.tol ?? 1e-4, rtol: 1e-4 }, `${c.name}: ${k} on ${v.id}`);
          worst.set(v.id, Math.max(worst.get(v.id) ?? 0, maxAbsDiff(got[k].data, w)));
        }
      });
    });
  });
}
