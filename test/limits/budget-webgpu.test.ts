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
