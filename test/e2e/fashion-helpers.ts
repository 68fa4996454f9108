// What the Fashion-MNIST tests share: the trained models under models/fashion/ (CASES), the committed
// test set scaled as in training, TF.js's precomputed top-1 per model, scoring, and one .eim run over
// the first n test images on a given backend.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { loadFashion } from '../../examples/train/idx.mjs';
import type { Backend } from '../../src/backends/backend.js';
import { readEimFile } from '../../src/format/node.js';
import type { Graph, ImagePreprocess } from '../../src/graph/ir.js';
import { Session } from '../../src/runtime/session.js';

export const ROOT = join(import.meta.dirname, '../..');
export const MODELS_DIR = join(ROOT, 'models/fashion');
export const FIXTURES = join(ROOT, 'test/fixtures/fashion-mnist');
export const TEST_IMAGES = 10_000;
export const PIXELS = 28 * 28;
export const CLASSES = 10;
/** How the models were trained: gray 28 x 28, pixel / 255 (for ImageClassifier: the .eim files carry no preprocessing). */
export const FASHION_PREPROCESS: ImagePreprocess = {
  width: 28, height: 28, channels: 1, colorOrder: 'GRAY', scale: 1 / 255, mean: [0], std: [1], resize: 'stretch', crop: 'none',
};
export const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface ModelCase {
  readonly name: string;
  /** Test accuracy the model must reach: TF.js over all 10,000 images, and each backend on its images. */
  readonly target: number;
  /** One image's input shape, without the batch. */
  readonly shape: readonly number[];
}

/** The committed models: models/fashion/<name>.eim, <name>-int8.eim and the TF.js source <name>/. */
export const CASES: readonly ModelCase[] = [
  { name: 'simplernn', target: 0.85, shape: [28, 28] },
  { name: 'lstm', target: 0.85, shape: [28, 28] },
  { name: 'gru', target: 0.85, shape: [28, 28] },
  { name: 'cnn', target: 0.90, shape: [28, 28, 1] },
];

export interface ModelFiles {
  /** The TF.js layers model (model.json, weights.bin). */
  readonly dir: string;
  readonly f32: string;
  readonly int8: string;
}

export function modelFiles(name: string, dir = MODELS_DIR): ModelFiles {
  return { dir: join(dir, name), f32: join(dir, `${name}.eim`), int8: join(dir, `${name}-int8.eim`) };
}

export function fileSizes(files: ModelFiles): { tfjs: number; f32: number; int8: number } {
  return { tfjs: statSync(join(files.dir, 'weights.bin')).size, f32: statSync(files.f32).size, int8: statSync(files.int8).size };
}

export interface TestSet {
  readonly labels: Uint8Array;
  /** All 10,000 images as stored: 0..255, 784 per image. */
  readonly images: Uint8Array;
  /** The same, pixel / 255 as the models were trained, image after image (28 rows of 28). */
  readonly pixels: Float32Array;
}

let cached: TestSet | undefined;

export function testSet(): TestSet {
  if (!cached) {
    const t = loadFashion('t10k', FIXTURES);
    cached = { labels: t.labels, images: t.images, pixels: Float32Array.from(t.images, (v) => v / 255) };
  }
  return cached;
}

/** TF.js's top-1 over the whole test set (examples/train/predict-tfjs.mjs), one byte per image. */
export function tfjsTop1(name: string, fixtures = FIXTURES): Uint8Array {
  const top1 = new Uint8Array(readFileSync(join(fixtures, `tfjs-top1-${name}.u8`)));
  if (top1.length !== TEST_IMAGES) throw new Error(`tfjs-top1-${name}.u8 holds ${top1.length} predictions, expected ${TEST_IMAGES}`);
  return top1;
}

export function argmax(data: ArrayLike<number>, at: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (data[at + k] > data[at + best]) best = k;
  return best;
}

/** Share of the first `count` predictions that are the true class. */
export function accuracy(top1: Uint8Array, count = top1.length): number {
  const { labels } = testSet();
  let correct = 0;
  for (let i = 0; i < count; i++) if (top1[i] === labels[i]) correct++;
  return correct / count;
}

/** Share of the first `count` images on which two predictions agree. */
export function agreement(a: Uint8Array, b: Uint8Array, count: number): number {
  let same = 0;
  for (let i = 0; i < count; i++) if (a[i] === b[i]) same++;
  return same / count;
}

/** Largest difference between two runs' probabilities over the images both have. */
export function maxProbDiff(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

export interface Scored {
  readonly top1: Uint8Array;
  readonly probs: Float32Array;
  /** The session's backend name (js, wasm, webgpu). */
  readonly backend: string;
  /** Wall time of the runs, session creation included. */
  readonly seconds: number;
}

/**
 * Runs the first `count` test images through the .eim at `path` on `backend` (a name, or an instance
 * the session takes over and disposes), `batch` images per run.
 */
export async function classifyTestImages(path: string, backend: 'js' | Backend, count: number, batch = 250): Promise<Scored> {
  const t0 = performance.now();
  const graph: Graph = await readEimFile(path);
  const session = await Session.create(graph, { backend });
  try {
    const { pixels } = testSet();
    const [input] = session.inputs;
    const [output] = session.outputs;
    const top1 = new Uint8Array(count);
    const probs = new Float32Array(count * CLASSES);
    for (let at = 0; at < count; at += batch) {
      const n = Math.min(batch, count - at);
      const out = (await session.run({ [input.name]: pixels.subarray(at * PIXELS, (at + n) * PIXELS) }))[output.name];
      if (out.shape.join() !== `${n},${CLASSES}`) throw new Error(`${path}: output [${out.shape}], expected [${n},${CLASSES}]`);
      probs.set(out.data, at * CLASSES);
      for (let i = 0; i < n; i++) top1[at + i] = argmax(out.data, i * CLASSES, CLASSES);
    }
    return { top1, probs, backend: session.backend, seconds: (performance.now() - t0) / 1000 };
  } finally {
    session.dispose();
  }
}

export const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
export const points = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pt`;
export const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

/** A plain-text table: a title, the header, a rule and the rows, columns padded to fit. */
export function formatTable(title: string, head: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [title, line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/**
 * Test image `index` as a picture file of it would be: `scale`x nearest-neighbour, centred on a
 * `width` x `height` canvas of the image's background, inverted (a dark garment on white, like a photo
 * or drawing) unless `invert` is false; an opaque RGBA PNG, or a JPEG (quality 90).
 */
export function testImagePicture(index: number, opts: { invert?: boolean; scale?: number; width?: number; height?: number; format?: 'png' | 'jpeg' } = {}): Uint8Array {
  const { invert = true, scale = 1, format = 'png' } = opts;
  const width = opts.width ?? 28 * scale, height = opts.height ?? 28 * scale;
  const pixels = testSet().images.subarray(index * PIXELS, (index + 1) * PIXELS);
  const rgba = new Uint8Array(width * height * 4);
  const x0 = (width - 28 * scale) >> 1, y0 = (height - 28 * scale) >> 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = Math.floor((x - x0) / scale), sy = Math.floor((y - y0) / scale);
      const v = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? pixels[sy * 28 + sx] : 0;
      rgba.fill(invert ? 255 - v : v, (y * width + x) * 4, (y * width + x) * 4 + 3);
      rgba[(y * width + x) * 4 + 3] = 255;
    }
  }
  if (format === 'jpeg') return new Uint8Array(jpeg.encode({ data: rgba, width, height }, 90).data);
  const png = new pngjs.PNG({ width, height });
  png.data.set(rgba);
  return new Uint8Array(pngjs.PNG.sync.write(png));
}
