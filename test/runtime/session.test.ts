import { describe, expect, it } from 'vitest';
import { Session } from '../../src/runtime/session.js';
import type { Graph } from '../../src/graph/ir.js';
import { BackendUnavailableError, GraphError, InputError, UnsupportedOpError } from '../../src/errors.js';
import { randomF32, transposeData, NCHW_TO_NHWC } from '../helpers/harness.js';

/** x (NCHW source, NHWC inside) -> Conv 1x1 (2 -> 3 channels) + Relu; output 4-D back in NCHW. */
function convGraph(): Graph {
  const w = new Float32Array([1, 0, 0, 1, 1, -1]); // OHWI [3,1,1,2]
  return {
    nodes: [
      { name: 'conv', op: 'Conv', inputs: ['x', 'w', ''], outputs: ['c'], attrs: { kernel: [1, 1] } },
      { name: 'relu', op: 'Relu', inputs: ['c'], outputs: ['y'], attrs: {} },
    ],
    inputs: [{ name: 'x', shape: [-1, 2, 2, 2], sourcePerm: [0, 3, 1, 2] }],
    outputs: [{ name: 'y', shape: [-1, 2, 2, 3], sourcePerm: [0, 3, 1, 2] }],
    constants: new Map([['w', { shape: [3, 1, 1, 2], dtype: 'f32', data: w }]]),
    metadata: { name: 'tiny' },
  };
}

/** Plain computation of convGraph in NCHW, the way the source framework would. */
function expected(x: Float32Array, n: number): Float32Array {
  const y = new Float32Array(n * 3 * 4);
  for (let b = 0; b < n; b++) for (let p = 0; p < 4; p++) {
    const c0 = x[b * 8 + p], c1 = x[b * 8 + 4 + p];
    const outs = [c0, c1, c0 - c1];
    outs.forEach((v, o) => { y[b * 12 + o * 4 + p] = Math.max(0, v); });
  }
  return y;
}

describe('Session', () => {
  it('describes inputs and outputs in the source layout', async () => {
    const s = await Session.create(convGraph());
    expect(s.backend).toBe('js');
    expect(s.inputs).toEqual([{ name: 'x', shape: [-1, 2, 2, 2], dtype: 'float32' }]);
    expect(s.outputs[0].shape).toEqual([-1, 3, 2, 2]);
  });

  it('runs in the source layout at any batch size', async () => {
    const s = await Session.create(convGraph());
    for (const n of [1, 3, 1]) {
      const x = randomF32(n * 8, { seed: n });
      const out = await s.run({ x });
      expect(out.y.shape).toEqual([n, 3, 2, 2]);
      expect(Array.from(out.y.data)).toEqual(Array.from(expected(x, n)));
    }
  });

  it('queues concurrent calls and keeps each result its own', async () => {
    const s = await Session.create(convGraph());
    const xs = [1, 2, 3, 4].map((seed) => randomF32(8, { seed }));
    const outs = await Promise.all(xs.map((x) => s.run({ x })));
    outs.forEach((o, i) => expect(Array.from(o.y.data)).toEqual(Array.from(expected(xs[i], 1))));
  });

  it('rejects bad feeds with InputError and stays usable', async () => {
    const s = await Session.create(convGraph());
    await expect(s.run({})).rejects.toBeInstanceOf(InputError);
    await expect(s.run({ x: new Float32Array(7) })).rejects.toThrow(/expected \[-1,2,2,2\], received 7 values/);
    await expect(s.run({ x: { shape: [1, 2, 2, 3], data: new Float32Array(12) } })).rejects.toBeInstanceOf(InputError);
    const x = randomF32(8, { seed: 9 });
    expect(Array.from((await s.run({ x })).y.data)).toEqual(Array.from(expected(x, 1)));
  });

  it('rejects unknown ops, dangling inputs and unknown backends with typed errors', async () => {
    const g = convGraph();
    g.nodes[1] = { ...g.nodes[1], op: 'Frobnicate' };
    await expect(Session.create(g, {})).rejects.toBeInstanceOf(UnsupportedOpError);
    const h = convGraph();
    h.nodes[1] = { ...h.nodes[1], inputs: ['nowhere'] };
    await expect(Session.create(h, {})).rejects.toBeInstanceOf(GraphError);
    // @ts-expect-error: not a backend name
    await expect(Session.create(convGraph(), { backend: 'quantum' })).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});

describe('Session with a sequence input whose batch is not the first source axis', () => {
  // IR input [N,T,I] shown to the user as [T,N,I] (ONNX RNN layout 0): sourcePerm [1,0,2].
  const graph = (): Graph => ({
    nodes: [{ name: 'relu', op: 'Relu', inputs: ['x'], outputs: ['y'], attrs: {} }],
    inputs: [{ name: 'x', shape: [-1, 4, 3], sourcePerm: [1, 0, 2] }],
    outputs: [{ name: 'y', shape: [-1, 4, 3], sourcePerm: [1, 0, 2] }],
    constants: new Map(),
    metadata: {},
  });

  it('finds the batch on the source axis that holds it', async () => {
    const s = await Session.create(graph());
    expect(s.inputs[0].shape).toEqual([4, -1, 3]);
    const x = randomF32(4 * 2 * 3, { seed: 5, min: -1, max: 1 });
    const out = await s.run({ x });
    expect(out.y.shape).toEqual([4, 2, 3]);
    expect(Array.from(out.y.data)).toEqual(Array.from(x, (v) => Math.max(0, v)));
    await expect(s.run({ x: new Float32Array(4 * 3 + 1) })).rejects.toBeInstanceOf(InputError);
  });
});

describe('Session with nodes that leave outputs out', () => {
  it('gives every output of the op a tensor, named or not (LSTM listing only Y_h)', async () => {
    const H = 3, I = 2, T = 4;
    const w = randomF32(4 * H * I, { seed: 1 }), r = randomF32(4 * H * H, { seed: 2 });
    const g: Graph = {
      nodes: [{ name: 'lstm', op: 'LSTM', inputs: ['x', 'w', 'r'], outputs: ['', 'h'], attrs: { hiddenSize: H } }],
      inputs: [{ name: 'x', shape: [-1, T, I] }],
      outputs: [{ name: 'h', shape: [-1, 1, H] }],
      constants: new Map([
        ['w', { shape: [1, 4 * H, I], dtype: 'f32', data: w }],
        ['r', { shape: [1, 4 * H, H], dtype: 'f32', data: r }],
      ]),
      metadata: {},
    };
    const s = await Session.create(g);
    const out = await s.run({ x: randomF32(2 * T * I, { seed: 3 }) });
    expect(out.h.shape).toEqual([2, 1, H]);
    expect(out.h.data.every((v) => Number.isFinite(v) && Math.abs(v) < 1)).toBe(true);
  });
});
