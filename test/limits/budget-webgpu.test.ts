// The run memory budget on a real WebGPU backend (SwiftShader in Node, a hardware adapter where there is
// one): a batch whose largest value is just over the buffer the adapter can bind is ResourceError
// before any of its buffers is made (before: GpuLimitError, a BackendUnavailableError 'backend webgpu
// unavailable'), and the next run goes on on the same GPU.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeGpu, newBackend } from '../webgpu/gpu.js';
import { ResourceError } from '../../src/errors.js';
import { readEim } from '../../src/format/reader.js';
import { Session } from '../../src/runtime/session.js';

const graph = readEim(new Uint8Array(readFileSync(new URL('../../models/fashion/cnn-int8.eim', import.meta.url))));

describeGpu('run memory budget on WebGPU', () => {
  it('a value larger than the adapter binds is refused before allocating; the session goes on', async () => {
    const backend = await newBackend();
    const session = await Session.create(graph, { backend });
    const x = graph.inputs[0].name;
    const bindable = Math.min(backend.limits.maxBufferSize, backend.limits.maxStorageBufferBindingSize);
    // The largest value per item: the first Conv's output, 26 x 26 x 32 floats.
    const batch = Math.floor(bindable / (26 * 26 * 32 * 4)) + 1;
    const buffers = backend.bufferCount;
    const e = await session.run({ [x]: new Float32Array(batch * 784) }).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(ResourceError);
    expect(e).toMatchObject({ code: 'OUT_OF_MEMORY', limit: bindable, message: expect.stringMatching(new RegExp(`^batch ${batch} does not fit webgpu`)) });
    expect(backend.bufferCount).toBe(buffers);
    expect((await session.run({ [x]: new Float32Array(2 * 784) }))[graph.outputs[0].name].data.length).toBe(20);
    session.dispose();
  });
});

describeGpu('a GPU out-of-memory error during a run', () => {
  it('is ResourceError, not a lost backend: the plan is dropped, smaller and later runs go on on the same GPU', async () => {
    const backend = await newBackend();
    const session = await Session.create(graph, { backend });
    const reference = await Session.create(graph, { backend: 'js' });
    const x = graph.inputs[0].name, out = graph.outputs[0].name;
    const device = backend.device;
    // The driver's answer to an allocation it cannot make: an invalid buffer (using it is a validation error)
    // and a GPUOutOfMemoryError in the enclosing out-of-memory scope. Injected for the next buffer of `armed` bytes or more.
    let armed = Infinity, pending = false;
    const filters: GPUErrorFilter[] = [];
    const { createBuffer, pushErrorScope, popErrorScope } = device;
    device.createBuffer = (desc: GPUBufferDescriptor) => {
      if (desc.size < armed) return createBuffer.call(device, desc);
      armed = Infinity;
      pending = true;
      return createBuffer.call(device, { ...desc, size: device.limits.maxBufferSize + 256 });
    };
    device.pushErrorScope = (filter: GPUErrorFilter) => { filters.push(filter); pushErrorScope.call(device, filter); };
    device.popErrorScope = () => {
      const inject = filters.pop() === 'out-of-memory' && pending;
      if (inject) pending = false;
      const popped = popErrorScope.call(device);
      return inject ? popped.then(() => new GPUOutOfMemoryError('injected: not enough memory for the buffer')) : popped;
    };
    const feeds = (n: number) => ({ [x]: new Float32Array(n * 784).map((_, i) => (i % 89) / 89) });
    await session.run(feeds(1));
    const buffers = backend.bufferCount;
    armed = 64 * 26 * 26 * 32 * 4;
    const e = await session.run(feeds(64)).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(ResourceError);
    expect(e).toMatchObject({ code: 'OUT_OF_MEMORY', message: expect.stringMatching(/^GPU out of memory in values slot \d+ \(batch 64\): injected/) });
    // The failed plan's buffers are gone, and the read-back buffer (made again by the next run); the backend
    // runs on, the same batch included.
    expect(backend.bufferCount).toBe(buffers - 1);
    expect((await session.run(feeds(2)))[out].data.length).toBe(20);
    const got = (await session.run(feeds(64)))[out].data;
    const want = (await reference.run(feeds(64)))[out].data;
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 3);
    session.dispose();
    reference.dispose();
  });
});

describeGpu('plans the cache drops on WebGPU', () => {
  it('give back their slots, uniforms and scratch: cycling batch sizes holds the buffer count', async () => {
    const backend = await newBackend();
    const session = await Session.create(graph, { backend });
    const x = graph.inputs[0].name;
    const counts: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let n = 1; n <= 8; n++) await session.run({ [x]: new Float32Array(n * 784) });
      counts.push(backend.bufferCount);
    }
    // Before: every plan built kept its uniform buffers and weight scratch after the cache dropped it.
    expect(counts[1]).toBe(counts[0]);
    expect(counts[2]).toBe(counts[0]);
    session.dispose();
    expect(backend.bufferCount).toBe(0);
  });
});
