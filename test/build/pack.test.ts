// What `npm install edgeinfer` brings: the package built as `prepack` does (into a scratch copy, not
// dist/), packed with `npm pack`, installed from the tarball into a fresh project outside the
// repository, then used there. Checks the promises of issue #16: tarball at most 5 MB, no source maps,
// no training artefacts, each wasm build once per target that loads it (browser, Node), node_modules at
// most 12 MB without the optional peers, no install scripts in the package or its dependencies, every
// export's file present, and the installed package classifying a sample photo with its bundled model,
// from code and from the bin, on wasm (so the wasm builds are found where the package put them).
// Import time is printed, not asserted: `npm run bench:install` measures it.
// The install needs jpeg-js from the npm cache or the registry; without either it fails and says so.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Packed { file: string; filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string; size: number }[] }
interface Usage { bytes: number; apparent: number; files: number }
interface InstallBench {
  buildPackage(stage: string): Promise<void>;
  pack(stage: string, dest: string): Packed;
  install(tarball: string, project: string): void;
  scratch(prefix: string): string;
  nodeModulesUsage(project: string): Usage;
  optionalPeers(project: string): string[];
  nodeIn(project: string, code: string, args?: string[]): string;
  importTimes(project: string, runs: number): number[];
  median(values: number[]): number;
}

const ROOT = join(import.meta.dirname, '../..');
const bench = (await import(pathToFileURL(join(ROOT, 'bench/install.mjs')).href)) as InstallBench;

const MB = 1000 * 1000;
const TARBALL_BUDGET = 5 * MB;
const NODE_MODULES_BUDGET = 12 * MB;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];
const WASM = ['edgeinfer-relaxed.wasm', 'edgeinfer-scalar.wasm', 'edgeinfer-simd.wasm', 'edgeinfer-simd-threads.wasm', 'edgeinfer-relaxed-threads.wasm'];
// The first of the bundled sample photos, and what the bundled MobileNetV2 sees in it.
const SAMPLE = 'models/samples/beer_bottle.jpg';
const SAMPLE_LABEL = 'beer bottle';

const dirs = { stage: '', dest: '', project: '' };
let packed: Packed;
let installed: string;
const paths = () => packed.files.map((f) => f.path);

beforeAll(async () => {
  dirs.stage = bench.scratch('stage');
  dirs.dest = bench.scratch('tarball');
  dirs.project = bench.scratch('project');
  await bench.buildPackage(dirs.stage);
  packed = bench.pack(dirs.stage, dirs.dest);
  bench.install(packed.file, dirs.project);
  installed = join(dirs.project, 'node_modules/edgeinfer');
}, 300_000);

afterAll(() => {
  for (const dir of Object.values(dirs)) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('makes a tarball of at most 5 MB', () => {
    console.log(`npm pack: ${packed.filename} ${(packed.size / MB).toFixed(2)} MB (${packed.size} B), ${packed.entryCount} files, ${(packed.unpackedSize / MB).toFixed(2)} MB unpacked`);
    expect(statSync(packed.file).size).toBe(packed.size);
    expect(packed.size).toBeLessThanOrEqual(TARBALL_BUDGET);
  });

  it('leaves out source maps and the training artefacts of models/fashion', () => {
    expect(paths().filter((p) => p.endsWith('.map'))).toEqual([]);
    // The TF.js layers models the .eim files were converted from (model.json, weights.bin, training.json).
    expect(paths().filter((p) => /^models\/fashion\/[^/]+\//.test(p) || /(^|\/)(model\.json|weights\.bin|training\.json)$/.test(p))).toEqual([]);
  });

  it('holds each wasm build once per target: beside the browser bundle and beside the Node bundles', () => {
    const wasm = paths().filter((p) => p.endsWith('.wasm')).sort();
    expect(wasm).toEqual([...WASM.map((w) => `dist/browser/${w}`), ...WASM.map((w) => `dist/node/${w}`)].sort());
    // The threads' worker script beside each of them.
    expect(paths().filter((p) => p.endsWith('edgeinfer-worker.js')).sort()).toEqual(['dist/browser/edgeinfer-worker.js', 'dist/node/edgeinfer-worker.js']);
  });

  it('holds the license, the changelog, the readme, the bundled model and the sample photos', () => {
    for (const p of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'models/mobilenetv2-12-int8.eim', 'models/README.md', SAMPLE]) {
      expect(paths(), p).toContain(p);
    }
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toContain('Apache License');
  });
});

describe('npm install <tarball> in a fresh project', () => {
  it('makes node_modules of at most 12 MB (optional peers left out)', () => {
    const usage = bench.nodeModulesUsage(dirs.project);
    const peers = bench.optionalPeers(dirs.project);
    console.log(`node_modules: ${(usage.bytes / MB).toFixed(2)} MB on disk (du), ${(usage.apparent / MB).toFixed(2)} MB in ${usage.files} files; optional peers left out: ${peers.join(', ') || 'none'}`);
    expect(usage.bytes).toBeLessThanOrEqual(NODE_MODULES_BUDGET);
  });

  it('runs no install script: none in edgeinfer, none in any dependency', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    expect(Object.keys(pkg.scripts ?? {}).filter((s) => INSTALL_SCRIPTS.includes(s))).toEqual([]);
    // npm marks every package with an install script (or a binding.gyp, which implies one) in the lock.
    const lock = JSON.parse(readFileSync(join(dirs.project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const packages = Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/'));
    expect(packages).toContain('node_modules/edgeinfer');
    expect(packages.filter((p) => lock.packages[p].hasInstallScript)).toEqual([]);
    for (const p of packages) {
      const dep = JSON.parse(readFileSync(join(dirs.project, p, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
      expect(Object.keys(dep.scripts ?? {}).filter((s) => INSTALL_SCRIPTS.includes(s) && s !== 'prepare'), p).toEqual([]);
    }
  });

  it('has the file of every export, and the wasm builds beside the browser bundle', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { exports: unknown; main: string; types: string; browser: string; bin: Record<string, string> };
    const targets: string[] = [];
    const collect = (v: unknown): void => {
      if (typeof v === 'string') targets.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect([pkg.exports, pkg.main, pkg.types, pkg.browser, pkg.bin]);
    for (const t of targets) expect(existsSync(join(installed, t)), t).toBe(true);
    expect(targets).toContain('./dist/browser/index.min.js');
    for (const w of WASM) expect(existsSync(join(installed, 'dist/browser', w)), w).toBe(true);
  });

  it('imports edgeinfer, edgeinfer/advanced and edgeinfer/convert in Node', () => {
    const out = bench.nodeIn(dirs.project, [
      "const app = await import('edgeinfer');",
      "const advanced = await import('edgeinfer/advanced');",
      "const convert = await import('edgeinfer/convert');",
      'console.log(JSON.stringify([typeof app.load, advanced.load === app.load, typeof convert.importOnnx]));',
    ].join('\n'));
    expect(JSON.parse(out)).toEqual(['function', true, 'function']);
    const times = bench.importTimes(dirs.project, 3);
    console.log(`import('edgeinfer') in the installed project: ${times.map((t) => t.toFixed(1)).join(', ')} ms (median ${bench.median(times).toFixed(1)}; npm run bench:install measures it)`);
  });

  it('classifies the first sample photo with the bundled model through the public API, on wasm', () => {
    const out = bench.nodeIn(dirs.project, [
      "import { NodeImageClassifier } from 'edgeinfer';",
      "const classifier = await NodeImageClassifier.create(undefined, { backend: 'wasm' });",
      'const [top] = await classifier.classify(process.argv[1], { topK: 1 });',
      'console.log(JSON.stringify({ backend: classifier.backend, label: top.label, score: top.score }));',
    ].join('\n'), [join(installed, SAMPLE)]);
    const result = JSON.parse(out) as { backend: string; label: string; score: number };
    expect(result.backend).toBe('wasm');
    expect(result.label).toBe(SAMPLE_LABEL);
    expect(result.score).toBeGreaterThan(0.5);
  });

  it('classifies it with the bin (node_modules/.bin/edgeinfer classify), on wasm', () => {
    const r = spawnSync(join(dirs.project, 'node_modules/.bin/edgeinfer'), ['classify', join(installed, SAMPLE), '--backend', 'wasm', '--top', '1', '--json'],
      { cwd: dirs.project, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { backend: string; modelFile: string; images: { top: { label: string }[] }[] };
    expect(report.backend).toBe('wasm');
    expect(realpathSync(report.modelFile)).toBe(realpathSync(join(installed, 'models/mobilenetv2-12-int8.eim')));
    expect(report.images[0].top[0].label).toBe(SAMPLE_LABEL);
  });
});
