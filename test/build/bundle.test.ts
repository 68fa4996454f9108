// Runs the rollup build (rollup.config.mjs) into a scratch folder and checks the bundles: the browser
// entries (index.js, advanced.js) are free of Node imports, index.js is one self-contained file and
// advanced.js imports only it; the WGSL kernels ship beside them (edgeinfer-kernels.json) rather than
// inside; the Node entries (index.js, advanced.js, convert.js) and the CLI load and work (the kernels
// embedded), and the Node index.js never reaches the converters; prints sizes.
import { spawnSync } from 'node:child_process';
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

/** A chunk written, keyed by its path under OUT (browser/index.js); `imports` are paths under OUT too, or external ids. */
interface Built { file: string; isEntry: boolean; imports: string[]; dynamicImports: string[]; moduleIds: string[] }
const built = new Map<string, Built>();

beforeAll(async () => {
  const configUrl = pathToFileURL(join(ROOT, 'rollup.config.mjs')).href;
  const { createConfigs } = (await import(configUrl)) as { createConfigs(o: { outDir: string }): RollupOptions[] };
  for (const config of createConfigs({ outDir: OUT })) {
    const bundle = await rollup(config);
    const outputs = (Array.isArray(config.output) ? config.output : [config.output]) as OutputOptions[];
    for (const o of outputs) {
      const dir = o.dir ?? dirname(o.file!);
      // The Node build writes under OUT itself (node/*.js, cli/main.js), the browser build under OUT/browser.
      const rel = dir.slice(OUT.length + 1);
      const at = (fileName: string) => (rel ? `${rel}/${fileName}` : fileName);
      const { output } = await bundle.write(o);
      const names = new Set(output.map((c) => c.fileName));
      const local = (id: string) => (names.has(id) ? at(id) : id);
      for (const c of output) {
        if (c.type !== 'chunk') continue;
        built.set(at(c.fileName), {
          file: join(dir, c.fileName), isEntry: c.isEntry, imports: c.imports.map(local), dynamicImports: c.dynamicImports.map(local), moduleIds: c.moduleIds,
        });
      }
    }
    await bundle.close();
  }
}, 180_000);

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

/** `name` and every chunk it imports, transitively. */
function closure(name: string): Built[] {
  const seen = new Map<string, Built>();
  const visit = (n: string) => {
    const b = built.get(n);
    if (!b || seen.has(n)) return;
    seen.set(n, b);
    [...b.imports, ...b.dynamicImports].forEach(visit);
  };
  visit(name);
  return [...seen.values()];
}

/** External ids (packages, builtins) imported by `name` or any chunk it loads. */
function externals(name: string): string[] {
  return closure(name).flatMap((b) => [...b.imports, ...b.dynamicImports]).filter((id) => !built.has(id));
}

const NODE_IMPORT = [
  /\bfrom\s*["']node:/,                              // import x from "node:fs"
  /\bimport\s*\(\s*["']node:/,                       // import("node:fs")
  /\bimport\s*["']node:/,                            // import "node:fs"
  /\brequire\s*\(\s*["'](node:)?(fs|path|fs\/promises|os|url|module|child_process|zlib)["']\s*\)/,
  /\bfrom\s*["'](fs|path|fs\/promises|os|url|module|child_process|zlib)["']/,
];

describe('bundles', () => {
  it('writes every entry', () => {
    const entries = [...built].filter(([, b]) => b.isEntry).map(([name]) => name).sort();
    expect(entries).toEqual([
      'browser/advanced.js', 'browser/advanced.min.js', 'browser/index.js', 'browser/index.min.js',
      'cli/main.js', 'node/advanced.js', 'node/convert.js', 'node/decode-worker.js', 'node/index.js',
    ]);
    // One browser file per entry: no shared chunk for a page or a service worker to list.
    expect([...built.keys()].filter((n) => n.startsWith('browser/')).sort()).toEqual(
      ['browser/advanced.js', 'browser/advanced.min.js', 'browser/index.js', 'browser/index.min.js']);
  });

  it.each([
    ['browser/index.js', []], ['browser/index.min.js', []],
    ['browser/advanced.js', ['browser/index.js']], ['browser/advanced.min.js', ['browser/index.min.js']],
  ])('%s imports nothing from Node and nothing but %j', (name, imports) => {
    const b = built.get(name)!;
    expect(b.imports).toEqual(imports);
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
    const advanced = gzipSync(readFileSync(built.get('browser/advanced.min.js')!.file), { level: 9 }).length;
    console.log(`browser advanced.min.js (beside index.min.js): min+gzip ${(advanced / 1024).toFixed(1)} KiB (${advanced} B)`);
    expect(min.length).toBeLessThan(plain.length);
    expect(gz).toBeGreaterThan(1024);             // not an empty bundle
    expect(gz).toBeLessThanOrEqual(60 * 1000);
    for (const [v, n] of wasm) expect(n, `${v} wasm bytes`).toBeLessThanOrEqual(100 * 1000);
  });

  // CPU-only clients must not download the WGSL: it is fetched from the asset when a WebGPU backend is created.
  it.each(['browser/index.js', 'browser/index.min.js', 'browser/advanced.js', 'browser/advanced.min.js'])('%s holds no WGSL and has every kernel beside it in edgeinfer-kernels.json', (name) => {
    const file = built.get(name)!.file;
    const code = closure(name).map((b) => readFileSync(b.file, 'utf8')).join('\n');   // advanced.js: with index.js
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
      const code = closure(name).map((b) => readFileSync(b.file, 'utf8')).join('\n');
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
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
    // The optional peer `webgpu` is imported at run time (src/runtime/node-webgpu.ts), never bundled.
    const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
    for (const name of ['node/index.js', 'node/advanced.js', 'node/convert.js', 'cli/main.js']) {
      for (const id of externals(name)) {
        const ok = id.startsWith('node:') || deps.some((d) => id === d || id.startsWith(`${d}/`)) || builtinModules.includes(id);
        expect(ok, `${name} imports ${id}`).toBe(true);
      }
    }
    // WebGPU in Node: imported when first needed, from the user's node_modules.
    for (const name of ['node/index.js', 'cli/main.js']) expect(externals(name), name).toContain('webgpu');
  });

  // A classifying app must not pay for the converters (src/convert): they are edgeinfer/convert. The
  // converters read ONNX with their own protobuf reader: no protobuf package, bundled or imported.
  it('keeps the converters out of the Node index.js, and in convert.js, which needs no protobuf package', () => {
    const reached = (name: string) => closure(name).flatMap((b) => b.moduleIds).filter((id) => id.includes(`${join('src', 'convert')}/`) || /onnx-proto|protobufjs/.test(id));
    for (const name of ['node/index.js', 'node/advanced.js']) {
      expect(reached(name), name).toEqual([]);
      expect(externals(name).filter((id) => /onnx-proto|protobufjs/.test(id)), name).toEqual([]);
    }
    expect(reached('node/convert.js').length).toBeGreaterThan(0);
    expect(reached('node/convert.js').filter((id) => /onnx-proto|protobufjs/.test(id))).toEqual([]);
    expect(externals('node/convert.js').filter((id) => /onnx-proto|protobufjs/.test(id))).toEqual([]);
  });

  // The same, seen by Node itself: a resolve hook reports every package the import resolves.
  it('importing the Node index.js or convert.js resolves neither onnx-proto nor protobufjs', () => {
    const hook = `export async function resolve(s, c, next) { if (!s.startsWith('node:') && !s.startsWith('.') && !s.startsWith('file:')) console.log('resolve ' + s); return next(s, c); }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const run = (name: string) => {
      const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '-e', `await import(${JSON.stringify(pathToFileURL(built.get(name)!.file).href)})`],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.split('\n').filter((l) => l.startsWith('resolve ')).map((l) => l.slice(8)).sort();
    };
    const index = run('node/index.js');
    expect(index).toContain('jpeg-js');                        // the hook sees package imports
    expect(index.filter((id) => /onnx-proto|protobufjs/.test(id))).toEqual([]);
    expect(index).not.toContain('webgpu');                     // only once a model may run on WebGPU
    expect(run('node/convert.js').filter((id) => /onnx-proto|protobufjs/.test(id))).toEqual([]);
  });

  it('the browser bundle loads in Node and reads a model written by the Node convert.js', async () => {
    const convert = await import(pathToFileURL(built.get('node/convert.js')!.file).href);
    const nodeApi = await import(pathToFileURL(built.get('node/index.js')!.file).href);
    const browserApi = await import(pathToFileURL(built.get('browser/index.min.js')!.file).href);
    const browserAdvanced = await import(pathToFileURL(built.get('browser/advanced.min.js')!.file).href);
    const graph = convert.importOnnx(new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/models/mnist-8/mnist-8.onnx'))), { name: 'mnist-8' });
    const bytes: Uint8Array = convert.writeEim(convert.quantizeWeights(convert.optimize(graph), 'int8'));
    const back = browserAdvanced.readEim(bytes);
    expect(back.metadata.name).toBe('mnist-8');
    expect(back.nodes.map((n: { op: string }) => n.op)).toContain('Conv');
    expect(typeof browserAdvanced.Session.create).toBe('function');
    // advanced re-exports index's classes rather than copies: one class, so instanceof holds across entries.
    expect(browserAdvanced.ModelFormatError).toBe(browserApi.ModelFormatError);
    expect(browserAdvanced.load).toBe(browserApi.load);
    expect(() => browserAdvanced.readEim(new Uint8Array(8))).toThrow(browserApi.ModelFormatError);
    // In Node, the converters' errors are the main entry's classes too (shared chunks, not copies).
    expect(() => convert.importOnnx(new Uint8Array([1, 2, 3]))).toThrow(nodeApi.ModelFormatError);
    expect(nodeApi.readEim).toBeUndefined();
    expect(nodeApi.importOnnx).toBeUndefined();
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
