#!/usr/bin/env node
// Classifies Fashion-MNIST test images (by index, from the committed test set) and PNG/JPEG pictures
// with the models trained in examples/train, printing the class names with their scores.
// Run from the repository root (see examples/fashion/README.md):
//   node examples/fashion/classify.mjs [--model lstm] 0 1 2 photo.jpg
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadFashion } from '../train/idx.mjs';
import { formatTop, MODELS, openFashionModel, pictureInput, testImageInput } from './fashion.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TEST_SET = join(ROOT, 'test/fixtures/fashion-mnist');
const USAGE = `usage: node examples/fashion/classify.mjs [options] [INDEX | PICTURE]...

  INDEX     a Fashion-MNIST test image, 0..9999 (test/fixtures/fashion-mnist)
  PICTURE   a PNG or JPEG file: made gray, padded to a square with its background,
            resized to 28x28 (with no INDEX or PICTURE: test images 0..9)

  --model NAME     ${MODELS.join(' | ')} (default: the best one in models/fashion/)
  --int8           the int8-weights file (<name>-int8.eim) instead of f32
  --backend NAME   auto | wasm | js | webgpu (default auto; webgpu in Node needs the \`webgpu\` package)
  --invert MODE    auto | yes | no (default auto): the models saw light garments on black; auto
                   inverts a picture whose border is lighter than mid-gray (dark on light)
  --top N          classes shown per input (default 3)`;

function fail(message, code = 2) {
  console.error(`classify: ${message}`);
  process.exit(code);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: 'string' }, int8: { type: 'boolean' }, backend: { type: 'string', default: 'auto' },
      invert: { type: 'string', default: 'auto' }, top: { type: 'string', default: '3' }, help: { type: 'boolean', short: 'h' },
    },
  });
} catch (e) {
  fail(`${e.message}\n${USAGE}`);
}
const { values: opt, positionals } = args;
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
const top = Number(opt.top);
if (!Number.isInteger(top) || top < 1 || top > 10) fail(`--top must be 1..10, not ${opt.top}`);
if (!['auto', 'yes', 'no'].includes(opt.invert)) fail(`--invert must be auto, yes or no, not ${opt.invert}`);
if (!['auto', 'wasm', 'js', 'webgpu'].includes(opt.backend)) fail(`--backend must be auto, wasm, js or webgpu, not ${opt.backend}`);

const modelPath = (name) => join(ROOT, 'models/fashion', `${name}${opt.int8 ? '-int8' : ''}.eim`);
let name = opt.model;
if (name === undefined) {
  name = MODELS.find((m) => existsSync(modelPath(m)));
  if (!name) fail(`no model in models/fashion/ (looked for ${MODELS.join(', ')})`, 1);
} else if (!MODELS.includes(name)) {
  fail(`--model must be one of ${MODELS.join(', ')}, not ${name}`);
} else if (!existsSync(modelPath(name))) {
  fail(`${modelPath(name)} does not exist (convert it as examples/train/README.md shows)`, 1);
}

// Inputs are read before the SDK loads, so a bad argument fails fast.
const inputs = positionals.length ? positionals : Array.from({ length: 10 }, (_, i) => String(i));
const isIndex = (s) => /^\d+$/.test(s);
const test = inputs.some(isIndex) ? loadFashion('t10k', TEST_SET) : undefined;
for (const s of inputs) {
  if (isIndex(s) ? Number(s) >= test.count : !existsSync(s)) fail(isIndex(s) ? `test image ${s} is past the last one (${test.count - 1})` : `${s}: no such file`, 1);
}

const { sdk } = await import('./sdk.mjs');
const options = { backend: opt.backend };
if (opt.backend === 'webgpu') {
  // Node has no navigator.gpu: Dawn's bindings (npm `webgpu`) give one.
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  options.providers = [sdk.webgpuProvider(create([]))];
}

let model;
try {
  model = await openFashionModel(sdk, modelPath(name), options);
  console.log(`model: ${name}${opt.int8 ? ' (int8)' : ''}, backend: ${model.backend}`);
  const items = [];
  for (const s of inputs) {
    if (isIndex(s)) {
      const i = Number(s);
      const pixels = test.images.subarray(i * 784, (i + 1) * 784);
      items.push({ what: `test image ${i} (true class: ${model.labels[test.labels[i]]})`, data: testImageInput(pixels) });
    } else {
      const image = await sdk.readImageFile(s);
      const { data, inverted } = pictureInput(sdk, image, opt.invert);
      items.push({ what: `${s} (${image.width}x${image.height}${inverted ? ', inverted' : ''})`, data });
    }
  }
  const results = await model.classifyBatch(items.map((it) => it.data), top);
  items.forEach((it, k) => console.log(`${it.what}: ${formatTop(results[k])}`));
} catch (e) {
  // The SDK's errors name what and where (a file that is no image, a backend that is missing).
  fail(e instanceof Error ? e.message : String(e), 1);
} finally {
  model?.dispose();
}
