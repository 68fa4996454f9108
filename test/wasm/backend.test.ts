// The wasm backend as a Backend: SIMD detection and loading, arena planning (shared bytes only between
// values whose lifetimes do not overlap; outputs kept; reshapes as views), memory growth and its report,
// traps as BackendLostError.
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmProvider, WasmBackend } from '../../src/backends/wasm/backend.js';
import { hasSimd, instantiateKernels } from '../../src/backends/wasm/loader.js';
import { planArena, type Lifetime } from '../../src/graph/arena.js';
import type { WasmTensor } from '../../src/backends/wasm/tensor.js';
import { Relu, Sigmoid, Tanh } from '../../src/ops/unary.js';
import { Conv } from '../../src/ops/conv.js';
import { Add } from '../../src/ops/binary.js';
import { Flatten, Identity, Reshape } from '../../src/ops/reshape.js';
import type { OpDef } from '../../src/ops/op.js';
import type { Tensor } from '../../src/tensor.js';
import { BackendLostError, BackendUnavailableError } from '../../src/errors.js';
import { expectClose, randomTensor, rng, runReference } from '../helpers/harness.js';
import { createWasmBackend, VARIANTS, wasmBinaries } from './helpers.js';

describe('wasm loader', () => {
  it('detects SIMD in this engine (Node 20 has it)', () => {
    expect(hasSimd()).toBe(true);
  });

  it('providers load either build from bytes; both are named wasm, SIMD first', async () => {
    const bin = await wasmBinaries();
    const simd = createWasmProvider('simd', () => bin.simd, 20), scalar = createWasmProvider('scalar', () => bin.scalar, 15);
    expect([simd.name, simd.priority, scalar.name, scalar.priority]).toEqual(['wasm', 20, 'wasm', 15]);
    expect(await simd.available()).toBe(true);
    const b = (await simd.create()) as WasmBackend;
    expect([b.name, b.variant, b.usable]).toEqual(['wasm', 'simd', true]);
    expect(((await scalar.create()) as WasmBackend).variant).toBe('scalar');
  });

  it('both builds validate and export the same kernels', async () => {
    const bin = await wasmBinaries();
    const names = async (bytes: Uint8Array<ArrayBuffer>) => WebAssembly.Module.exports(await WebAssembly.compile(bytes)).map((e) => e.name).sort();
    expect(WebAssembly.validate(bin.scalar) && WebAssembly.validate(bin.simd)).toBe(true);
    const [simd, scalar] = [await names(bin.simd), await names(bin.scalar)];
    expect(scalar).toEqual(simd);
    expect(simd).toEqual(expect.arrayContaining(['memory', 'gemm_f32', 'conv_igemm_f32', 'dwconv_f32', 'gather_nd_f32']));
  });

  it('a broken binary is a BackendUnavailableError', async () => {
    await expect(instantiateKernels('scalar', new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]))).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});

describe('planArena', () => {
  it('lets values with disjoint lifetimes share bytes and keeps overlapping ones apart', () => {
    const { offsets, size } = planArena([
      { bytes: 100, first: -1, last: 0 }, { bytes: 100, first: 0, last: 1 }, { bytes: 100, first: 1, last: 2 }, { bytes: 100, first: 2, last: 3 },
    ]);
    expect(offsets[0]).toBe(offsets[2]);
    expect(offsets[1]).toBe(offsets[3]);
    expect(offsets[0]).not.toBe(offsets[1]);
    expect(size).toBe(256);
  });

  it('never overlaps two live values (random lifetimes)', () => {
    const r = rng(42);
    for (let trial = 0; trial < 50; trial++) {
      const items: Lifetime[] = Array.from({ length: 30 }, () => {
        const first = Math.floor(r() * 20) - 1;
        return { bytes: 1 + Math.floor(r() * 5000), first, last: first + Math.floor(r() * 6) };
      });
      const { offsets, size } = planArena(items);
      items.forEach((a, i) => {
        expect(offsets[i] % 64).toBe(0);
        expect(offsets[i] + a.bytes).toBeLessThanOrEqual(size);
        items.forEach((b, j) => {
          if (j <= i || a.last < b.first || b.last < a.first) return;
          expect(offsets[i] + a.bytes <= offsets[j] || offsets[j] + b.bytes <= offsets[i]).toBe(true);
        });
      });
    }
  });
});

for (const variant of VARIANTS) {
  describe(`WasmBackend [${variant}]`, () => {
    let b: WasmBackend;
    beforeAll(async () => { b = await createWasmBackend(variant); });

    it('reuses arena bytes along a chain and keeps a graph output that a later step reads', async () => {
      const shape = [1, 32, 32, 8], bytes = 32 * 32 * 8 * 4;
      const x = randomTensor(shape, { seed: 3, min: -2, max: 2 });
      const xt = b.alloc(shape);
      const ts = [xt];
      const steps = [];
      const ops: OpDef<any>[] = [Relu, Sigmoid, Tanh, Relu, Sigmoid, Tanh, Relu];
      for (const op of ops) {
        const y = b.alloc(shape);
        steps.push(b.prepare(op, [ts[ts.length - 1]], op.parseAttrs({}), [y]));
        ts.push(y);
      }
      const before = b.memoryBytes;
      b.write(xt, x.data);
      // Outputs: the first Relu (read again by the next step) and the last value.
      const [first, last] = await b.execute(steps, [ts[1], ts[ts.length - 1]]);
      const arena = b.memoryBytes - before;
      expect(arena).toBeLessThanOrEqual(4 * bytes + 256);
      let want = x;
      const wants = ops.map((op) => (want = runReference(op, [want])[0]));
      expectClose(first, wants[0].data, Relu.tolerance, 'pinned output');
      expectClose(last, wants[wants.length - 1].data, Relu.tolerance, 'last output');
      // A second run of the same plan allocates nothing.
      b.write(xt, x.data);
      await b.execute(steps, [ts[1], ts[ts.length - 1]]);
      expect(b.memoryBytes - before).toBe(arena);
    });

    it('Reshape, Flatten and Identity share their input\'s bytes, which stay live while the new view is read', async () => {
      const shape = [2, 4, 4, 3], flat = [2, 48];
      const x = randomTensor(shape, { seed: 12, min: -2, max: 2 });
      const xt = b.alloc(shape);
      const a = b.alloc(shape), v = b.alloc(flat), v2 = b.alloc(flat), id = b.alloc(flat);
      const c1 = b.alloc(shape), c2 = b.alloc(shape), c3 = b.alloc(shape), c4 = b.alloc(flat), out = b.alloc(flat);
      const steps = [
        b.prepare(Relu, [xt], Relu.parseAttrs({}), [a]),
        b.prepare(Flatten, [a], Flatten.parseAttrs({ axis: 1 }), [v]),
        b.prepare(Reshape, [v], Reshape.parseAttrs({ shape: [2, 48] }), [v2]),
        b.prepare(Identity, [v2], Identity.parseAttrs({}), [id]),
        // A chain that neither reads a nor its views: had a's lifetime ended at the Flatten, it would reuse those bytes.
        b.prepare(Sigmoid, [xt], Sigmoid.parseAttrs({}), [c1]),
        b.prepare(Tanh, [c1], Tanh.parseAttrs({}), [c2]),
        b.prepare(Sigmoid, [c2], Sigmoid.parseAttrs({}), [c3]),
        b.prepare(Flatten, [c3], Flatten.parseAttrs({ axis: 1 }), [c4]),
        b.prepare(Add, [id, c4], Add.parseAttrs({}), [out]),
      ];
      b.write(xt, x.data);
      const [got, view] = await b.execute(steps, [out, v2]);
      expect(new Set([a, v, v2, id].map((t) => (t as WasmTensor).ptr)).size).toBe(1);
      const relu = runReference(Relu, [x])[0];
      const chain = runReference(Sigmoid, [runReference(Tanh, [runReference(Sigmoid, [x])[0]])[0]])[0];
      expectClose(view, relu.data, Relu.tolerance, 'reshaped view (a graph output)');
      expectClose(got, relu.data.map((r, i) => r + chain.data[i]), Add.tolerance, 'sum read through the views');
    });

    it('copies a reshaped weight instead of sharing it', async () => {
      const w = randomTensor([3, 4], { seed: 13 });
      const y = b.alloc([12]);
      const step = b.prepare(Reshape, [b.constant({ shape: w.shape, dtype: 'f32', data: w.data })], Reshape.parseAttrs({ shape: [12] }), [y]);
      const [got] = await b.execute([step], [y]);
      expect([...got]).toEqual([...w.data]);
    });

    it('keeps an earlier plan working after memory.grow detached the old views', async () => {
      const small = randomTensor([1, 4, 4, 3], { seed: 1 });
      const xs = b.alloc(small.shape), ys = b.alloc(small.shape);
      const step = b.prepare(Relu, [xs], Relu.parseAttrs({}), [ys]);
      b.write(xs, small.data);
      await b.execute([step], [ys]);
      const pages = b.k.memory.buffer.byteLength;
      // A plan of 16 MiB makes the memory grow.
      const big = [1, 256, 256, 32];
      const xb = b.alloc(big), yb = b.alloc(big);
      const bigStep = b.prepare(Relu, [xb], Relu.parseAttrs({}), [yb]);
      b.write(xb, new Float32Array(256 * 256 * 32));
      await b.execute([bigStep], [yb]);
      expect(b.k.memory.buffer.byteLength).toBeGreaterThan(pages);
      const again = randomTensor(small.shape, { seed: 5 });
      b.write(xs, again.data);
      const [got] = await b.execute([step], [ys]);
      expectClose(got, runReference(Relu, [again])[0].data, Relu.tolerance, 'small plan after grow');
    });

    it('reports where its linear memory goes: packed weights, tables, the arena blocks plans share, total and peak', async () => {
      const fresh = await createWasmBackend(variant);
      const empty = fresh.memoryReport();
      expect(empty).toMatchObject({ weightsBytes: 0, tablesBytes: 0, arenaBytes: 0, arenas: [] });
      expect(empty.totalBytes).toBeGreaterThanOrEqual(empty.staticBytes);
      // A 3x3 conv of 4 -> 8 channels: weights packed once (both plans share them), an indirection table per plan.
      const w = randomTensor([8, 3, 3, 4], { seed: 21 });
      const weight = fresh.constant({ shape: w.shape, dtype: 'f32', data: w.data });
      const attrs = Conv.parseAttrs({ pads: [1, 1, 1, 1] });
      const plan = async (batch: number) => {
        const x = fresh.alloc([batch, 6, 6, 4]), mid = fresh.alloc([batch, 6, 6, 8]), y = fresh.alloc([batch, 6, 6, 8]);
        const steps = [fresh.prepare(Conv, [x, weight], attrs, [mid]), fresh.prepare(Relu, [mid], Relu.parseAttrs({}), [y])];
        fresh.write(x, new Float32Array(batch * 6 * 6 * 4));
        await fresh.execute(steps, [y]);
        return fresh.memoryReport();
      };
      const one = await plan(1);
      expect(one.weightsBytes).toBeGreaterThanOrEqual(w.data.byteLength);
      expect(one.tablesBytes).toBeGreaterThan(0);
      // Input, the conv output and the Relu output: the first two die at the Relu, whose output is pinned.
      expect(one.arenas).toHaveLength(1);
      expect(one.arenaBytes).toBeGreaterThanOrEqual((6 * 6 * 4 + 2 * 6 * 6 * 8) * 4 - 6 * 6 * 4 * 4);
      expect(one.totalBytes).toBe(fresh.memoryBytes);
      const parts = one.staticBytes + one.weightsBytes + one.tablesBytes + one.arenaBytes;
      expect(one.totalBytes).toBeGreaterThanOrEqual(parts);
      expect(one.totalBytes).toBeLessThanOrEqual(parts + 64 * 8);
      expect(one.memoryBytes % 65536).toBe(0);
      expect(one.memoryBytes).toBeGreaterThanOrEqual(one.totalBytes);
      const four = await plan(4);
      expect(four.weightsBytes).toBe(one.weightsBytes);
      expect(four.arenas[0]).toBe(one.arenas[0]);
      expect(four.arenas[1]).toBeGreaterThan(3 * one.arenas[0]);
      // One block, grown to hold the larger plan; the old one was freed.
      expect(four.arenaBytes).toBe(Math.max(four.arenas[1], 2 * one.arenaBytes));
      expect(four.totalBytes).toBeLessThanOrEqual(four.staticBytes + four.weightsBytes + four.tablesBytes + four.arenaBytes + 64 * 8);
      // Plans take turns in one block: smaller batches after it take no new memory.
      const smaller = [await plan(3), await plan(2), await plan(1)].at(-1)!;
      expect(smaller.arenas).toHaveLength(5);
      expect(smaller.arenaBytes).toBe(four.arenaBytes);
      expect(smaller.memoryBytes).toBe(four.memoryBytes);
      expect(fresh.memoryReport().maxBytes).toBe(2 ** 32);
    });

    it('plans released give their tables back; a grown arena moves the plans laid out before it, which still compute right', async () => {
      const b = await createWasmBackend(variant);
      const w = randomTensor([8, 3, 3, 4], { seed: 31 });
      const weight = b.constant({ shape: w.shape, dtype: 'f32', data: w.data });
      const attrs = Conv.parseAttrs({ pads: [1, 1, 1, 1] });
      const make = (batch: number) => {
        const x = b.alloc([batch, 6, 6, 4]), mid = b.alloc([batch, 6, 6, 8]), y = b.alloc([batch, 6, 6, 8]);
        return { x, y, values: [x, mid, y], steps: [b.prepare(Conv, [x, weight], attrs, [mid]), b.prepare(Relu, [mid], Relu.parseAttrs({}), [y])] };
      };
      const expected = (x: Tensor) => runReference(Relu, runReference(Conv, [x, w], { pads: [1, 1, 1, 1] }))[0].data;
      const small = make(1);
      const xs = randomTensor([1, 6, 6, 4], { seed: 32 });
      b.write(small.x, xs.data);
      const [first] = await b.execute(small.steps, [small.y]);
      expectClose(first, expected(xs), Conv.tolerance, 'small plan');
      const ptr = (small.x as WasmTensor).ptr;
      // A larger plan's tables are allocated after the first arena block: the block cannot grow in place.
      const big = make(16);
      b.write(big.x, randomTensor([16, 6, 6, 4], { seed: 33 }).data);
      await b.execute(big.steps, [big.y]);
      expect((small.x as WasmTensor).ptr).not.toBe(ptr);
      b.write(small.x, xs.data);
      const [moved] = await b.execute(small.steps, [small.y]);
      expect(Array.from(moved)).toEqual(Array.from(first));
      const held = b.memoryReport();
      b.release(big.values);
      const after = b.memoryReport();
      expect(after.arenas).toEqual([held.arenas[0]]);
      expect(after.tablesBytes).toBeLessThan(held.tablesBytes);
      expect(after.totalBytes).toBeLessThan(held.totalBytes);
      // Batches 1..16 over and over, each released as a session's plan cache would: memory stops growing.
      let peak = 0;
      for (let round = 0; round < 3; round++) {
        for (let n = 1; n <= 16; n++) {
          const p = make(n);
          b.write(p.x, new Float32Array(n * 6 * 6 * 4));
          await b.execute(p.steps, [p.y]);
          b.release(p.values);
        }
        if (round === 0) peak = b.memoryReport().memoryBytes;
      }
      expect(b.memoryReport().memoryBytes).toBe(peak);
      expect(b.memoryReport().tablesBytes).toBe(after.tablesBytes);
    });

    it('turns a kernel trap into BackendLostError and reports itself unusable', async () => {
      const lost = await createWasmBackend(variant);
      const x = randomTensor([1, 6, 6, 4], { seed: 8 }), w = randomTensor([4, 3, 3, 4], { seed: 9 });
      const xt = lost.alloc(x.shape), mid = lost.alloc(x.shape), y = lost.alloc(x.shape);
      const attrs = Conv.parseAttrs({ pads: [1, 1, 1, 1] });
      const steps = [
        lost.prepare(Relu, [xt], Relu.parseAttrs({}), [mid]),
        lost.prepare(Conv, [mid, lost.constant({ shape: w.shape, dtype: 'f32', data: w.data })], attrs, [y]),
      ];
      lost.write(xt, x.data);
      await lost.execute(steps, [y]);
      // Point the intermediate far outside linear memory, as a corrupted plan would.
      (mid as WasmTensor).ptr = 0x7ff00000;
      await expect(lost.execute(steps, [y])).rejects.toBeInstanceOf(BackendLostError);
      expect(lost.usable).toBe(false);
      await expect(lost.execute(steps, [y])).rejects.toThrow(/lost: kernel of step 0 \(Relu\) trapped/);
      expect(() => lost.write(xt, x.data)).toThrow(BackendLostError);
    });
  });
}
