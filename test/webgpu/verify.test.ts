// A real WebGPU run that goes wrong: f16 storage saturates values past 65504, so a model whose values grow
// past it answers differently from wasm. verify: true refuses that backend with the difference; f32 passes.
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/graph/ir.js';
import { load } from '../../src/runtime/load.js';
import { jsProvider } from '../../src/backends/js/backend.js';
import { wasmSimdProvider } from '../../src/backends/wasm/backend.js';
import { useWasmBuildsOnDisk } from '../../src/backends/wasm/node-files.js';
import { BackendUnavailableError } from '../../src/errors.js';
import { describeGpu, gpu, webgpuProvider } from './gpu.js';

useWasmBuildsOnDisk();

/** y = x * 1e5 for x in [0, 1): up to 1e5, past the f16 range. */
function overflowGraph(): Graph {
  return {
    nodes: [{ name: 'scale', op: 'Mul', inputs: ['x', 'k'], outputs: ['y'], attrs: {} }],
    inputs: [{ name: 'x', shape: [-1, 64] }],
    outputs: [{ name: 'y', shape: [-1, 64] }],
    constants: new Map([['k', { shape: [1], dtype: 'f32' as const, data: Float32Array.of(1e5) }]]),
    metadata: { name: 'overflow' },
  };
}

describeGpu('verify on WebGPU (SwiftShader)', () => {
  const providers = () => [webgpuProvider(gpu), wasmSimdProvider, jsProvider];

  it('f16 storage that saturates is refused against wasm; f32 is trusted', async () => {
    const err = await load(overflowGraph(), { backend: 'webgpu', precision: 'f16', verify: true, providers: providers(), cache: false }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toMatch(/webgpu@30: failed \(its output 0 disagrees with wasm's: max \|diff\|/);
    const f32 = await load(overflowGraph(), { backend: 'webgpu', precision: 'f32', verify: true, providers: providers(), cache: false });
    expect(f32.backend).toBe('webgpu');
    f32.dispose();
    const fallback = await load(overflowGraph(), { backend: ['webgpu', 'wasm'], precision: 'f16', verify: true, providers: providers(), cache: false });
    expect(fallback.backend).toBe('wasm');
    expect(fallback.selection.candidates[0]).toMatchObject({ name: 'webgpu', status: 'failed' });
    fallback.dispose();
  });
});
