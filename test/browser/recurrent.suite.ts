// The recurrent kernels in Chromium: the trained Fashion-MNIST SimpleRNN, LSTM and GRU (models/fashion/*.eim,
// 128 units: a dispatch per step) on real test images, and one-node RNN/GRU/LSTM graphs with the options
// the IR has (bidirectional, reverse, sequence lengths incl. 0, initial states, peepholes, clip,
// inputForget, linearBeforeReset, other activations; small layers run as one SEQUENCE dispatch), each loaded
// by URL in the page on webgpu and on js. webgpu must match the page's js within the op's own tolerance,
// and the page's js must match js in Node.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashion } from '../../examples/train/idx.mjs';
import { readEimFile } from '../../src/format/node.js';
import { writeEim } from '../../src/format/writer.js';
import type { Attrs, Constant, Graph, ValueInfo } from '../../src/graph/ir.js';
import { GRU } from '../../src/ops/gru.js';
import { LSTM } from '../../src/ops/lstm.js';
import type { OpDef, Tolerance } from '../../src/ops/op.js';
import { RNN } from '../../src/ops/rnn.js';
import { Session } from '../../src/runtime/session.js';
import { expectClose, maxAbsDiff, randomF32, randomWeight } from '../helpers/harness.js';
import { argmax } from '../helpers/mnist.js';
import { openPage, ROOT, type Setup } from './context.js';

const FASHION_IMAGES = 16;
const FASHION_URL = '/data/fashion-16.f32';

interface Variant {
  readonly what: string;
  readonly op: OpDef<any>;
  readonly N: number; readonly T: number; readonly I: number; readonly H: number;
  readonly attrs: Attrs;
  readonly lens?: readonly number[];
  readonly initial?: boolean;
  readonly peepholes?: boolean;
}

const GATES: Record<string, number> = { RNN: 1, GRU: 3, LSTM: 4 };

// Up to 64 units (N * D * H) a layer runs in one workgroup for the whole sequence; past that, a dispatch
// per step. The trained models cover the per-step path forward; the last two variants cover it otherwise.
const VARIANTS: readonly Variant[] = [
  { what: 'RNN bidirectional, Relu/Tanh, clip, lengths 5/2/0, initial h', op: RNN, N: 3, T: 5, I: 4, H: 6,
    attrs: { hiddenSize: 6, direction: 'bidirectional', activations: ['Relu', 'Tanh'], clip: 1.5 }, lens: [5, 2, 0], initial: true },
  { what: 'GRU reverse, linearBeforeReset, lengths, initial h', op: GRU, N: 2, T: 4, I: 3, H: 4,
    attrs: { hiddenSize: 4, direction: 'reverse', linearBeforeReset: 1 }, lens: [4, 2], initial: true },
  { what: 'LSTM bidirectional, peepholes, clip, lengths, initial h and c', op: LSTM, N: 3, T: 4, I: 3, H: 5,
    attrs: { hiddenSize: 5, direction: 'bidirectional', clip: 2 }, lens: [4, 1, 3], initial: true, peepholes: true },
  { what: 'LSTM reverse, inputForget, HardSigmoid/Elu/Softplus', op: LSTM, N: 2, T: 3, I: 4, H: 3,
    attrs: { hiddenSize: 3, direction: 'reverse', inputForget: 1, activations: ['HardSigmoid', 'Elu', 'Softplus'], activationAlpha: [0.25, 0.7], activationBeta: [0.45] } },
  { what: 'GRU bidirectional, 72 units (per step), lengths 4/0/2, initial h', op: GRU, N: 3, T: 4, I: 5, H: 12,
    attrs: { hiddenSize: 12, direction: 'bidirectional' }, lens: [4, 0, 2], initial: true },
  { what: 'LSTM bidirectional, 80 units (per step), peepholes, lengths', op: LSTM, N: 2, T: 3, I: 4, H: 20,
    attrs: { hiddenSize: 20, direction: 'bidirectional' }, lens: [3, 2], peepholes: true },
];

const FASHION = ['simplernn', 'lstm', 'gru'] as const;
const FASHION_OP: Record<(typeof FASHION)[number], OpDef<any>> = { simplernn: RNN, lstm: LSTM, gru: GRU };

const weight = (shape: number[], seed: number, range = 0.6): Constant => randomWeight(shape, seed, range);

/**
 * A one-node graph: W, R, B (and P) as weights; X, sequence_lens and the initial states as inputs with a
 * free batch; every output of the op (Y, Y_h, and Y_c for LSTM) as a graph output. Plus feeds for it.
 */
function variantModel(v: Variant, seed: number): { graph: Graph; feeds: Record<string, number[]> } {
  const D = v.attrs.direction === 'bidirectional' ? 2 : 1, GH = GATES[v.op.name] * v.H;
  const lstm = v.op === LSTM;
  const constants = new Map<string, Constant>([
    ['W', weight([D, GH, v.I], seed + 1)], ['R', weight([D, GH, v.H], seed + 2)], ['B', weight([D, 2 * GH], seed + 3, 1)],
  ]);
  if (v.peepholes) constants.set('P', weight([D, 3 * v.H], seed + 4, 1));
  const inputs: ValueInfo[] = [{ name: 'X', shape: [-1, v.T, v.I] }];
  const feeds: Record<string, number[]> = { X: Array.from(randomF32(v.N * v.T * v.I, { seed, min: -2, max: 2 })) };
  if (v.lens) { inputs.push({ name: 'lens', shape: [-1] }); feeds.lens = [...v.lens]; }
  if (v.initial) {
    inputs.push({ name: 'h0', shape: [-1, D, v.H] });
    feeds.h0 = Array.from(randomF32(v.N * D * v.H, { seed: seed + 5 }));
    if (lstm) { inputs.push({ name: 'c0', shape: [-1, D, v.H] }); feeds.c0 = Array.from(randomF32(v.N * D * v.H, { seed: seed + 6 })); }
  }
  const nodeInputs = ['X', 'W', 'R', 'B', v.lens ? 'lens' : '', v.initial ? 'h0' : ''];
  if (lstm) nodeInputs.push(v.initial ? 'c0' : '', v.peepholes ? 'P' : '');
  const outputs: ValueInfo[] = [{ name: 'Y', shape: [-1, v.T, D, v.H] }, { name: 'Y_h', shape: [-1, D, v.H] }];
  if (lstm) outputs.push({ name: 'Y_c', shape: [-1, D, v.H] });
  const graph: Graph = {
    nodes: [{ name: 'rec', op: v.op.name, inputs: nodeInputs, outputs: outputs.map((o) => o.name), attrs: v.attrs }],
    inputs, outputs, constants, metadata: { name: `recurrent-${seed}` },
  };
  return { graph, feeds };
}

interface PageOutput { shape: number[]; data: number[] }
type BackendRun = { backend: string; precision: string; loadMs: number; runMs: number; outputs: Record<string, PageOutput> }
  | { error: { name: string; message: string } };
type PageResult = Record<string, Record<string, BackendRun>>;
interface ModelCase {
  name: string; url: string; feeds: Record<string, string | number[]>; tolerance: Tolerance; node: Record<string, PageOutput>;
}

async function runInNode(graph: Graph, feeds: Record<string, Float32Array>): Promise<Record<string, PageOutput>> {
  const session = await Session.create(graph, { backend: 'js' });
  try {
    const out = await session.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { shape: [...t.shape], data: Array.from(t.data) }]));
  } finally {
    session.dispose();
  }
}

function succeeded(r: BackendRun | undefined, what: string): Exclude<BackendRun, { error: unknown }> {
  if (!r) throw new Error(`${what}: no result from the page`);
  if ('error' in r) throw new Error(`${what} failed in the page: ${r.error.name}: ${r.error.message}`);
  return r;
}

/** Same output names and shapes; every value within `tol`; returns the largest |diff| over all outputs. */
function compareOutputs(got: Record<string, PageOutput>, want: Record<string, PageOutput>, tol: Tolerance, what: string): number {
  expect(Object.keys(got).sort(), `${what}: outputs`).toEqual(Object.keys(want).sort());
  let worst = 0;
  for (const [name, w] of Object.entries(want)) {
    expect(got[name].shape, `${what}: ${name} shape`).toEqual(w.shape);
    expectClose(got[name].data, w.data, tol, `${what}: ${name}`);
    worst = Math.max(worst, maxAbsDiff(got[name].data, w.data));
  }
  return worst;
}

export function recurrentSuite(setup: Setup): void {
  const { ctx, gpuSkipReason } = setup;
  const cases: ModelCase[] = [];
  let result: PageResult;
  let fashionLabels: Uint8Array;

  beforeAll(async () => {
    if (!ctx) return;
    const fashion = loadFashion('t10k', join(ROOT, 'test/fixtures/fashion-mnist'));
    const pixels = Float32Array.from(fashion.images.subarray(0, FASHION_IMAGES * 784), (v) => v / 255);
    fashionLabels = fashion.labels.subarray(0, FASHION_IMAGES);
    ctx.server.put(FASHION_URL, new Uint8Array(pixels.buffer));
    for (const name of FASHION) {
      const graph = await readEimFile(join(ROOT, `models/fashion/${name}.eim`));
      const input = graph.inputs[0].name;
      cases.push({
        name, url: `/models/fashion/${name}.eim`, feeds: { [input]: FASHION_URL }, tolerance: FASHION_OP[name].tolerance,
        node: await runInNode(graph, { [input]: pixels }),
      });
    }
    for (const [i, v] of VARIANTS.entries()) {
      const { graph, feeds } = variantModel(v, 100 * (i + 1));
      const url = `/data/recurrent-${i}.eim`;
      ctx.server.put(url, writeEim(graph));
      const f32 = Object.fromEntries(Object.entries(feeds).map(([k, d]) => [k, Float32Array.from(d)]));
      cases.push({ name: v.what, url, feeds, tolerance: v.op.tolerance, node: await runInNode(graph, f32) });
    }

    const page = await openPage(ctx, '/pages/recurrent.html');
    try {
      const backends = gpuSkipReason === undefined ? ['js', 'webgpu', 'webgpu:f16'] : ['js'];
      const models = cases.map(({ name, url, feeds }) => ({ name, url, feeds }));
      const t0 = performance.now();
      result = await page.evaluate((a) => (globalThis as unknown as { pageApi: { run(x: typeof a): Promise<PageResult> } }).pageApi.run(a), { models, backends });
      console.log(`recurrent models in Chromium: ${cases.length} models on ${backends.join(' and ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      await page.close();
    }
  }, 180_000);

  const caseNamed = (name: string) => cases.find((c) => c.name === name)!;

  describe('js in Chromium matches js in Node', () => {
    for (const name of [...FASHION, ...VARIANTS.map((v) => v.what)]) {
      it(name, () => {
        const c = caseNamed(name);
        const js = succeeded(result[name].js, `${name} on js`);
        expect(js.backend).toBe('js');
        compareOutputs(js.outputs, c.node, c.tolerance, `${name}: js (Chromium) vs js (Node)`);
      });
    }
  });

  describe('webgpu in Chromium matches the js reference (the op\'s tolerance, atol 1e-5 rtol 1e-4)', () => {
    const check = (name: string) => () => {
      const c = caseNamed(name);
      const gpu = succeeded(result[name].webgpu, `${name} on webgpu`);
      const js = succeeded(result[name].js, `${name} on js`);
      expect(gpu.backend).toBe('webgpu');
      const vsPage = compareOutputs(gpu.outputs, js.outputs, c.tolerance, `${name}: webgpu vs js (Chromium)`);
      const vsNode = compareOutputs(gpu.outputs, c.node, c.tolerance, `${name}: webgpu (Chromium) vs js (Node)`);
      console.log(`recurrent ${name}: webgpu max |diff| ${vsPage.toExponential(2)} vs js in the page, ${vsNode.toExponential(2)} vs js in Node `
        + `(load ${gpu.loadMs.toFixed(0)} ms, run ${gpu.runMs.toFixed(1)} ms)`);
      return gpu;
    };
    for (const name of FASHION) {
      if (gpuSkipReason !== undefined) { it.skip(`fashion ${name} (skipped: ${gpuSkipReason})`, () => {}); continue; }
      it(`fashion ${name} on ${FASHION_IMAGES} test images: same probabilities and top-1 as Node`, () => {
        const gpu = check(name)();
        const probs = gpu.outputs[Object.keys(gpu.outputs)[0]].data;
        const nodeProbs = caseNamed(name).node[Object.keys(gpu.outputs)[0]].data;
        let right = 0;
        for (let i = 0; i < FASHION_IMAGES; i++) {
          expect(argmax(probs, i * 10, 10), `image ${i}`).toBe(argmax(nodeProbs, i * 10, 10));
          if (argmax(probs, i * 10, 10) === fashionLabels[i]) right++;
        }
        // Real images and a trained model (~85 % accurate): most of them right, so the inputs arrived intact.
        expect(right).toBeGreaterThanOrEqual(FASHION_IMAGES * 0.6);
      });
    }
    for (const v of VARIANTS) {
      if (gpuSkipReason !== undefined) it.skip(`${v.what} (skipped: ${gpuSkipReason})`, () => {});
      else it(v.what, () => { check(v.what)(); });
    }
  });

  // Every tensor, the recurrent state included, rounded to 11 significant bits at each step.
  describe('webgpu with f16 storage in Chromium stays within 5e-3 of the js reference; the Fashion models keep their top-1', () => {
    const F16: Tolerance = { atol: 5e-3, rtol: 5e-3 };
    for (const name of [...FASHION, ...VARIANTS.map((v) => v.what)]) {
      if (gpuSkipReason !== undefined) { it.skip(`${name} (skipped: ${gpuSkipReason})`, () => {}); continue; }
      it(name, () => {
        const half = succeeded(result[name]['webgpu:f16'], `${name} on webgpu f16`);
        expect([half.backend, half.precision]).toEqual(['webgpu', 'f16']);
        const worst = compareOutputs(half.outputs, caseNamed(name).node, F16, `${name}: webgpu f16 (Chromium) vs js (Node)`);
        console.log(`recurrent ${name}: webgpu f16 max |diff| ${worst.toExponential(2)} vs js in Node`);
        if (!(FASHION as readonly string[]).includes(name)) return;
        const out = Object.keys(half.outputs)[0];
        const [probs, nodeProbs] = [half.outputs[out].data, caseNamed(name).node[out].data];
        for (let i = 0; i < FASHION_IMAGES; i++) expect(argmax(probs, i * 10, 10), `image ${i}`).toBe(argmax(nodeProbs, i * 10, 10));
      });
    }
  });
}
