// The SDK's Node entry for this example: the build (dist/node/index.js) when it is there and not older
// than any file under src/, else the TypeScript sources through tsx (a checkout without `npm run build`).
// EDGEINFER_SDK=dist or EDGEINFER_SDK=src forces one. A project using the npm package needs none of
// this: `import * as edgeinfer from 'edgeinfer'`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../../dist/node/index.js', import.meta.url);
const src = new URL('../../src/node.ts', import.meta.url);

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${e.name}`;
    t = Math.max(t, e.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

function useDist() {
  const forced = process.env.EDGEINFER_SDK;
  if (forced === 'dist' || forced === 'src') return forced === 'dist';
  if (!existsSync(dist)) return false;
  return !existsSync(src) || statSync(dist).mtimeMs >= newest(fileURLToPath(new URL('../../src', import.meta.url)));
}

async function loadSdk() {
  if (useDist()) return import(dist.href);
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    throw new Error('no up-to-date build (dist/node/index.js) and tsx is not installed: run `npm install` or `npm run build`');
  }
  return tsx.tsImport(src.href, import.meta.url);
}

export const sdk = await loadSdk();
