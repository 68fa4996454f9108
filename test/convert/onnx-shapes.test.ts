// ONNX models at the edges of shape (issue #15): rank-0 inputs and outputs through load() (its warm-up
// and trial runs included) on every backend, and Reshape with allowzero; compared with onnxruntime-web.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/onnx.js';
import { load } from '../../src/node.js';
import { backendVariants } from '../helpers/backends.js';
import { expectClose } from '../helpers/harness.js';
import { OnnxModel, runOrtModel, type Feed } from '../helpers/onnx-builder.js';

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
