#!/usr/bin/env node
// What `npm install edgeinfer` brings and costs (`npm run bench:install`): builds the package as
// `prepack` would (`npm run build`, written into a scratch copy of the package rather than dist/), packs
// it with `npm pack`, installs the tarball into a fresh project outside the repository, and reports the
// tarball's size and file count, the project's node_modules (disk usage and files, optional peer
// packages left out) and the median time of `import('edgeinfer')` over fresh Node processes.
//
// Usage: npm run bench:install [-- --runs 10] [--json]
//
// The pieces are exported for test/build/pack.test.ts, which asserts on the sizes and contents (never on
// the time: timings live in benchmarks). `npm install` reads jpeg-js from the npm cache
// (--prefer-offline) or the registry.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The environment for a nested npm: no npm_* variables of an outer `npm run` (its prefix, its package). */
function npmEnv() {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_') || keep.has(k.toLowerCase())));
}

function npm(args, cwd) {
  const r = spawnSync('npm', args, { cwd, env: npmEnv(), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`cannot run npm ${args[0]}: ${r.error.message}`);
  return r;
}

/** A scratch folder outside the repository, so nothing resolves from the repository's node_modules. */
export function scratch(prefix) {
  return mkdtempSync(join(tmpdir(), `edgeinfer-${prefix}-`));
}

/**
 * The package as `npm run build` makes it, in a scratch folder `stage`: package.json and the top-level
 * paths its `files` names, copied, and dist/ built there (wasm and WGSL through scripts/ensure-built.mjs,
 * the types by tsc, the bundles by rollup.config.mjs, source maps included: `files` must leave them out).
 */
export async function buildPackage(stage) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const tops = new Set(pkg.files.filter((f) => !f.startsWith('!')).map((f) => f.split('/')[0]));
  cpSync(join(ROOT, 'package.json'), join(stage, 'package.json'));
  for (const top of tops) {
    if (top !== 'dist' && existsSync(join(ROOT, top))) cpSync(join(ROOT, top), join(stage, top), { recursive: true });
  }
  const { ensureBuilt } = await import(pathToFileURL(join(ROOT, 'scripts/ensure-built.mjs')).href);
  await ensureBuilt();
  const dist = join(stage, 'dist');
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dist, 'types')],
    { cwd: ROOT, encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc (the types) failed:\n${tsc.stdout}${tsc.stderr}`);
  const { rollup } = await import('rollup');
  const { createConfigs } = await import(pathToFileURL(join(ROOT, 'rollup.config.mjs')).href);
  for (const config of createConfigs({ outDir: dist })) {
    const bundle = await rollup(config);
    try {
      for (const output of [config.output].flat()) await bundle.write(output);
    } finally {
      await bundle.close();
    }
  }
}

/**
 * `npm pack` of `stage` into `dest` (scripts ignored: the build is done): { file, size, unpackedSize,
 * entryCount, files: [{ path, size }] }, npm's own report.
 */
export function pack(stage, dest) {
  const r = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dest], stage);
  if (r.status !== 0) throw new Error(`npm pack failed:\n${r.stderr}`);
  const [report] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  return { ...report, file: join(dest, report.filename) };
}

const OFFLINE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network|offline/i;

/** A fresh project in `project` with the tarball installed as a user would (`npm install <tarball>`). */
export function install(tarball, project) {
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'edgeinfer-install-check', version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`);
  const r = npm(['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], project);
  if (r.status !== 0) {
    const why = OFFLINE.test(r.stderr)
      ? 'the npm registry cannot be reached and the npm cache lacks a dependency (jpeg-js); this check needs one of the two'
      : 'npm install failed';
    throw new Error(`${why}: npm install ${tarball} in ${project}:\n${r.stderr.trim().split('\n').slice(-15).join('\n')}`);
  }
}

/** The package names that are optional peers of edgeinfer (not installed for users unless they ask). */
export function optionalPeers(project) {
  const pkg = JSON.parse(readFileSync(join(project, 'node_modules/edgeinfer/package.json'), 'utf8'));
  return Object.entries(pkg.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([name]) => name);
}

/**
 * Disk usage of `dir` as `du` counts it (allocated blocks of files, folders and links) and its apparent
 * bytes and file count, skipping the paths in `skip` (absolute).
 */
export function diskUsage(dir, skip = []) {
  const total = { bytes: 0, apparent: 0, files: 0 };
  const walk = (path) => {
    if (skip.includes(path)) return;
    const s = lstatSync(path);
    total.bytes += s.blocks * 512;
    if (s.isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
    } else {
      total.apparent += s.size;
      total.files += 1;
    }
  };
  walk(dir);
  return total;
}

/** node_modules of the project, its optional peer packages left out. */
export function nodeModulesUsage(project) {
  const modules = join(project, 'node_modules');
  return diskUsage(modules, optionalPeers(project).map((name) => join(modules, name)));
}

/** Runs `code` (an ES module body) with Node in `project`; returns stdout, throws with stderr on failure. */
export function nodeIn(project, code, args = []) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code, ...args], { cwd: project, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (r.status !== 0) throw new Error(`node in ${project} exited with ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/** Milliseconds of `await import(name)` in each of `runs` fresh Node processes. */
export function importTimes(project, runs, name = 'edgeinfer') {
  const code = `const t0 = performance.now(); await import(${JSON.stringify(name)}); console.log(performance.now() - t0);`;
  return Array.from({ length: runs }, () => Number(nodeIn(project, code).trim()));
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;

async function main(argv) {
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 10;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer');
  const dirs = { stage: scratch('stage'), dest: scratch('tarball'), project: scratch('project') };
  try {
    let t = performance.now();
    await buildPackage(dirs.stage);
    const buildS = (performance.now() - t) / 1000;
    const packed = pack(dirs.stage, dirs.dest);
    t = performance.now();
    install(packed.file, dirs.project);
    const installS = (performance.now() - t) / 1000;
    const modules = nodeModulesUsage(dirs.project);
    const times = importTimes(dirs.project, runs);
    const result = {
      tarball: { bytes: packed.size, unpackedBytes: packed.unpackedSize, files: packed.entryCount },
      nodeModules: { duBytes: modules.bytes, apparentBytes: modules.apparent, files: modules.files },
      importMs: { median: median(times), min: Math.min(...times), max: Math.max(...times), runs },
      buildS, installS, node: process.version,
    };
    if (argv.includes('--json')) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    console.log(`npm pack: ${packed.filename} ${mb(packed.size)} (${packed.size} B), ${packed.entryCount} files, ${mb(packed.unpackedSize)} unpacked`);
    console.log(`npm install <tarball> in a fresh project (${installS.toFixed(1)} s): node_modules ${mb(modules.bytes)} on disk (du), ${mb(modules.apparent)} in ${modules.files} files`);
    console.log(`import('edgeinfer'): median ${result.importMs.median.toFixed(1)} ms over ${runs} fresh processes (min ${result.importMs.min.toFixed(1)}, max ${result.importMs.max.toFixed(1)}), Node ${process.version}`);
  } finally {
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`bench:install: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
