// Runs the rollup build (rollup.config.mjs) into a scratch folder and checks the bundles: the browser
// bundle is self-contained with no Node import and ships the WGSL kernels beside it (edgeinfer-kernels.json)
// rather than inside, the Node and CLI bundles load and work (the kernels embedded); prints sizes.
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rollup, type OutputOptions, type RollupOptions } from 'rollup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHADERS } from '../../src/backends/webgpu/shaders.gen.js';

const ROOT = join(import.meta.dirname, '../..');
// Inside the repository (git-ignored .cache/) so the Node bundles' external imports resolve from node_modules.
mkdirSync(join(ROOT, '.cache'), { recursive: true });
const OUT = mkdtempSync(join(ROOT, '.cache', 'bundle-test-'));

interface Built { file: string; imports: string[]; dynamicImports: string[] }
const built = new Map<string, Built>();

beforeAll(async () => {
  const configUrl = pathToFileURL(join(ROOT, 'rollup.config.mjs')).href;
  const { createConfigs } = (await import(configUrl)) as { createConfigs(o: { outDir: string }): RollupOptions[] };
  for (const config of createConfigs({ outDir: OUT })) {
    const bundle = await rollup(config);
    const outputs = (Array.isArray(config.output) ? config.output : [config.output]) as OutputOptions[];
    for (const o of outputs) {
      const { output } = await bundle.write(o);
      const chunk = output.find((c) => c.type === 'chunk' && c.isEntry);
      if (chunk?.type !== 'chunk') throw new Error(`no entry chunk for ${o.file}`);
      built.set(o.file!.slice(OUT.length + 1), { file: o.file!, imports: chunk.imports, dynamicImports: chunk.dynamicImports });
    }
    await bundle.close();
  }
}, 180_000);

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

const NODE_IMPORT = [
  /\bfrom\s*["']node:/,                              // import x from "node:fs"
  /\bimport\s*\(\s*["']node:/,                       // import("node:fs")
  /\bimport\s*["']node:/,                            // import "node:fs"
  /\brequire\s*\(\s*["'](node:)?(fs|path|fs\/promises|os|url|module|child_process|zlib)["']\s*\)/,
  /\bfrom\s*["'](fs|path|fs\/promises|os|url|module|child_process|zlib)["']/,
];

describe('bundles', () => {
  it('writes all four files', () => {
    expect([...built.keys()].sort()).toEqual(['browser/index.js', 'browser/index.min.js', 'cli/main.js', 'node/index.js']);
  });

  it.each(['browser/index.js', 'browser/index.min.js'])('%s is self-contained and imports nothing from Node', (name) => {
    const b = built.get(name)!;
    expect(b.imports).toEqual([]);
    expect(b.dynamicImports).toEqual([]);
    const code = readFileSync(b.file, 'utf8');
    for (const re of NODE_IMPORT) expect(code, `${name} matches ${re}`).not.toMatch(re);
  });

  // The budget users were promised: the browser runtime at most 60 KB minified+gzipped without the
  // wasm and WGSL kernels, the SIMD kernels at most 100 KB (uncompressed, as shipped beside the bundle).
  it('keeps the browser bundle within 60 KB min+gzip and the SIMD wasm within 100 KB', () => {
    const min = readFileSync(built.get('browser/index.min.js')!.file);
    const plain = readFileSync(built.get('browser/index.js')!.file);
    const gz = gzipSync(min, { level: 9 }).length;
    const wasm = ['simd', 'relaxed', 'scalar'].map((v) => [v, readFileSync(join(dirname(built.get('browser/index.js')!.file), `edgeinfer-${v}.wasm`)).length] as const);
    console.log(`browser bundle: ${(plain.length / 1024).toFixed(1)} KiB, minified ${(min.length / 1024).toFixed(1)} KiB, min+gzip ${(gz / 1024).toFixed(1)} KiB (${gz} B); `
      + wasm.map(([v, n]) => `${v} wasm ${(n / 1024).toFixed(1)} KiB (gzip ${(gzipSync(readFileSync(join(dirname(built.get('browser/index.js')!.file), `edgeinfer-${v}.wasm`)), { level: 9 }).length / 1024).toFixed(1)} KiB)`).join(', '));
    expect(min.length).toBeLessThan(plain.length);
    expect(gz).toBeGreaterThan(1024);             // not an empty bundle
    expect(gz).toBeLessThanOrEqual(60 * 1000);
    for (const [v, n] of wasm) expect(n, `${v} wasm bytes`).toBeLessThanOrEqual(100 * 1000);
  });

  // CPU-only clients must not download the WGSL: it is fetched from the asset when a WebGPU backend is created.
  it.each(['browser/index.js', 'browser/index.min.js'])('%s holds no WGSL and has every kernel beside it in edgeinfer-kernels.json', (name) => {
    const file = built.get(name)!.file;
    const code = readFileSync(file, 'utf8');
    expect(code).not.toContain('@compute');
    expect(code).not.toContain('@workgroup_size');
    expect(code).toContain('edgeinfer-kernels.json');
    const asset = JSON.parse(readFileSync(join(dirname(file), 'edgeinfer-kernels.json'), 'utf8')) as Record<string, { bindings: string[]; code: string }>;
    expect(Object.keys(asset).sort()).toEqual(Object.keys(SHADERS).sort());
    for (const [stem, s] of Object.entries(SHADERS)) {
      expect(asset[stem].code, stem).toBe(s.code);
      expect(asset[stem].bindings, stem).toEqual(s.bindings);
    }
  });

  it('keeps the WGSL embedded in the Node and CLI bundles (no fetch in Node)', () => {
    for (const name of ['node/index.js', 'cli/main.js']) {
      const code = readFileSync(built.get(name)!.file, 'utf8');
      expect(code, name).toContain('@compute');
      expect(code, name).not.toContain('edgeinfer-kernels.json');
    }
  });

  it('keeps the kernels asset within 12 KB gzip', () => {
    const bytes = readFileSync(join(dirname(built.get('browser/index.js')!.file), 'edgeinfer-kernels.json'));
    const gz = gzipSync(bytes, { level: 9 }).length;
    console.log(`edgeinfer-kernels.json: ${Object.keys(SHADERS).length} kernels, ${(bytes.length / 1024).toFixed(1)} KiB, gzip ${(gz / 1024).toFixed(1)} KiB (${gz} B)`);
    expect(gz).toBeGreaterThan(1024);
    expect(gz).toBeLessThanOrEqual(12 * 1000);
  });

  it('leaves only Node builtins and package dependencies external in the Node bundles', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const deps = Object.keys(pkg.dependencies ?? {});
    for (const name of ['node/index.js', 'cli/main.js']) {
      for (const id of built.get(name)!.imports) {
        const ok = id.startsWith('node:') || deps.some((d) => id === d || id.startsWith(`${d}/`)) || builtinModules.includes(id);
        expect(ok, `${name} imports ${id}`).toBe(true);
      }
    }
  });

  it('the browser bundle loads in Node and reads a model written by the Node bundle', async () => {
    const nodeApi = await import(pathToFileURL(built.get('node/index.js')!.file).href);
    const browserApi = await import(pathToFileURL(built.get('browser/index.min.js')!.file).href);
    const graph = nodeApi.importOnnx(new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/models/mnist-8/mnist-8.onnx'))), { name: 'mnist-8' });
    const bytes: Uint8Array = nodeApi.writeEim(nodeApi.optimize(graph));
    const back = browserApi.readEim(bytes);
    expect(back.metadata.name).toBe('mnist-8');
    expect(back.nodes.map((n: { op: string }) => n.op)).toContain('Conv');
    expect(typeof browserApi.Session.create).toBe('function');
  });

  it('the CLI bundle runs convert and inspect', async () => {
    const { main } = await import(pathToFileURL(built.get('cli/main.js')!.file).href);
    let out = '', err = '';
    const io = { stdout: { write: (s: string) => { out += s; } }, stderr: { write: (s: string) => { err += s; } }, env: {} };
    const eim = join(OUT, 'mnist.eim');
    expect(await main(['convert', join(ROOT, 'test/fixtures/models/mnist-8/mnist-8.onnx'), '-o', eim, '--weights', 'int8'], io), err).toBe(0);
    expect(await main(['inspect', eim], io), err).toBe(0);
    expect(out).toMatch(/Conv\s+\[1,28,28,8\]\s+208\s+156,800/);
    expect(await main(['inspect', '--bogus'], io)).toBe(2);
  });
});
