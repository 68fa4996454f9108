// ONNX models at the edges of shape (issue #15): rank-0 inputs and outputs through load() (its warm-up
// and trial runs included) on every backend, and Reshape with allowzero; compared with onnxruntime-web.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/onnx.js';
import { ModelFormatError, UnsupportedOpError } from '../../src/errors.js';
import { load } from '../../src/node.js';
import { Session } from '../../src/runtime/session.js';
import { backendVariants } from '../helpers/backends.js';
import { expectClose } from '../helpers/harness.js';
import { i64, OnnxModel, runOrtModel, type Feed } from '../helpers/onnx-builder.js';

const variants = await backendVariants();
const gpuSkip = variants.find((v) => v.id === 'webgpu-f32')?.skipReason;
const BACKENDS = ['js', 'wasm', 'webgpu', 'auto'] as const;

/** Loads `bytes` (imported) on `backend` and runs `feeds`; outputs as they come back. */
async function runLoaded(bytes: Uint8Array, backend: (typeof BACKENDS)[number], feeds: Record<string, Feed>) {
  const model = await load(importOnnx(bytes), { backend, cache: false, warmStart: false });
  try {
    if (backend !== 'auto') expect(model.backend).toBe(backend);
    const ins: Record<string, Float32Array> = {};
    for (const [k, f] of Object.entries(feeds)) ins[k] = Float32Array.from(f.data as ArrayLike<number>);
    return await model.run(ins);
  } finally {
    model.dispose();
  }
}

const SCALAR_MODELS: [string, () => OnnxModel, Record<string, Feed>][] = [
  ['a scalar input times a constant vector', () => new OnnxModel(13).input('s', []).init('v', [3], Float32Array.of(1, -2, 3.5))
    .node('Mul', ['s', 'v'], ['y']).output('y'), { s: { dims: [], data: Float32Array.of(-1.5) } }],
  ['a scalar input to a scalar output', () => new OnnxModel(13).input('s', []).init('k', [], Float32Array.of(3))
    .node('Mul', ['s', 'k'], ['t']).node('Sigmoid', ['t'], ['y']).output('y'), { s: { dims: [], data: Float32Array.of(0.25) } }],
  ['a vector reduced to a scalar beside a scalar input', () => new OnnxModel(13).input('x', [2, 3]).input('s', [])
    .node('ReduceMean', ['x'], ['m'], { keepdims: 0 }).node('Add', ['m', 's'], ['y']).output('y'),
  { x: { dims: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }, s: { dims: [], data: Float32Array.of(10) } }],
];

describe('ONNX rank-0 inputs and outputs through load()', () => {
  describe.each(SCALAR_MODELS)('%s', (_name, build, feeds) => {
    it.each(BACKENDS)('on %s, as onnxruntime-web', async (backend) => {
      if (backend === 'webgpu' && gpuSkip) return void console.warn(`skipped webgpu: ${gpuSkip}`);
      const bytes = build().encode();
      const want = await runOrtModel(bytes, feeds);
      const got = await runLoaded(bytes, backend, feeds);
      for (const [k, w] of Object.entries(want)) {
        expect([...got[k].shape], k).toEqual(w.dims);
        expectClose(got[k].data, w.data, { atol: 1e-6, rtol: 1e-6 }, `${k} on ${backend}`);
      }
    });
  });

  it('a scalar input is [] in the graph and takes one value or a [] tensor', async () => {
    const [, build] = SCALAR_MODELS[0];
    const g = importOnnx(build().encode());
    expect(g.inputs).toEqual([{ name: 's', shape: [] }]);
    const model = await load(g, { backend: 'js', cache: false });
    expect((await model.run({ s: { shape: [], data: Float32Array.of(2) } })).y.data).toEqual(Float32Array.of(2, -4, 7));
    await expect(model.run({ s: Float32Array.of(1, 2) })).rejects.toThrow(/"s" has the wrong size \(expected \[\], received 2 values\)/);
    model.dispose();
  });
});

/** Runs `bytes` on the js backend and on onnxruntime-web: same shapes, same values. */
async function sameAsOrt(bytes: Uint8Array, feeds: Record<string, Feed>): Promise<void> {
  const want = await runOrtModel(bytes, feeds);
  const session = await Session.create(importOnnx(bytes), { backend: 'js' });
  const ins: Record<string, Float32Array> = {};
  for (const [k, f] of Object.entries(feeds)) ins[k] = Float32Array.from(f.data as ArrayLike<number>);
  const got = await session.run(ins);
  for (const [k, w] of Object.entries(want)) {
    expect([...got[k].shape], k).toEqual(w.dims);
    expect(got[k].data, k).toEqual(w.data);
  }
  session.dispose();
}

const iota = (dims: number[]): Feed => ({ dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i) });

describe('ONNX Reshape allowzero', () => {
  it('allowzero=1 without a 0 in the shape is a plain reshape', async () => {
    const m = new OnnxModel(14).input('x', [2, 3, 4]).init('s', [3], i64(4, -1, 2)).node('Reshape', ['x', 's'], ['y'], { allowzero: 1 }).output('y');
    await sameAsOrt(m.encode(), { x: iota([2, 3, 4]) });
  });

  it('allowzero=0: a 0 copies the input dim, with a free batch too', async () => {
    const fixed = new OnnxModel(14).input('x', [2, 3, 4]).init('s', [3], i64(0, 0, -1)).node('Reshape', ['x', 's'], ['y'], { allowzero: 0 }).output('y');
    await sameAsOrt(fixed.encode(), { x: iota([2, 3, 4]) });
    const free = new OnnxModel(14).input('x', ['N', 3, 4]).init('s', [2], i64(0, -1)).node('Reshape', ['x', 's'], ['y']).output('y');
    expect(importOnnx(free.encode()).outputs).toEqual([{ name: 'y', shape: [-1, 12] }]);
    await sameAsOrt(free.encode(), { x: iota([3, 3, 4]) });
  });

  it('allowzero=1 with a 0: a zero-sized constant, concatenated away', async () => {
    // The empty constant [0] reshaped to [1, 0] (folded) adds nothing to the Concat.
    const m = new OnnxModel(14).input('x', [1, 4]).init('e', [0], new Float32Array(0)).init('s', [2], i64(1, 0))
      .node('Reshape', ['e', 's'], ['z'], { allowzero: 1 }).node('Concat', ['x', 'z'], ['c'], { axis: 1 }).node('Relu', ['c'], ['y']).output('y');
    const g = importOnnx(m.encode());
    expect(g.nodes.map((n) => n.op)).toEqual(['Concat', 'Relu']);
    await sameAsOrt(m.encode(), { x: { dims: [1, 4], data: Float32Array.of(-1, 2, -3, 4) } });
  });

  it('allowzero=1 with a 0 on a tensor that has elements is malformed, as in onnxruntime', async () => {
    const m = new OnnxModel(14).input('x', [2, 3]).init('s', [2], i64(0, 6)).node('Reshape', ['x', 's'], ['y'], { allowzero: 1 }).output('y');
    expect(() => importOnnx(m.encode())).toThrow(ModelFormatError);
    expect(() => importOnnx(m.encode())).toThrow(/cannot reshape \[2,3\] to \[0,6\]/);
    await expect(runOrtModel(m.encode(), { x: iota([2, 3]) })).rejects.toThrow();
  });

  it('empty tensors at run time are refused by name: a zero-sized input, an empty constant output', () => {
    const input = new OnnxModel(14).input('x', [2, 0, 3]).init('s', [2], i64(0, 5)).node('Reshape', ['x', 's'], ['y'], { allowzero: 1 }).output('y');
    expect(() => importOnnx(input.encode())).toThrow(UnsupportedOpError);
    expect(() => importOnnx(input.encode())).toThrow(/zero-sized dimension at axis 1: the runtime has no empty tensors/);
    const output = new OnnxModel(14).input('x', [1, 4]).init('e', [0], new Float32Array(0)).init('s', [2], i64(1, 0))
      .node('Reshape', ['e', 's'], ['z'], { allowzero: 1 }).node('Relu', ['x'], ['y']).output('y').output('z');
    expect(() => importOnnx(output.encode())).toThrow(/constant "z__value" of shape \[1,0\] has no elements/);
  });
});
