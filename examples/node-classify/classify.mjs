#!/usr/bin/env node
// An edge box's classifier in a dozen lines: the bundled MobileNetV2 (or any .eim) on the fastest
// backend this machine has, over the images named on the command line.
// Run from the repository root after `npm install && npm run build`:
//   node examples/node-classify/classify.mjs models/samples/cat.jpg models/samples/piano.jpg
// (set EDGEINFER_MODEL=path/to/model.eim to use another model).
import { NodeImageClassifier } from '../../dist/node/index.js';

const images = process.argv.slice(2);
if (images.length === 0) {
  console.error('usage: node examples/node-classify/classify.mjs IMAGE...');
  process.exit(2);
}
const classifier = process.env.EDGEINFER_MODEL
  ? await NodeImageClassifier.create(process.env.EDGEINFER_MODEL)
  : await NodeImageClassifier.create();
console.log(`backend: ${classifier.backend}`);
for (const image of images) {
  const [best, ...rest] = await classifier.classify(image, { topK: 3 });
  console.log(`${image}: ${best.label} (${(best.score * 100).toFixed(1)} %); then ${rest.map((r) => r.label).join(', ')}`);
}
classifier.dispose();
