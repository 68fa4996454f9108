// The prepared graph is built once per load and consumed by every candidate backend: shape inference
// and attribute parsing once per node, whatever the number of backends tried. Per batch size a plan
// whose lifetimes let values share memory; a bounded cache of plans; the source layout's permute as a
// Transpose the backend runs, and none at all on the classifier's path.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readEimFile } from '../../src/format/node.js';
import { PreparedGraph, MAX_BATCH_PLANS, prepareCounters } from '../../src/graph/prepared.js';
import { planArena, planSlots } from '../../src/graph/arena.js';
import { OPS } from '../../src/ops/registry.js';
import { Transpose } from '../../src/ops/transpose.js';
import { load } from '../../src/runtime/load.js';
import { Session } from '../../src/runtime/session.js';
import { JsBackend, jsProvider } from '../../src/backends/js/backend.js';
import { wasmScalarProvider, wasmSimdProvider } from '../../src/backends/wasm/backend.js';
import { useWasmBuildsOnDisk } from '../../src/backends/wasm/node-files.js';
import { ImageClassifier } from '../../src/vision/classifier.js';
import { randomF32, transposeData } from '../helpers/harness.js';

useWasmBuildsOnDisk();
const MODEL = 'models/mobilenetv2-12-int8.eim';
/** The Fashion-MNIST Keras CNN: small, batch free. */
const CNN = 'models/fashion/cnn.eim';

afterEach(() => vi.restoreAllMocks());

function spyOps(): { infer: number; parse: number } {
  const counts = { infer: 0, parse: 0 };
  for (const op of OPS.values()) {
    const infer = op.inferShape.bind(op), parse = op.parseAttrs.bind(op);
    vi.spyOn(op, 'inferShape').mockImplementation((...a) => { counts.infer++; return infer(...a); });
    vi.spyOn(op, 'parseAttrs').mockImplementation((...a) => { counts.parse++; return parse(...a); });
  }
  return counts;
}

describe('PreparedGraph', () => {
  it('auto over three CPU backends validates, parses attributes and infers shapes once per load', async () => {
    const graph = await readEimFile(MODEL);
    const nodes = PreparedGraph.build(graph).nodes.length;
    const counts = spyOps();
    const graphs = prepareCounters.graphs, plans = prepareCounters.plans;
    const model = await load(graph, { backend: 'auto', providers: [wasmSimdProvider, wasmScalarProvider, jsProvider], cache: false, trialRuns: 1 });
    try {
      expect(model.selection.candidates.filter((c) => c.medianMs !== undefined).length).toBe(3);
      expect(prepareCounters.graphs - graphs).toBe(1);
      expect(prepareCounters.plans - plans).toBe(1);
      expect(counts.infer).toBe(nodes);
      // The passes parse some attributes while they fuse; the prepared graph parses each node's once.
      const passes = counts.parse - nodes;
      expect(passes).toBeGreaterThanOrEqual(0);
      const again = spyOps();
      await model.run({ [model.inputs[0].name]: new Float32Array(224 * 224 * 3) }, { layout: 'ir' });
      expect(again).toEqual({ infer: 0, parse: 0 });
    } finally {
      model.dispose();
    }
  });

  it('plans lifetimes: MobileNetV2 values fit in a fraction of their sum, by offsets and by slots', async () => {
    const plan = PreparedGraph.build(await readEimFile(MODEL)).plan(1, 'ir');
    const bytes = (v: { size: number }) => v.size * 4;
    const sum = plan.values.reduce((n, v) => n + bytes(v), 0);
    const arena = plan.arena(bytes, 64);
    const slots = plan.slots(bytes);
    expect(arena.size).toBeLessThan(sum / 4);
    expect(slots.slotBytes.reduce((a, b) => a + b, 0)).toBeLessThan(sum / 3);
    // No two values live at the same step share bytes, unless one aliases the other.
    const owner = (id: number) => plan.values[id].aliasOf ?? id;
    for (const a of plan.values) for (const b of plan.values) {
      if (a.id >= b.id || owner(a.id) === owner(b.id) || a.last < b.first || b.last < a.first) continue;
      expect(slots.slotOf[a.id]).not.toBe(slots.slotOf[b.id]);
      const [x, y] = [arena.offsets[a.id], arena.offsets[b.id]];
      expect(x + bytes(a) <= y || y + bytes(b) <= x).toBe(true);
    }
    // Reshape/Flatten share their input's memory.
    expect(plan.values.some((v) => v.aliasOf !== undefined)).toBe(true);
  });

  it('planners: a chain reuses memory, overlapping lifetimes never do', () => {
    const chain = [0, 1, 2, 3].map((i) => ({ bytes: 100, first: i, last: i + 1 }));
    expect(planArena(chain, 4).size).toBe(200);
    expect(planSlots(chain).slotBytes).toEqual([100, 100]);
    const all = [0, 1, 2].map(() => ({ bytes: 10, first: 0, last: 5 }));
    expect(planSlots(all).slotBytes).toEqual([10, 10, 10]);
  });

  it('keeps plans for a few batch sizes only, and the session gives back the others', async () => {
    const g = await readEimFile(CNN);
    const prepared = PreparedGraph.build(g);
    const released: number[] = [];
    const backend = Object.assign(new JsBackend(), { release: (values: readonly unknown[]) => { released.push(values.length); } });
    const s = Session.open(prepared, backend);
    const name = g.inputs[0].name;
    const item = s.inputs[0].shape.slice(1).reduce((a, b) => a * b, 1);
    for (let n = 1; n <= MAX_BATCH_PLANS + 2; n++) await s.run({ [name]: new Float32Array(n * item) }, { layout: 'ir' });
    expect(prepared.planCount).toBe(MAX_BATCH_PLANS);
    expect(released.length).toBe(2);
  });
});

describe('layouts', () => {
  it('ImageClassifier feeds an NCHW model in NHWC: no permute anywhere on its path', async () => {
    const prepared = PreparedGraph.build(await readEimFile(MODEL));
    expect(prepared.graph.inputs[0].sourcePerm).toEqual([0, 3, 1, 2]);
    const session = Session.open(prepared, new JsBackend());
    const classifier = await ImageClassifier.create(session);
    const transpose = vi.spyOn(Transpose, 'reference');
    const image = { width: 224, height: 224, data: new Uint8ClampedArray(224 * 224 * 4).fill(128) };
    await classifier.classify(image);
    expect(transpose).not.toHaveBeenCalled();
    // A caller of run() in the source layout gets the permute, done by the backend's Transpose kernel.
    const x = randomF32(224 * 224 * 3, { seed: 1 });
    const nchw = await session.run({ [session.inputs[0].name]: transposeData(x, [1, 224, 224, 3], [0, 3, 1, 2]) });
    expect(transpose).toHaveBeenCalledTimes(1);
    const nhwc = await session.run({ [session.inputs[0].name]: x }, { layout: 'ir' });
    const out = session.outputs[0].name;
    expect(Array.from(nchw[out].data)).toEqual(Array.from(nhwc[out].data));
    expect(prepared.plan(1, 'source').nodes[0].op).toBe(Transpose);
    session.dispose();
  });
});

describe('run() reads its inputs when called', () => {
  it('200 runs refilling one buffer: every result is for the values given to its own call', async () => {
    const graph = await readEimFile(CNN);
    for (const make of [() => load(graph, { backend: 'js', cache: false }), async () => Session.create(graph)]) {
      const model = await make();
      const name = model.inputs[0].name, out = model.outputs[0].name;
      const buf = new Float32Array(28 * 28);
      const want: number[][] = [];
      for (const v of [0, 1]) { buf.fill(v); want.push(Array.from((await model.run({ [name]: buf }, { layout: 'ir' }))[out].data)); }
      const runs = [];
      for (let i = 0; i < 200; i++) { buf.fill(i % 2); runs.push(model.run({ [name]: buf }, { layout: 'ir' })); }
      buf.fill(7);
      const got = await Promise.all(runs);
      got.forEach((r, i) => expect(Array.from(r[out].data), `run ${i}`).toEqual(want[i % 2]));
      model.dispose();
    }
  });
});
