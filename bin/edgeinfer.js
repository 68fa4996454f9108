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
import { loadEntry } from './load-entry.js';

const load = () => loadEntry(new URL('../dist/cli/main.js', import.meta.url), new URL('../src/cli/main.ts', import.meta.url),
  process.env.EDGEINFER_CLI, 'dist/cli/main.js');

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
