// Builds the AssemblyScript kernels (assembly/) into build/wasm/: edgeinfer-simd.wasm (WebAssembly SIMD),
// edgeinfer-relaxed.wasm (SIMD plus relaxed SIMD: fused multiply-adds where the engine has them) and
// edgeinfer-scalar.wasm (no SIMD; the same sources, the f32x4 paths dropped by ASC_FEATURE_SIMD).
// First emits assembly/codes.gen.ts from src/ops/codes.ts (scripts/codes.mjs).
// Skips the compile when the sources, asconfig.json and the compiler version hash as last time.
// Usage: node scripts/build-wasm.mjs [--force]; or import { buildWasm } from it.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { emitCodes } from './codes.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'build', 'wasm');
const STAMP = join(OUT, 'sources.sha256');
export const TARGETS = ['simd', 'relaxed', 'scalar'];

async function sourceFiles(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...await sourceFiles(p));
    else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) out.push(p);
  }
  return out.sort();
}

async function sourceHash() {
  const h = createHash('sha256');
  const pkg = JSON.parse(await readFile(join(ROOT, 'node_modules/assemblyscript/package.json'), 'utf8'));
  h.update(`assemblyscript ${pkg.version}\n`);
  for (const f of [join(ROOT, 'asconfig.json'), ...await sourceFiles(join(ROOT, 'assembly'))]) {
    h.update(`${relative(ROOT, f)}\n`);
    h.update(await readFile(f));
  }
  return h.digest('hex');
}

/**
 * Compiles every target unless up to date; returns the absolute paths of the .wasm files.
 * Throws with the compiler's diagnostics when a target fails.
 */
export async function buildWasm({ force = false, log = () => {} } = {}) {
  const paths = Object.fromEntries(TARGETS.map((t) => [t, join(OUT, `edgeinfer-${t}.wasm`)]));
  // assembly/codes.gen.ts (the code tables of src/ops/codes.ts) before hashing: it is one of the sources.
  emitCodes({ wgsl: false });
  const hash = await sourceHash();
  if (!force) {
    const old = await readFile(STAMP, 'utf8').catch(() => '');
    const present = await Promise.all(Object.values(paths).map((p) => readFile(p).then(() => true, () => false)));
    if (old.trim() === hash && present.every(Boolean)) return paths;
  }
  await mkdir(OUT, { recursive: true });
  const { default: asc } = await import('assemblyscript/asc');
  for (const target of TARGETS) {
    let diagnostics = '';
    const sink = { write: (s) => { diagnostics += s; return true; } };
    const t0 = Date.now();
    // Compile to a private name, then rename: concurrent builds (parallel test files) never see half a file.
    const tmp = join(OUT, `.edgeinfer-${target}.${process.pid}.wasm`);
    const { error } = await asc.main(
      ['--config', join(ROOT, 'asconfig.json'), '--target', target, '--baseDir', ROOT, '--noColors', '--outFile', tmp],
      { stdout: sink, stderr: sink },
    );
    if (error) throw new Error(`asc failed for target ${target}: ${error.message}\n${diagnostics}`);
    await rename(tmp, paths[target]);
    log(`built ${relative(ROOT, paths[target])} in ${Date.now() - t0} ms`);
  }
  await writeFile(`${STAMP}.${process.pid}`, `${hash}\n`);
  await rename(`${STAMP}.${process.pid}`, STAMP);
  return paths;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildWasm({ force: process.argv.includes('--force'), log: (m) => console.log(m) }).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
