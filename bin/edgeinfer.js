#!/usr/bin/env node
// The npm bin: runs the built CLI (dist/cli/main.js) when it is there and up to date, else the
// TypeScript sources (src/cli/main.ts) through tsx. Both export main(argv) -> exit code.
//
// How it works in each setting:
// - installed package: `files` ships dist/ and bin/ but no src/, so the build always runs;
// - repository checkout after `npm install`: tsx (a devDependency) runs the sources, so `npx edgeinfer`
//   works without a build; after `npm run build` the bundle runs instead, until any file under src/ is
//   newer than it (a stale bundle would silently run old code);
// - EDGEINFER_CLI=dist or EDGEINFER_CLI=src forces one of the two.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const distEntry = new URL('../dist/cli/main.js', import.meta.url);
const srcEntry = new URL('../src/cli/main.ts', import.meta.url);
const srcDir = fileURLToPath(new URL('../src/', import.meta.url));

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function useDist() {
  const forced = process.env.EDGEINFER_CLI;
  if (forced === 'dist') return true;
  if (forced === 'src') return false;
  if (!existsSync(distEntry)) return false;
  if (!existsSync(srcEntry)) return true;
  return statSync(distEntry).mtimeMs >= newestMtime(srcDir);
}

async function load() {
  if (useDist()) {
    if (!existsSync(distEntry)) throw new Error('dist/cli/main.js is missing: run `npm run build`');
    return import(distEntry.href);
  }
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    throw new Error('no built CLI (dist/cli/main.js) and tsx is not installed: run `npm install` or `npm run build`');
  }
  return tsx.tsImport(srcEntry.href, import.meta.url);
}

let cli;
try {
  cli = await load();
} catch (e) {
  process.stderr.write(`edgeinfer: ${e instanceof Error ? e.message : String(e)}\n`);
  if (process.env.EDGEINFER_DEBUG === '1' && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
}
process.stdout.on('error', (e) => {
  // `edgeinfer inspect m.eim | head` closes the pipe early: not an error.
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = await cli.main(process.argv.slice(2));
