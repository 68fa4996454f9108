// `edgeinfer bench`, in-process on mnist-8: every backend of this build is listed, the ones that
// run here are timed with throughput computed from the model's own MAC count.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as cli } from '../helpers/cli.js';
import type { BenchRow } from '../../src/cli/bench.js';

const ROOT = join(import.meta.dirname, '../..');
const MNIST_ONNX = join(ROOT, 'test/fixtures/models/mnist-8/mnist-8.onnx');
// Convs, MatMul and the two pools' window taps, as `inspect` counts them.
const MNIST_MACS = 28 * 28 * 8 * 25 + 14 * 14 * 16 * 25 * 8 + 256 * 10 + 14 * 14 * 8 * 4 + 4 * 4 * 16 * 9;

let dir: string;
let model: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeinfer-bench-'));
  model = join(dir, 'mnist.eim');
  expect((await cli(['convert', MNIST_ONNX, '-o', model])).code).toBe(0);
});
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('edgeinfer bench', () => {
  it('times every backend that runs here and says why the others do not', async () => {
    const r = await cli(['bench', '--model', model, '--batch', '4', '--runs', '3', '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as { batch: number; macs: number; rows: BenchRow[] };
    expect(report.batch).toBe(4);
    expect(report.macs).toBe(4 * MNIST_MACS);
    const byName = new Map(report.rows.map((row) => [row.backend, row]));
    for (const name of ['wasm simd', 'wasm scalar', 'js']) {
      const row = byName.get(name);
      expect(row?.status, name).toBe('ok');
      expect(row!.runs).toBe(3);
      expect(row!.medianMs).toBeGreaterThan(0);
      expect(row!.gflops).toBeCloseTo((2 * report.macs) / (row!.medianMs! * 1e6), 6);
    }
    const gpu = report.rows.find((row) => row.backend === 'webgpu');
    expect(gpu?.status).toBe('unavailable');
    expect(gpu?.reason).toMatch(/navigator\.gpu/);
  });

  it('prints a table and rejects bad options', async () => {
    const r = await cli(['bench', '-m', model, '--runs', '3']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/mnist-8: batch 1, 0\.8M multiply-adds per run/);
    expect(r.out).toMatch(/^wasm simd .* fastest$/m);
    expect((await cli(['bench', '--runs', '0'])).code).toBe(2);
    expect((await cli(['bench', '-m', join(dir, 'missing.eim')])).code).toBe(1);
  });
});
