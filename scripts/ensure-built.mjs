#!/usr/bin/env node
// Makes the generated files a checkout runs from: the wasm kernel builds (build/wasm/*.wasm,
// src/backends/wasm/exports.gen.ts, assembly/codes.gen.ts) and the embedded WGSL
// (src/backends/webgpu/shaders.gen.ts, kernels/lib/codes.gen.wgsl). `npm install` no longer builds them
// (the package has no install scripts; `prepack` runs the whole build), so `npm test`, `npm run demo`,
// the benchmarks and the CLI run from the sources call this first. It costs little when nothing changed:
// - wasm: buildWasm() compares a hash of assembly/, asconfig.json and the compiler version with the
//   one stored at the last compile (~10 ms) and compiles only on a difference;
// - WGSL: skipped when shaders.gen.ts is newer than every kernel and the scripts that make it, else
//   embedWgsl() (which rewrites the file only when its text changes).
// Prints only when it builds something. Usage: node scripts/ensure-built.mjs; or import { ensureBuilt }.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHADERS_TS = join(ROOT, 'src/backends/webgpu/shaders.gen.ts');
const WGSL_CODES = join(ROOT, 'kernels/lib/codes.gen.wgsl');
const WGSL_INPUTS = ['kernels', 'src/ops/codes.ts', 'scripts/embed-wgsl.mjs', 'scripts/wgsl-half.mjs', 'scripts/codes.mjs'];

/** Newest modification time of `path` (a file, or every file below a folder but generated ones). */
function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (!e.name.includes('.gen.')) t = Math.max(t, newest(join(path, e.name)));
  }
  return t;
}

function wgslUpToDate() {
  if (!existsSync(SHADERS_TS) || !existsSync(WGSL_CODES)) return false;
  const built = Math.min(statSync(SHADERS_TS).mtimeMs, statSync(WGSL_CODES).mtimeMs);
  return WGSL_INPUTS.every((p) => newest(join(ROOT, p)) <= built);
}

/** Builds what is missing or stale; `log` gets one line per thing built. Throws when a build fails. */
export async function ensureBuilt({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  if (!existsSync(join(ROOT, 'node_modules/assemblyscript/package.json'))) {
    throw new Error('the AssemblyScript compiler is missing: run `npm install` (or `npm ci`) in the repository first');
  }
  const { buildWasm } = await import(pathToFileURL(join(ROOT, 'scripts/build-wasm.mjs')).href);
  await buildWasm({ log: (m) => log(`ensure-built: ${m}`) });
  if (!wgslUpToDate()) {
    const { embedWgsl } = await import(pathToFileURL(join(ROOT, 'scripts/embed-wgsl.mjs')).href);
    const before = existsSync(SHADERS_TS) ? statSync(SHADERS_TS).mtimeMs : -1;
    embedWgsl();
    if (statSync(SHADERS_TS).mtimeMs !== before) log(`ensure-built: wrote ${relative(ROOT, SHADERS_TS)}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  ensureBuilt().catch((e) => {
    console.error(`ensure-built: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
