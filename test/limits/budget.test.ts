// The memory a run needs, checked from the prepared plan before the backend allocates any of it: a
// WebGPU value must be a buffer the adapter binds (maxBufferSize, maxStorageBufferBindingSize), a wasm
// arena must fit the 4 GiB beside what the memory already holds (or the block it already has). A run that
// cannot fit is ResourceError 'OUT_OF_MEMORY', and the session goes on with runs that fit. Memory the
// engine refuses later (wasm's memory.grow, a typed array) is the same error, not a lost backend.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BatchPlan } from '../../src/graph/prepared.js';
import { JsBackend } from '../../src/backends/js/backend.js';
import { BackendLostError, ResourceError } from '../../src/errors.js';
import { readEim } from '../../src/format/reader.js';
import { Session } from '../../src/runtime/session.js';
import type { DeviceTensor, Step } from '../../src/backends/backend.js';

const graph = readEim(new Uint8Array(readFileSync(new URL('../../models/fashion/cnn-int8.eim', import.meta.url))));
const X = graph.inputs[0].name;
const feeds = (batch: number) => ({ [X]: new Float32Array(batch * 784) });

/** The reference backend, counting the plans it was asked to place. */
class Counting extends JsBackend {
  placed: number[] = [];
  override values(plan: BatchPlan): DeviceTensor[] {
    this.placed.push(plan.batch);
    return super.values(plan);
  }
}

async function refused(p: Promise<unknown>): Promise<ResourceError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ResourceError);
  return e as ResourceError;
}

describe('run memory budget', () => {
  it('WebGPU: a value larger than a bindable buffer is refused before any buffer is made', async () => {
    const gpu = new (class extends Counting {
      // The limits a WebGpuBackend exposes; 1 MiB: batch 8's largest value (0.66 MiB) fits, batch 16's does not.
      readonly limits = { maxBufferSize: 1 << 20, maxStorageBufferBindingSize: 1 << 20 };
    })();
    const s = await Session.create(graph, { backend: gpu });
    await s.run(feeds(8));
    const e = await refused(s.run(feeds(16)));
    expect(e).toMatchObject({ code: 'OUT_OF_MEMORY', limit: 1 << 20 });
    expect(e.needed).toBeGreaterThan(1 << 20);
    expect(e.message).toMatch(/^batch 16 does not fit js \(needs \d+, limit 1048576\)$/);
    expect(gpu.placed).toEqual([1, 8]);
    // A refused batch evicts no cached plan: fill the cache, then the refused one leaves it as it was.
    for (const n of [2, 4]) await s.run(feeds(n));
    const cached = [1, 8, 2, 4].map((n) => s.prepared.plan(n, 'ir'));
    await refused(s.run(feeds(16)));
    expect(s.prepared.planCount).toBe(4);
    for (const p of cached) expect(s.prepared.holds(p)).toBe(true);
    // The session goes on.
    expect((await s.run(feeds(2)))[graph.outputs[0].name].data.length).toBe(20);
    s.dispose();
  });

  it('wasm: the arena must fit 4 GiB beside what the memory holds, unless the block it has already holds it', async () => {
    let held = 0;
    const wasm = new (class extends Counting {
      // As WasmBackend.memoryReport: everything handed out, each laid-out plan's arena, the block they share.
      memoryReport() { return { totalBytes: held, arenas: this.arenas, arenaBytes: Math.max(0, ...this.arenas) }; }
      arenas: number[] = [];
      override values(plan: BatchPlan): DeviceTensor[] {
        this.arenas.push(plan.arena((v) => 4 * v.size, 64).size);
        return super.values(plan);
      }
    })();
    const s = await Session.create(graph, { backend: wasm });
    await s.run(feeds(100));
    const arena100 = wasm.arenas.at(-1)!;
    held = 2 ** 32 - arena100 / 2;
    // Batch 50 needs less than the block of batch 100: it fits, however full the memory is.
    await s.run(feeds(50));
    // Batch 200 needs a larger block: the old one is given back for it, so arena100 * 1.5 bytes are there.
    const e = await refused(s.run(feeds(200)));
    expect(e).toMatchObject({ code: 'OUT_OF_MEMORY', limit: arena100 * 1.5 });
    expect(wasm.placed).toEqual([1, 100, 50]);
    s.dispose();
  });

  it('a batch that needs more than 4 GiB is refused on every backend, before anything is allocated', async () => {
    const js = new Counting();
    const s = await Session.create(graph, { backend: js });
    // 50,000 items: about 5.4 GB of activations; the input itself is 157 MB.
    const e = await refused(s.run(feeds(50_000)));
    expect(e.needed).toBeGreaterThan(2 ** 32);
    expect(e.limit).toBe(2 ** 32);
    expect(js.placed).toEqual([1]);
    s.dispose();
  });

  it('memory the engine refuses while running is ResourceError too, and the backend stays', async () => {
    let fail: 'grow' | 'alloc' | 'trap' | undefined;
    const backend = new (class extends JsBackend {
      override async execute(steps: readonly Step[], outputs: readonly DeviceTensor[]): Promise<Float32Array[]> {
        const f = fail;
        fail = undefined;
        // As wasm's LinearMemory.alloc reports a failed memory.grow, a typed array allocation, and a kernel trap.
        if (f === 'grow') throw new BackendLostError('wasm', 'out of memory: cannot grow linear memory to 4294967360 bytes', { cause: new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded') });
        if (f === 'alloc') throw new RangeError('Array buffer allocation failed');
        if (f === 'trap') throw new BackendLostError('wasm', 'kernel of step 3 (Conv) trapped: unreachable', { cause: new Error('unreachable') });
        return super.execute(steps, outputs);
      }
    })();
    const s = await Session.create(graph, { backend });
    fail = 'grow';
    const grow = await refused(s.run(feeds(1)));
    expect(grow).toMatchObject({ code: 'OUT_OF_MEMORY', message: 'out of memory: WebAssembly.Memory.grow(): Maximum memory size exceeded' });
    expect(grow.cause).toBeInstanceOf(BackendLostError);
    fail = 'alloc';
    expect(await refused(s.run(feeds(1)))).toMatchObject({ code: 'OUT_OF_MEMORY' });
    // A trap is a lost backend: the error stays what it is.
    fail = 'trap';
    await expect(s.run(feeds(1))).rejects.toBeInstanceOf(BackendLostError);
    await s.run(feeds(1));
    s.dispose();
  });
});
