// Builds the browser bundle (dist/browser/index.js, advanced.js and the wasm kernel builds beside them) the way
// `npm run build:bundle` does, through rollup.config.mjs's createConfigs, into a scratch folder under
// the git-ignored .cache/ that the tests serve and then delete. Only the browser configuration is built.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rollup, type OutputOptions, type RollupOptions } from 'rollup';

export const ROOT = join(import.meta.dirname, '../..');

export interface BrowserBundle {
  /** Folder holding index.js, advanced.js, the edgeinfer-*.wasm files and edgeinfer-kernels.json. */
  readonly dir: string;
  /** Every file written there (index.js, index.js.map, the wasm builds, ...). */
  readonly files: readonly string[];
  /** Static and dynamic imports left in index.js: both must be empty for a self-contained bundle (advanced.js imports index.js). */
  readonly imports: readonly string[];
  readonly dynamicImports: readonly string[];
  readonly buildMs: number;
  /** Deletes the scratch folder. */
  remove(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/** Folders left by runs that died before their afterAll (a killed vitest); live runs' folders stay. */
function removeStale(cache: string): void {
  for (const name of readdirSync(cache)) {
    const pid = /^browser-test-(\d+)$/.exec(name)?.[1];
    if (pid !== undefined && Number(pid) !== process.pid && !alive(Number(pid))) rmSync(join(cache, name), { recursive: true, force: true });
  }
}

/** Builds the plain (unminified) browser bundle into .cache/browser-test-<pid>/browser. */
export async function buildBrowserBundle(): Promise<BrowserBundle> {
  const t0 = performance.now();
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  removeStale(join(ROOT, '.cache'));
  const outDir = join(ROOT, '.cache', `browser-test-${process.pid}`);
  rmSync(outDir, { recursive: true, force: true });
  const configUrl = pathToFileURL(join(ROOT, 'rollup.config.mjs')).href;
  const { createConfigs } = (await import(configUrl)) as { createConfigs(o: { outDir: string }): RollupOptions[] };
  const entry = join('src', 'index.ts');
  const config = createConfigs({ outDir }).find((c) => Object.values(c.input as Record<string, string>).some((i) => i.endsWith(entry)));
  if (!config) throw new Error('rollup.config.mjs has no configuration for src/index.ts (the browser bundle)');
  const outputs = (Array.isArray(config.output) ? config.output : [config.output]) as OutputOptions[];
  // The unminified output: stack traces from the page then name the SDK's own functions.
  const plain = outputs.find((o) => o.dir?.endsWith('browser') && o.entryFileNames === '[name].js');
  if (!plain) throw new Error('the browser configuration has no browser/[name].js output');
  const bundle = await rollup(config);
  let imports: string[] = [];
  let dynamicImports: string[] = [];
  try {
    const { output } = await bundle.write(plain);
    const index = output.find((c) => c.type === 'chunk' && c.fileName === 'index.js');
    if (index?.type === 'chunk') ({ imports, dynamicImports } = index);
  } finally {
    await bundle.close();
  }
  const dir = join(outDir, 'browser');
  return {
    dir,
    files: readdirSync(dir),
    imports,
    dynamicImports,
    buildMs: performance.now() - t0,
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
