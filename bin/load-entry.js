// Imports the built bundle when it is there and not older than any file under src/, else the
// TypeScript sources through tsx (a repository checkout without `npm run build`): a stale bundle
// would silently run old code. `forced` ('dist' or 'src', from an environment variable) picks one.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function useDist(dist, src, forced) {
  if (forced === 'dist' || forced === 'src') return forced === 'dist';
  if (!existsSync(dist)) return false;
  if (!existsSync(src)) return true;
  return statSync(dist).mtimeMs >= newestMtime(fileURLToPath(new URL('../src/', import.meta.url)));
}

/** dist, src: file URLs of the bundle and of its TypeScript entry; `what` names the bundle in errors. */
export async function loadEntry(dist, src, forced, what) {
  if (useDist(dist, src, forced)) {
    if (!existsSync(dist)) throw new Error(`${what} is missing: run \`npm run build\``);
    return import(dist.href);
  }
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    throw new Error(`no up-to-date build (${what}) and tsx is not installed: run \`npm install\` or \`npm run build\``);
  }
  // A checkout: the sources import generated files (the WGSL table, the wasm exports) and load the wasm
  // builds, which `npm install` does not make; build what is missing or stale (quick when nothing is).
  const ensure = new URL('../scripts/ensure-built.mjs', import.meta.url);
  if (existsSync(ensure)) await (await import(ensure.href)).ensureBuilt();
  return tsx.tsImport(src.href, import.meta.url);
}
