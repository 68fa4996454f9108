// The published .d.ts as users compile them: two small consumer projects (test/fixtures/consumers) with
// `strict: true` and `skipLibCheck: false`, so every declaration file their imports reach is checked too:
//   node     Node 20, NodeNext resolution, lib ES2022 and @types/node only (no DOM lib, no @webgpu/types);
//   browser  bundler resolution, lib ES2022 + DOM, no @webgpu/types (tsconfig.json), and with them
//            (tsconfig.webgpu.json: the WebGPU options then take exactly GPU and GPUDevice).
// The types are built fresh from src (tsconfig.build.json) into a scratch folder, beside a symlink to the
// repository's package.json, so `exports` (the `node` and `types` conditions) resolves as it does for an
// installed package. Each consumer is copied to the OS temp folder, outside this repository, with a
// node_modules holding only edgeinfer and the @types it names; the repository's tsc compiles it.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const FIXTURES = join(ROOT, 'test/fixtures/consumers');

// Inside the repository (git-ignored .cache/), as test/build/bundle.test.ts does: dist/ is left alone.
mkdirSync(join(ROOT, '.cache'), { recursive: true });
const BUILD = mkdtempSync(join(ROOT, '.cache', 'types-test-'));
const PACKAGE = join(BUILD, 'edgeinfer');
const CONSUMERS = mkdtempSync(join(tmpdir(), 'edgeinfer-consumers-'));

/** Runs the repository's tsc; its diagnostics (the empty string when there are none). */
function tsc(cwd: string, ...args: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [TSC, ...args, '--pretty', 'false'], { cwd, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}`.trim() };
}

beforeAll(() => {
  mkdirSync(PACKAGE);
  symlinkSync(join(ROOT, 'package.json'), join(PACKAGE, 'package.json'));
  const built = tsc(ROOT, '-p', 'tsconfig.build.json', '--outDir', join(PACKAGE, 'dist/types'));
  if (built.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed:\n${built.output}`);
}, 180_000);

afterAll(() => {
  rmSync(BUILD, { recursive: true, force: true });
  rmSync(CONSUMERS, { recursive: true, force: true });
});

/** A fresh copy of consumer `name` with edgeinfer and `packages` (from the repository's node_modules) installed. */
function consumer(name: string, packages: readonly string[]): string {
  const dir = mkdtempSync(join(CONSUMERS, `${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(PACKAGE, join(dir, 'node_modules/edgeinfer'), 'dir');
  for (const p of packages) {
    mkdirSync(join(dir, 'node_modules', p, '..'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', p), join(dir, 'node_modules', p), 'dir');
  }
  return dir;
}

describe('published types', () => {
  it.each([
    ['node', 'tsconfig.json', ['@types/node']],
    ['browser', 'tsconfig.json', []],
    ['browser', 'tsconfig.webgpu.json', ['@webgpu/types']],
  ] as const)('compile in the strict %s consumer (%s, skipLibCheck: false)', (name, config, packages) => {
    const dir = consumer(name, packages);
    const { status, output } = tsc(dir, '-p', config);
    expect(output, `tsc -p ${config} in ${dir}`).toBe('');
    expect(status).toBe(0);
  }, 120_000);
});
