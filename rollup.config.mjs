// Bundles, one build per target so that each class exists once however many entries an app imports:
// - dist/browser: index.js (src/index.ts, `edgeinfer`) and advanced.js (src/advanced.ts, which re-exports
//   index.ts, so rollup keeps the shared code in index.js and advanced.js imports it), each + .min.js;
//   free of Node imports, with the wasm builds and edgeinfer-kernels.json (the WGSL) beside them.
// - dist/node: index.js, advanced.js, convert.js (src/node.ts, src/advanced-node.ts, src/convert/index.ts)
//   and the chunks they share; index.js never reaches the converters. Node builtins and package
//   dependencies stay imports. The wasm builds beside them are the only Node copy.
// - dist/cli/main.js (src/cli/main.ts): an entry of the same build as dist/node, so it imports the shared
//   chunks of dist/node (and finds the wasm builds there) instead of carrying its own copy of the runtime.
// Source maps are written for local debugging; `files` in package.json keeps them out of the package.
// Types: tsconfig.build.json.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import esbuild from 'rollup-plugin-esbuild';
import { shaderTable } from './scripts/embed-wgsl.mjs';

const ROOT = fileURLToPath(new URL('.', import.meta.url));
const TARGET = 'es2022';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
// Peer dependencies too: the optional `webgpu` package is imported at run time by the Node entry, never bundled.
const DEPENDENCIES = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
const BUILTINS = new Set(builtinModules);

function isBuiltin(id) {
  return id.startsWith('node:') || BUILTINS.has(id) || BUILTINS.has(id.split('/')[0]);
}

function isDependency(id) {
  return DEPENDENCIES.some((d) => id === d || id.startsWith(`${d}/`));
}

/**
 * Fails the browser build at the first Node builtin reachable from the entry, naming the importer,
 * instead of letting rollup leave it as an external import that breaks only in the browser.
 */
function noNodeBuiltins() {
  return {
    name: 'edgeinfer-no-node-builtins',
    resolveId(id, importer) {
      if (isBuiltin(id)) {
        this.error(`Node builtin "${id}" is imported by ${importer ?? 'the entry'}, which the browser bundle reaches`);
      }
      return null;
    },
  };
}

/**
 * Emits the wasm kernel builds (made by `npm run build:wasm` into build/wasm) and the thread pool's worker
 * script (src/backends/wasm/edgeinfer-worker.js, plain JavaScript) beside the bundle: the browser loads
 * them by URL relative to the module, Node reads them from the bundle's folder.
 */
function wasmBuilds(subdir = '') {
  const files = [
    ...['simd', 'relaxed', 'scalar', 'simd-threads', 'relaxed-threads'].map((v) => join(ROOT, 'build/wasm', `edgeinfer-${v}.wasm`)),
    join(ROOT, 'src/backends/wasm/edgeinfer-worker.js'),
  ];
  return {
    name: 'edgeinfer-wasm-builds',
    generateBundle() {
      for (const path of files) {
        if (!existsSync(path)) this.error(`${path} is missing: run \`npm run build:wasm\` first`);
        const name = basename(path);
        this.emitFile({ type: 'asset', fileName: subdir ? `${subdir}/${name}` : name, source: readFileSync(path) });
      }
    },
  };
}

/**
 * Browser bundle only: the WGSL kernels go beside the bundle as edgeinfer-kernels.json (from the same
 * shaderTable() that writes shaders.gen.ts) instead of inside it, and shader-table.ts, which embeds them,
 * is swapped for shader-table.browser.ts, which fetches that file when a WebGPU backend is created:
 * CPU-only clients neither download nor parse them. The Node bundles keep them embedded.
 */
function wgslKernelsAsset() {
  const embedded = join(ROOT, 'src/backends/webgpu/shader-table.ts');
  let json;
  return {
    name: 'edgeinfer-wgsl-kernels-asset',
    buildStart() {
      json = JSON.stringify(shaderTable());
    },
    async resolveId(id, importer, options) {
      if (!importer || !id.includes('shader-table')) return null;
      const resolved = await this.resolve(id, importer, { ...options, skipSelf: true });
      return resolved?.id === embedded ? join(ROOT, 'src/backends/webgpu/shader-table.browser.ts') : null;
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'edgeinfer-kernels.json', source: json });
    },
  };
}

/**
 * Deletes what an earlier build left in the folders `subdirs` (under the output dir) that this build did
 * not write: shared chunks of other hashes (their names carry a content hash, so a new build writes new
 * files beside the old ones rather than over them), and files of an older layout (the CLI's own copy of
 * the wasm builds), so that dist/ ships only these. The folders belong to this build alone.
 */
function removeStaleFiles(subdirs) {
  return {
    name: 'edgeinfer-remove-stale-files',
    writeBundle({ dir }, bundle) {
      if (!dir) return;
      for (const sub of subdirs) {
        const folder = join(dir, sub);
        if (!existsSync(folder)) continue;
        for (const entry of readdirSync(folder, { withFileTypes: true })) {
          const key = `${sub}/${entry.name}`;
          const written = key in bundle || (key.endsWith('.map') && key.slice(0, -4) in bundle);
          if (entry.isFile() && !written) rmSync(join(folder, entry.name));
        }
      }
    },
  };
}

function typescript() {
  return esbuild({ target: TARGET, tsconfig: join(ROOT, 'tsconfig.json'), sourceMap: true });
}

/**
 * terser with two compress passes: ~4 % smaller gzipped than esbuild's minifier on this bundle,
 * which counts against the 60 KB browser budget.
 */
function minifier() {
  return terser({ module: true, ecma: 2020, compress: { passes: 2 }, format: { comments: false } });
}

/** Rollup warnings that mean a broken bundle rather than a style note. */
function strictWarnings(warning, warn) {
  if (warning.code === 'UNRESOLVED_IMPORT' || warning.code === 'MISSING_EXPORT') {
    throw new Error(warning.message);
  }
  warn(warning);
}

/** The configurations, writing under `outDir` (absolute, or relative to the repository root). */
export function createConfigs({ outDir = 'dist' } = {}) {
  const out = (p) => resolve(ROOT, outDir, p);
  const browser = {
    input: { index: join(ROOT, 'src/index.ts'), advanced: join(ROOT, 'src/advanced.ts') },
    // advanced.ts re-exports index.ts: its code then lands in index.js, which also exports (under short
    // names, not API) what advanced.js takes from it, instead of a shared chunk behind an index.js facade.
    // index.js stays one self-contained file: the size budget and service workers' file lists count on it.
    preserveEntrySignatures: 'allow-extension',
    plugins: [noNodeBuiltins(), wgslKernelsAsset(), nodeResolve({ browser: true, preferBuiltins: false }), typescript(), wasmBuilds()],
    onwarn: strictWarnings,
    output: [
      { dir: out('browser'), entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', format: 'es', sourcemap: true },
      {
        dir: out('browser'), entryFileNames: '[name].min.js', chunkFileNames: '[name]-[hash].min.js', format: 'es', sourcemap: true,
        plugins: [minifier()],
      },
    ],
  };
  // One build for the Node entries and the CLI, written under outDir as node/*.js and cli/main.js: the
  // CLI shares dist/node's chunks (one copy of the runtime, one of the wasm builds, in dist/node).
  // Shared chunks sit beside the Node entries, never in cli/: node-files.ts and node-classifier.ts find the
  // wasm builds (./) and models/ (../../models) relative to the module that holds them.
  const node = {
    input: {
      'node/index': join(ROOT, 'src/node.ts'),
      'node/advanced': join(ROOT, 'src/advanced-node.ts'),
      'node/convert': join(ROOT, 'src/convert/index.ts'),
      'cli/main': join(ROOT, 'src/cli/main.ts'),
      // The decode thread of classifyFiles / classify --jobs (node-pipeline.ts loads it from beside its chunk).
      'node/decode-worker': join(ROOT, 'src/vision/node-decode-worker.ts'),
    },
    external: (id) => isBuiltin(id) || isDependency(id),
    preserveEntrySignatures: 'allow-extension',
    plugins: [nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }), typescript(), wasmBuilds('node')],
    onwarn: strictWarnings,
    output: {
      dir: out('.'), format: 'es', sourcemap: true, entryFileNames: '[name].js', chunkFileNames: 'node/shared-[hash].js',
      plugins: [removeStaleFiles(['node', 'cli'])],
    },
  };
  return [browser, node];
}

export default createConfigs();
