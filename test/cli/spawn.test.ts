// The real executable: bin/edgeinfer.js as npm would run it, in a child process, so exit codes,
// stdout/stderr separation and the bin's loader (sources via tsx, or the build) are checked for real.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/edgeinfer.js');
const dir = mkdtempSync(join(tmpdir(), 'edgeinfer-spawn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  const { EDGEINFER_DEBUG: _, ...env } = process.env;
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 60_000 });
}

describe('bin/edgeinfer.js', () => {
  it('converts mnist-8 and exits 0 with the summary on stdout only', () => {
    const out = join(dir, 'mnist.eim');
    const r = run(['convert', 'test/fixtures/models/mnist-8/mnist-8.onnx', '-o', out, '--weights', 'f16']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^edgeinfer convert: note: the model has no image preprocessing metadata [^\n]*\n$/);
    expect(r.stdout).toMatch(/^wrote .*mnist\.eim \(mnist-8\): .* 5,994 params \(f16\)/);
    expect(statSync(out).size).toBeGreaterThan(0);
  });

  it('exits 2 on an unknown flag and 1 on a missing file, one stderr line each', () => {
    const usage = run(['inspect', '--no-such-flag', 'x.eim']);
    expect(usage.status).toBe(2);
    expect(usage.stdout).toBe('');
    expect(usage.stderr).toMatch(/^edgeinfer: unknown option --no-such-flag \(see edgeinfer inspect --help\)\n$/);

    const missing = run(['inspect', join(dir, 'missing.eim')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^edgeinfer: .*missing\.eim: no such file or directory\n$/);
  });
});
