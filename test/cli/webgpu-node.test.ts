// WebGPU in Node for users: `edgeinfer classify --backend webgpu` on the optional `webgpu` package (Dawn),
// in-process and through the real bin, and the one-line hint when the package is not there. Here Dawn runs
// on SwiftShader (scripts/test.mjs sets VK_ICD_FILENAMES and LD_LIBRARY_PATH); without an adapter the
// positive tests skip with the reason, except under CI, where WebGPU is always available.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { loadMnist8Graph } from '../helpers/models.js';
import type { ClassifyReport } from '../../src/cli/classify.js';
import { load } from '../../src/runtime/node-load.js';
import {
  DISABLE_ENV, INSTALL_HINT, VULKAN_HINT, nodeGpu, nodeWebgpuProvider, openNodeGpu, wantsWebgpu,
} from '../../src/runtime/node-webgpu.js';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/edgeinfer.js');
const PHOTO = join(ROOT, 'test/fixtures/models/imagenet/photos/cat.jpg');
/** ImageNet's domestic cats (281 tabby ... 285 Egyptian cat). */
const CATS = [281, 282, 283, 284, 285];

const probe = await nodeGpu();
const skipReason = 'reason' in probe ? probe.reason : undefined;
if (skipReason !== undefined && process.env.CI) throw new Error(`WebGPU in Node is required in CI but unavailable: ${skipReason}`);
const withGpu = skipReason === undefined ? describe : describe.skip;

function spawnBin(args: string[], extra: Record<string, string> = {}) {
  const { EDGEINFER_DEBUG: _, [DISABLE_ENV]: __, ...env } = process.env;
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...env, ...extra }, timeout: 120_000 });
}

function expectHint(code: number | null, out: string, err: string): void {
  expect(code, err).toBe(1);
  expect(out).toBe('');
  expect(err).toMatch(/^edgeinfer: [^\n]+\n$/);
  expect(err).toContain('backend webgpu unavailable');
  expect(err).toContain(INSTALL_HINT);
}

withGpu(`edgeinfer classify --backend webgpu in Node${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('classifies in-process on the webgpu package and reports the adapter', async () => {
    const r = await runCli(['classify', PHOTO, '--backend', 'webgpu', '--json', '-k', '3']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as ClassifyReport;
    expect(report.backend).toBe('webgpu');
    expect(report.backendChoice).toBe('explicit');
    expect(report.adapter?.description).toBe('adapter' in probe ? probe.adapter.description : undefined);
    expect(report.adapter?.software).toBe('adapter' in probe && probe.adapter.software !== undefined);
    expect(CATS).toContain(report.images[0].top![0].index);
  }, 120_000);

  it('classifies through the real bin (exit 0, JSON on stdout)', () => {
    const r = spawnBin(['classify', PHOTO, '--backend', 'webgpu', '--json', '-k', '1']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as ClassifyReport;
    expect(report.backend).toBe('webgpu');
    expect(report.adapter?.description).toMatch(/\S/);
    expect(CATS).toContain(report.images[0].top![0].index);
  }, 120_000);

  it('load(): the provider and the selection name the adapter, and auto records a software adapter as the reason to defer it', async () => {
    const provider = nodeWebgpuProvider();
    const adapter = 'adapter' in probe ? probe.adapter : undefined;
    expect(await provider.available()).toBe(true);
    expect(await provider.deviceInfo!()).toBe(adapter!.software ? `${adapter!.description}, software` : adapter!.description);
    expect(await provider.deferReason!()).toBe(adapter!.software);

    const explicit = await load(loadMnist8Graph(), { backend: 'webgpu', cache: false });
    try {
      expect(explicit.backend).toBe('webgpu');
      expect(explicit.selection.candidates).toEqual([{ name: 'webgpu', priority: 30, status: 'chosen' }]);
      // The selection names the adapter runs go to, and whether it is a software one (SwiftShader here).
      expect(explicit.selection.adapter).toEqual({ description: adapter!.description, software: adapter!.software !== undefined });
      expect((await explicit.ready).adapter).toBe(explicit.selection.adapter);
    } finally {
      explicit.dispose();
    }
    const auto = await load(loadMnist8Graph(), { cache: false, warmStart: false });
    try {
      const gpu = auto.selection.candidates.find((c) => c.name === 'webgpu')!;
      if (adapter!.software) expect(gpu).toMatchObject({ status: 'skipped', reason: adapter!.software });
      else expect(gpu.status).not.toBe('unavailable');
      if (auto.backend !== 'webgpu') expect(auto.selection.adapter).toBeUndefined();
    } finally {
      auto.dispose();
    }
  }, 120_000);
});

describe('edgeinfer classify --backend webgpu without the webgpu package', () => {
  it(`fails in-process with the install hint (${DISABLE_ENV}=1)`, async () => {
    const r = await runCli(['classify', PHOTO, '--backend', 'webgpu', '--json'], { [DISABLE_ENV]: '1' });
    expectHint(r.code, r.out, r.err);
  });

  it(`fails through the real bin with the install hint, one stderr line (${DISABLE_ENV}=1)`, () => {
    const r = spawnBin(['classify', PHOTO, '--backend', 'webgpu'], { [DISABLE_ENV]: '1' });
    expectHint(r.status, r.stdout, r.stderr);
  }, 120_000);

  it('auto goes on without it, the webgpu candidate saying why', async () => {
    const r = await runCli(['classify', PHOTO, '--json', '-k', '1'], { [DISABLE_ENV]: '1' });
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as ClassifyReport;
    expect(report.backend).not.toBe('webgpu');
    expect(report.adapter).toBeUndefined();
    const provider = nodeWebgpuProvider({ [DISABLE_ENV]: '1' });
    expect(await provider.available()).toContain(INSTALL_HINT);
    expect(await provider.deviceInfo!()).toBeUndefined();
  }, 120_000);

  it('a package that cannot be imported reads as not installed, with the hint', async () => {
    const name = 'edgeinfer-absent-package-for-a-test';
    const got = await openNodeGpu(() => import(/* @vite-ignore */ name), name);
    expect(got).toEqual({ reason: `the \`${name}\` package is not installed: ${INSTALL_HINT}` });
  });

  it('a GPU without an adapter reads as a missing Vulkan driver, with the hint', async () => {
    const noAdapter = { create: () => ({ requestAdapter: async () => null }) as unknown as GPU, globals: {} };
    expect(await openNodeGpu(async () => noAdapter)).toEqual({ reason: `no WebGPU adapter found: ${VULKAN_HINT}` });
    const broken = { create: () => { throw new Error('libvulkan.so.1: cannot open shared object file'); }, globals: {} };
    expect((await openNodeGpu(async () => broken)) as { reason: string }).toEqual({ reason: expect.stringContaining(VULKAN_HINT) });
  });

  it('only preferences that may reach WebGPU look for the package', () => {
    expect([undefined, 'auto', 'webgpu', ['wasm', 'webgpu']].map(wantsWebgpu)).toEqual([true, true, true, true]);
    expect(['wasm', 'js', ['wasm', 'js']].map(wantsWebgpu)).toEqual([false, false, false]);
  });
});
