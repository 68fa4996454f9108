// The relaxed-SIMD build: chosen by the SIMD provider exactly where the engine validates relaxed SIMD,
// with the plain SIMD build as the fallback. Node 20 has relaxed SIMD only behind a V8 flag, so here the
// Gemm, MatMul, Conv and recurrent case tables (and the wasm recurrent runs) run a second time in a child
// vitest with the flag, on that build alone (EDGEINFER_TEST_BACKENDS=wasm-relaxed, tests filtered to it).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createWasmProvider, type WasmBackend } from '../../src/backends/wasm/backend.js';
import { hasRelaxedSimd, hasSimd } from '../../src/backends/wasm/loader.js';
import { wasmBinaries } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BROKEN = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]);

describe('relaxed-SIMD build', () => {
  it('validates exactly where the relaxed-SIMD probe does; the other builds validate here', async () => {
    const bin = await wasmBinaries();
    expect(hasSimd()).toBe(true);
    expect(WebAssembly.validate(bin.relaxed)).toBe(hasRelaxedSimd());
    expect(WebAssembly.validate(bin.simd) && WebAssembly.validate(bin.scalar)).toBe(true);
    if (hasRelaxedSimd()) {
      const names = async (bytes: Uint8Array<ArrayBuffer>) => WebAssembly.Module.exports(await WebAssembly.compile(bytes)).map((e) => e.name).sort();
      expect(await names(bin.relaxed)).toEqual(await names(bin.simd));
    }
  });

  it('is what the SIMD provider creates where relaxed SIMD validates, else the SIMD build', async () => {
    const bin = await wasmBinaries();
    const provider = createWasmProvider('simd', () => bin.simd, 20, () => bin.relaxed);
    const b = (await provider.create()) as WasmBackend;
    expect(b.variant).toBe(hasRelaxedSimd() ? 'relaxed' : 'simd');
    // Without a relaxed source, or with one that cannot load, the SIMD build runs.
    expect(((await createWasmProvider('simd', () => bin.simd, 20).create()) as WasmBackend).variant).toBe('simd');
    expect(((await createWasmProvider('simd', () => bin.simd, 20, () => BROKEN).create()) as WasmBackend).variant).toBe('simd');
  });

  it.skipIf(hasRelaxedSimd())('passes the Gemm, MatMul, Conv and recurrent tables with --experimental-wasm-relaxed-simd', () => {
    const files = [...['gemm', 'matmul', 'conv', 'rnn', 'lstm', 'gru'].map((f) => `test/ops/${f}.test.ts`),
      'test/wasm/recurrent.test.ts', 'test/wasm/relaxed.test.ts'];
    const r = spawnSync(process.execPath, [
      'node_modules/vitest/vitest.mjs', 'run', '--execArgv=--experimental-wasm-relaxed-simd',
      '-t', 'on wasm-relaxed|\\[relaxed\\]|relaxed-SIMD build', ...files,
    ], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, EDGEINFER_TEST_BACKENDS: 'wasm-relaxed', EDGEINFER_WASM_VARIANTS: 'relaxed', NO_COLOR: '1', CI: '' } });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out.slice(-4000)).toBe(0);
    // With the flag the relaxed variant runs, so each file has tests that pass (else vitest fails it as empty).
    expect(out).toMatch(/Test Files\s+8 passed/);
    expect(out).not.toMatch(/skipped: this engine has no WebAssembly relaxed SIMD/);
  }, 120_000);
});
