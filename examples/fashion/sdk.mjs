// The SDK's Node entry for this example: the build (dist/node/advanced.js) when it is there and not older
// than any file under src/, else the TypeScript sources through tsx (a checkout without `npm run build`).
// EDGEINFER_SDK=dist or EDGEINFER_SDK=src forces one. `advanced`, not the main entry: pictureInput feeds
// preprocessImage directly. A project using the npm package needs none of this:
// `import * as edgeinfer from 'edgeinfer/advanced'`.
import { loadEntry } from '../../bin/load-entry.js';

export const sdk = await loadEntry(new URL('../../dist/node/advanced.js', import.meta.url), new URL('../../src/advanced-node.ts', import.meta.url),
  process.env.EDGEINFER_SDK, 'dist/node/advanced.js');
