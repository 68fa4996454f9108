// Lifetimes on WebGPU: sessions on one shared GPUDevice give back every buffer they took, disposal (before
// or during a run) and device loss (between runs, during a run, on a shared device) end in typed errors,
// and an app's own GPU errors on a shared device are not mistaken for ours.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Session } from '../../src/runtime/session.js';
import type { Constant, Graph } from '../../src/graph/ir.js';
import { BackendLostError, BackendUnavailableError, EdgeInferError } from '../../src/errors.js';
import type { WebGpuBackend } from '../../src/backends/webgpu/backend.js';
import { webgpuDeviceProvider } from '../../src/backends/webgpu/provider.js';
import { ledgerOf } from '../../src/backends/webgpu/ledger.js';
import { expectClose, randomF32, randomWeight } from '../helpers/harness.js';
import { describeGpu, gpu, newBackend } from './gpu.js';

const weight = randomWeight;

/** x [-1, 8, 8, 2] -> Conv 3x3 + Relu -> depthwise -> GAP -> Flatten -> Gemm -> Softmax: five kernels, a dozen buffers. */
function tinyCnn(): Graph {
  return {
    nodes: [
      { name: 'c1', op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['a1'], attrs: { pads: [1, 1, 1, 1], activation: { op: 'Relu' } } },
      { name: 'dw', op: 'Conv', inputs: ['a1', 'wd', ''], outputs: ['a2'], attrs: { group: 4, strides: [2, 2] } },
      { name: 'gap', op: 'GlobalAveragePool', inputs: ['a2'], outputs: ['a3'], attrs: {} },
      { name: 'fl', op: 'Flatten', inputs: ['a3'], outputs: ['a4'], attrs: { axis: 1 } },
      { name: 'fc', op: 'Gemm', inputs: ['a4', 'wf', 'bf'], outputs: ['logits'], attrs: { transB: true } },
      { name: 'sm', op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: -1 } },
    ],
    inputs: [{ name: 'x', shape: [-1, 8, 8, 2] }],
    outputs: [{ name: 'probs', shape: [-1, 3] }],
    constants: new Map([
      ['w1', weight([4, 3, 3, 2], 1)], ['b1', weight([4], 2)], ['wd', weight([4, 3, 3, 1], 3)],
      ['wf', weight([3, 4], 4)], ['bf', weight([3], 5)],
    ]),
    metadata: { name: 'tiny-cnn' },
  };
}

const x1 = randomF32(128, { seed: 7 });
const x2 = randomF32(256, { seed: 8 });

/** The app's side of a shared device: its own adapter and device, as a page that also renders would have. */
async function appDevice(): Promise<GPUDevice> {
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no adapter');
  return adapter.requestDevice();
}

/**
 * Counts live buffers from outside the backend: wraps the device's createBuffer and each buffer's destroy,
 * so the check does not rest on the backend's own ledger.
 */
function watchBuffers(device: GPUDevice): Set<GPUBuffer> {
  const live = new Set<GPUBuffer>();
  const create = device.createBuffer.bind(device);
  Object.defineProperty(device, 'createBuffer', {
    configurable: true,
    value: (d: GPUBufferDescriptor) => {
      const b = create(d);
      live.add(b);
      const destroy = b.destroy.bind(b);
      Object.defineProperty(b, 'destroy', { configurable: true, value: () => { live.delete(b); destroy(); } });
      return b;
    },
  });
  return live;
}

/** Calls `then` right after the next queue.submit, i.e. while that inference is on the GPU. */
function afterNextSubmit(device: GPUDevice, then: () => void): void {
  const queue = device.queue;
  const submit = queue.submit.bind(queue);
  Object.defineProperty(queue, 'submit', {
    configurable: true,
    value: (c: Iterable<GPUCommandBuffer>) => {
      delete (queue as { submit?: unknown }).submit;
      submit(c);
      then();
    },
  });
}

describeGpu('sessions on one shared GPUDevice', () => {
  let device: GPUDevice;
  let live: Set<GPUBuffer>;
  let want1: Float32Array;
  let want2: Float32Array;
  beforeAll(async () => {
    device = await appDevice();
    live = watchBuffers(device);
    const js = await Session.create(tinyCnn(), { backend: 'js' });
    want1 = (await js.run({ x: x1 })).probs.data;
    want2 = (await js.run({ x: x2 })).probs.data;
  });
  afterAll(() => device?.destroy());

  it('200 sessions created, run and disposed give every buffer back; the device and its pipelines stay', async () => {
    const provider = webgpuDeviceProvider(device);
    const ledger = ledgerOf(device);
    const before = { ledger: ledger.live, watched: live.size };
    let peak = 0;
    let pipelines = 0;
    for (let i = 0; i < 200; i++) {
      const backend = await provider.create() as WebGpuBackend;
      expect(backend.ownsDevice).toBe(false);
      const session = await Session.create(tinyCnn(), { backend });
      // Every session runs, alternating batch 1 and 2 (every tenth one both): each plan takes its own buffers.
      const batches = i % 10 === 0 ? [1, 2] : [i % 2 ? 2 : 1];
      for (const n of batches) {
        const got = (await session.run({ x: n === 1 ? x1 : x2 })).probs.data;
        if (i % 50 === 0) expectClose(got, n === 1 ? want1 : want2, { atol: 1e-5, rtol: 1e-4 }, `session ${i} batch ${n}`);
      }
      peak = Math.max(peak, backend.liveBuffers - before.ledger);
      if (i === 0) pipelines = backend.pipelineCount;
      else expect(backend.pipelineCount, 'pipelines are compiled once per device').toBe(pipelines);
      session.dispose();
      expect(backend.bufferCount).toBe(0);
    }
    expect(peak).toBeGreaterThan(10);
    expect(ledger.live).toBe(before.ledger);
    expect(live.size).toBe(before.watched);
    // The device was the app's: it is still alive and serves another session.
    const backend = await provider.create();
    const session = await Session.create(tinyCnn(), { backend });
    expectClose((await session.run({ x: x1 })).probs.data, want1, { atol: 1e-5, rtol: 1e-4 }, 'after 200 sessions');
    session.dispose();
    expect(live.size).toBe(before.watched);
  });

  it('f32 and f16 sessions alternating on the device: every buffer back, pipelines compiled once per precision', async () => {
    const provider = webgpuDeviceProvider(device);
    const ledger = ledgerOf(device);
    const before = { ledger: ledger.live, watched: live.size };
    const pipelines = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const precision = i % 2 ? 'f16' : 'f32';
      const backend = await provider.create({ precision }) as WebGpuBackend;
      expect(backend.precision).toBe(precision);
      const session = await Session.create(tinyCnn(), { backend });
      const got = (await session.run({ x: x1 })).probs.data;
      // f16: inputs, weights and every activation rounded to halves (probabilities near 0.1-0.5).
      expectClose(got, want1, precision === 'f16' ? { atol: 2e-3, rtol: 1e-2 } : { atol: 1e-5, rtol: 1e-4 }, `session ${i} ${precision}`);
      const count = backend.pipelineCount;
      if (i >= 2) expect(count, `pipelines after session ${i}`).toBe(pipelines.get('both'));
      if (i === 1) pipelines.set('both', count);
      session.dispose();
      expect(backend.bufferCount).toBe(0);
    }
    expect(ledger.live).toBe(before.ledger);
    expect(live.size).toBe(before.watched);
  });

  it('a disposed session rejects runs with a typed error, also when disposed mid-run; its neighbours run on', async () => {
    const provider = webgpuDeviceProvider(device);
    const neighbour = await Session.create(tinyCnn(), { backend: await provider.create() });
    const s = await Session.create(tinyCnn(), { backend: await provider.create() });
    await s.run({ x: x1 });
    // Disposed while its inference is on the GPU: the read-back buffer is destroyed under the mapAsync.
    afterNextSubmit(device, () => s.dispose());
    const during = s.run({ x: x1 }).then(() => 'resolved', (e: unknown) => e);
    const err = await during;
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(String(err)).toMatch(/disposed/);
    // After dispose: the session's own typed error, every time.
    for (let k = 0; k < 2; k++) {
      const after = await s.run({ x: x1 }).then(() => 'resolved', (e: unknown) => e);
      expect(after).toBeInstanceOf(EdgeInferError);
      expect((after as EdgeInferError).code).toBe('DISPOSED');
    }
    expectClose((await neighbour.run({ x: x1 })).probs.data, want1, { atol: 1e-5, rtol: 1e-4 }, 'neighbour');
    neighbour.dispose();
  });

  it("the app's own GPU errors on the shared device do not fail our sessions", async () => {
    const s = await Session.create(tinyCnn(), { backend: await webgpuDeviceProvider(device).create() });
    // An error of the app's, outside any scope: reported to the app (its handler), not to us.
    const seen: string[] = [];
    const onError = (ev: Event) => { seen.push((ev as GPUUncapturedErrorEvent).error.message); ev.preventDefault(); };
    device.addEventListener('uncapturederror', onError);
    try {
      device.createBuffer({ size: 16, usage: 0 });
      await device.queue.onSubmittedWorkDone();
      await new Promise((r) => setTimeout(r, 20));
      expect(seen.length).toBe(1);
      expectClose((await s.run({ x: x1 })).probs.data, want1, { atol: 1e-5, rtol: 1e-4 }, 'after an app error');
    } finally {
      device.removeEventListener('uncapturederror', onError);
      s.dispose();
    }
  });
});

describeGpu('device loss', () => {
  it('device.destroy() between runs: the session rejects with BackendLostError, every time', async () => {
    const backend = await newBackend();
    const s = await Session.create(tinyCnn(), { backend });
    await s.run({ x: x1 });
    backend.device.destroy();
    for (let k = 0; k < 2; k++) {
      const err = await s.run({ x: x1 }).then(() => 'resolved', (e: unknown) => e);
      expect(err).toBeInstanceOf(BackendLostError);
      expect((err as BackendLostError).backend).toBe('webgpu');
      expect((err as BackendLostError).code).toBe('BACKEND_LOST');
    }
    s.dispose();
  });

  it('device.destroy() while an inference is on the GPU: that run rejects with BackendLostError (no hang)', async () => {
    const backend = await newBackend();
    const s = await Session.create(tinyCnn(), { backend });
    await s.run({ x: x1 });
    afterNextSubmit(backend.device, () => backend.device.destroy());
    const err = await s.run({ x: x1 }).then(() => 'resolved', (e: unknown) => e);
    expect(err).toBeInstanceOf(BackendLostError);
    expect(await s.run({ x: x1 }).then(() => 'resolved', (e: unknown) => e)).toBeInstanceOf(BackendLostError);
    s.dispose();
  });

  it('a shared device lost: every session on it fails typed, the provider says why and creates nothing', async () => {
    const device = await appDevice();
    const provider = webgpuDeviceProvider(device);
    expect(await provider.available()).toBe(true);
    const sessions = await Promise.all([0, 1].map(async () => Session.create(tinyCnn(), { backend: await provider.create() })));
    for (const s of sessions) await s.run({ x: x1 });
    device.destroy();
    await device.lost;
    for (const s of sessions) {
      expect(await s.run({ x: x1 }).then(() => 'resolved', (e: unknown) => e)).toBeInstanceOf(BackendLostError);
      s.dispose();
    }
    expect(await provider.available()).toMatch(/device lost \(destroyed\)/);
    await expect(provider.create()).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});
