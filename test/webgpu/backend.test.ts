// The WebGPU backend as a whole: a small CNN through Session matches the js backend at several batch sizes;
// models it cannot run are rejected at Session.create; limits, disposal, device loss and uncaptured GPU
// errors give typed errors; the provider reports availability and its priority.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/runtime/session.js';
import type { Constant, Graph } from '../../src/graph/ir.js';
import { BackendLostError, BackendUnavailableError } from '../../src/errors.js';
import { GpuLimitError, grid1d, grid3d } from '../../src/backends/webgpu/device.js';
import { Relu } from '../../src/ops/unary.js';
import { OPS } from '../../src/ops/registry.js';
import { expectClose, randomF32, randomWeight } from '../helpers/harness.js';
import { adapterName, describeGpu, gpu, newBackend, runGpu, webgpuProvider, type WebGpuBackendT } from './gpu.js';
import { randomTensor } from '../helpers/harness.js';

const weight = randomWeight;

/** NCHW image in; Conv+Relu6, depthwise stride 2, 1x1 conv, residual Add, MaxPool, GAP, Flatten, Gemm, Softmax. */
function smallCnn(): Graph {
  return {
    nodes: [
      { name: 'c1', op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['a1'], attrs: { pads: [1, 1, 1, 1], activation: { op: 'Clip', min: 0, max: 6 } } },
      { name: 'dw', op: 'Conv', inputs: ['a1', 'wd', 'bd'], outputs: ['a2'], attrs: { group: 6, strides: [2, 2], pads: [1, 1, 1, 1], activation: { op: 'Relu' } } },
      { name: 'pw', op: 'Conv', inputs: ['a2', 'wp', 'bp'], outputs: ['a3'], attrs: {} },
      { name: 'res', op: 'Add', inputs: ['a3', 'a2'], outputs: ['a4'], attrs: {} },
      { name: 'mp', op: 'MaxPool', inputs: ['a4'], outputs: ['a5'], attrs: { kernel: [2, 2], strides: [2, 2] } },
      { name: 'gap', op: 'GlobalAveragePool', inputs: ['a5'], outputs: ['a6'], attrs: {} },
      { name: 'fl', op: 'Flatten', inputs: ['a6'], outputs: ['a7'], attrs: { axis: 1 } },
      { name: 'fc', op: 'Gemm', inputs: ['a7', 'wf', 'bf'], outputs: ['logits'], attrs: { transB: true } },
      { name: 'sm', op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: -1 } },
    ],
    inputs: [{ name: 'x', shape: [-1, 10, 10, 3], sourcePerm: [0, 3, 1, 2] }],
    outputs: [{ name: 'probs', shape: [-1, 5] }, { name: 'logits', shape: [-1, 5] }],
    constants: new Map([
      ['w1', weight([6, 3, 3, 3], 1)], ['b1', weight([6], 2)],
      ['wd', weight([6, 3, 3, 1], 3)], ['bd', weight([6], 4)],
      ['wp', weight([6, 1, 1, 6], 5)], ['bp', weight([6], 10)],
      ['wf', weight([5, 6], 6, 2)], ['bf', weight([5], 7)],
    ]),
    metadata: { name: 'small-cnn' },
  };
}

describeGpu(`WebGpuBackend through Session (${adapterName})`, () => {
  let b: WebGpuBackendT;
  beforeAll(async () => { b = await newBackend(); });
  afterAll(() => b?.dispose());

  it('runs a small CNN like the js backend at batch 1, 3 and 1 again', async () => {
    const graph = smallCnn();
    const gpuSession = await Session.create(graph, { backend: b });
    const jsSession = await Session.create(graph, { backend: 'js' });
    expect(gpuSession.backend).toBe('webgpu');
    for (const n of [1, 3, 1]) {
      const x = randomF32(n * 300, { seed: n, min: 0, max: 1 });
      const [got, want] = await Promise.all([gpuSession.run({ x }), jsSession.run({ x })]);
      for (const name of ['probs', 'logits']) {
        expect(got[name].shape).toEqual([n, 5]);
        expectClose(got[name].data, want[name].data, { atol: 1e-5, rtol: 1e-3 }, `${name} batch ${n}`);
      }
    }
  });

  it('submits once per inference', async () => {
    const s = await Session.create(smallCnn(), { backend: b });
    await s.run({ x: randomF32(300, { seed: 1 }) }); // prepare outside the count
    const queue = b.device.queue;
    const submit = queue.submit.bind(queue);
    let submits = 0;
    Object.defineProperty(queue, 'submit', { configurable: true, value: (c: Iterable<GPUCommandBuffer>) => { submits++; submit(c); } });
    try {
      await s.run({ x: randomF32(300, { seed: 2 }) });
      await s.run({ x: randomF32(300, { seed: 3 }) });
    } finally {
      delete (queue as { submit?: unknown }).submit;
    }
    expect(submits).toBe(2);
  });

  it('implements every op of the registry, so ops is the full table', () => {
    expect([...b.ops].sort()).toEqual([...OPS.keys()].sort());
  });

  it('a model is rejected at Session.create when ops lacks one of its ops', async () => {
    // The table is complete today; a backend view without Softmax stands in for a future op.
    const partial = Object.create(b, { ops: { value: new Set([...b.ops].filter((o) => o !== 'Softmax')) } }) as WebGpuBackendT;
    await expect(Session.create(smallCnn(), { backend: partial })).rejects.toThrow(BackendUnavailableError);
    await expect(Session.create(smallCnn(), { backend: partial })).rejects.toThrow(/does not implement Softmax/);
  });

  it('throws GpuLimitError naming the limit for a tensor past maxStorageBufferBindingSize', () => {
    const n = b.limits.maxStorageBufferBindingSize / 4 + 4;
    let err: unknown;
    try { b.alloc([1, n]); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(GpuLimitError);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as GpuLimitError).limit).toBe('maxStorageBufferBindingSize');
    expect(String(err)).toMatch(/maxStorageBufferBindingSize/);
  });
});

describe('workgroup grids', () => {
  const limits = { maxComputeWorkgroupsPerDimension: 65535 } as GPUSupportedLimits;
  it('folds 1-D jobs into 2-D past 65535 workgroups', () => {
    expect(grid1d(limits, 0, 't')).toEqual([1, 1, 1]);
    expect(grid1d(limits, 65535, 't')).toEqual([65535, 1, 1]);
    expect(grid1d(limits, 65536, 't')).toEqual([65535, 2, 1]);
    const [x, y] = grid1d(limits, 1e9, 't');
    expect(x * y).toBeGreaterThanOrEqual(1e9);
  });
  it('throws GpuLimitError when even the folded grid or a 3-D axis is too long', () => {
    expect(() => grid1d(limits, 65535 * 65536, 'huge')).toThrow(GpuLimitError);
    expect(() => grid3d(limits, 1, 70000, 1, 'Conv')).toThrow(/Conv needs maxComputeWorkgroupsPerDimension >= 70000/);
  });
});

describeGpu('WebGpuBackend lifecycle', () => {
  it('dispose() destroys every buffer and later use is a typed error', async () => {
    const b = await newBackend();
    await runGpu(b, Relu, [randomTensor([100], { seed: 1 })]);
    expect(b.bufferCount).toBeGreaterThan(3);
    b.dispose();
    expect(b.bufferCount).toBe(0);
    expect(() => b.alloc([4])).toThrow(BackendUnavailableError);
    b.dispose(); // idempotent
  });

  it('a lost device turns into BackendLostError on the next run', async () => {
    const b = await newBackend();
    const x = b.alloc([8]);
    const y = b.alloc([8]);
    const step = b.prepare(Relu, [x], Relu.parseAttrs({}), [y]);
    b.write(x, new Float32Array(8).fill(-1));
    expect(Array.from((await b.execute([step], [y]))[0])).toEqual(new Array(8).fill(0));
    b.device.destroy();
    await expect(b.execute([step], [y])).rejects.toBeInstanceOf(BackendLostError);
    await expect(b.execute([step], [y])).rejects.toBeInstanceOf(BackendLostError);
    b.dispose();
  });

  it('an uncaptured GPU error turns into BackendLostError', async () => {
    const b = await newBackend();
    const x = b.alloc([8]);
    const y = b.alloc([8]);
    const step = b.prepare(Relu, [x], Relu.parseAttrs({}), [y]);
    b.device.createBuffer({ size: 16, usage: 0 }); // invalid usage: a validation error outside any scope
    await b.device.queue.onSubmittedWorkDone();
    await new Promise((r) => setTimeout(r, 10));
    await expect(b.execute([step], [y])).rejects.toThrow(BackendLostError);
    b.dispose();
  });
});

describe('webgpuProvider', () => {
  it('has priority 30 and explains why it is unavailable without WebGPU', async () => {
    const none = webgpuProvider(undefined);
    expect(none.priority).toBe(30);
    expect(none.name).toBe('webgpu');
    expect(await none.available()).toMatch(/navigator\.gpu is missing/);
    await expect(none.create()).rejects.toBeInstanceOf(BackendUnavailableError);
  });

  it.skipIf(!gpu)('is available with the Node adapter and creates a working backend', async () => {
    const p = webgpuProvider(gpu);
    expect(await p.available()).toBe(true);
    const b = await p.create();
    expect(b.name).toBe('webgpu');
    b.dispose();
  });
});
