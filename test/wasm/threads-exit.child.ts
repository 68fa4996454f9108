// Child of threads.test.ts: loads a model on the threaded wasm build, runs it once and returns without
// dispose(). The process must exit by itself: the pool's workers must not keep the event loop alive.
import { readFileSync } from 'node:fs';
import { load } from '../../src/node.js';

const model = await load(readFileSync(process.argv[2]), { backend: 'wasm', threads: 2, cache: false });
const input = { shape: [1, 3, 224, 224], data: new Float32Array(3 * 224 * 224).fill(0.5) };
const out = (await model.run({ [model.inputs[0].name]: input }))[model.outputs[0].name].data;
const chosen = model.selection.candidates.find((c) => c.status === 'chosen');
console.log(`${chosen?.name}@${chosen?.priority} top=${out.indexOf(Math.max(...out))}`);
