// Node only: ImageClassifier over files. Models may be .eim paths (opened by the Node load(), with its
// on-disk backend decision cache), images JPEG/PNG paths or encoded bytes (decoded with EXIF
// orientation by node-image.ts); without a model, the bundled default. classifyBatch decodes one image at a
// time and keeps only its preprocessed tensor, one run (the classifier's `batch`) at a time: its memory is
// that of one decoded image, whatever the length of the list (issue #18: 40 photos of 12 MP took 1,977 MB).
// Concurrent calls decode through one gate: a few images are decoded ahead of the model's queue, the others
// wait undecoded (issue #18: 1,000 concurrent classify(path) calls decoded every photo before the first ran).
import { fileURLToPath } from 'node:url';
import { ResourceError } from '../errors.js';
import { load } from '../runtime/node-load.js';
import { check, checkOptions } from '../runtime/session.js';
import {
  ImageClassifier, type Classification, type ClassifierInput, type ClassifierOptions, type ClassifierSource, type ClassifyOptions,
} from './classifier.js';
import { decodeImage, readImageFile, type DecodeOptions } from './node-image.js';
import type { PixelImage, PreprocessOptions } from './preprocess.js';
import { preprocessImage } from './preprocess-tensors.js';
import { explain, type ExplainOptions } from '../trust/explain.js';
import { classifyFilesInWorkers, type ClassifyFilesOptions, type FileClassification } from './node-pipeline.js';
import type { Heatmap } from '../trust/heatmap.js';

/**
 * models/mobilenetv2-12-int8.eim of this package: src/vision/ and the bundles in dist/<target>/ are both
 * two directories below the package root, where models/ lives.
 */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../models/mobilenetv2-12-int8.eim', import.meta.url));

/** A .eim file path or file: URL, or anything ImageClassifier.create takes. */
export type NodeModelSource = string | ClassifierSource;

/** A JPEG/PNG file path, encoded JPEG/PNG bytes (a Buffer), or what ImageClassifier.classify takes. */
export type NodeImageInput = string | Uint8Array | ArrayBuffer | ClassifierInput;

export interface NodeClassifierOptions extends ClassifierOptions {
  /** Limits and orientation handling for decoding files and bytes. */
  readonly decode?: Omit<DecodeOptions, 'source'>;
}

/** Decodes what needs decoding; pixels and tensors pass through. */
export async function toClassifierInput(input: NodeImageInput, decode: Omit<DecodeOptions, 'source'> = {}, name = 'image'): Promise<ClassifierInput> {
  if (typeof input === 'string') return readImageFile(input, decode);
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return decodeImage(input, { ...decode, source: name });
  return input;
}

/** Calls that may hold a decoded image at once: one running, one decoded ahead so decoding overlaps the run. */
const DECODE_AHEAD = 2;

/** Lets `size` tasks run at once; the others wait in order, at most `maxWaiting` of them (then ResourceError QUEUE_FULL). */
class Gate {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(private readonly size: number, private readonly maxWaiting: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running < this.size) this.#running++;
    else if (this.#waiting.length >= this.maxWaiting) throw new ResourceError('QUEUE_FULL', `${this.maxWaiting} images already wait (maxQueue)`);
    // A finishing task hands its place on to the first waiting one.
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); else this.#running--;
    }
  }
}

export class NodeImageClassifier {
  readonly #gate: Gate;
  /** classifyFiles calls in progress: dispose() stops their workers. */
  readonly #runs = new Set<AbortController>();

  private constructor(readonly classifier: ImageClassifier, private readonly decode: Omit<DecodeOptions, 'source'>, private readonly pixels?: PreprocessOptions, maxQueue = Infinity) {
    this.#gate = new Gate(DECODE_AHEAD, maxQueue);
  }

  /** `model` defaults to the bundled MobileNetV2 (ImageNet, 1000 classes). */
  static async create(model: NodeModelSource = DEFAULT_MODEL_PATH, options: NodeClassifierOptions = {}): Promise<NodeImageClassifier> {
    checkOptions(options);
    const { decode = {}, ...rest } = options;
    checkOptions(decode, 'options.decode');
    return new NodeImageClassifier(await ImageClassifier.create(model, { loader: load, ...rest }), decode, rest.pixels, rest.maxQueue);
  }

  get backend(): ImageClassifier['backend'] { return this.classifier.backend; }
  get precision(): ImageClassifier['precision'] { return this.classifier.precision; }
  get selection(): ImageClassifier['selection'] { return this.classifier.selection; }
  get labels(): ImageClassifier['labels'] { return this.classifier.labels; }
  get classes(): number { return this.classifier.classes; }

  /**
   * The ranked classes of one image. A file or bytes is decoded only when its turn is near (see the
   * gate above); with `maxQueue`, a call beyond it is refused (ResourceError QUEUE_FULL) before reading.
   */
  async classify(image: NodeImageInput, options: ClassifyOptions = {}): Promise<Classification[]> {
    if (typeof image !== 'string' && !(image instanceof Uint8Array) && !(image instanceof ArrayBuffer)) return this.classifier.classify(image, options);
    return this.#gate.run(async () => this.classifier.classify(await toClassifierInput(image, this.decode), options));
  }

  /**
   * The ranked classes for each image, in order. Files and bytes are decoded one at a time, each kept only
   * as its preprocessed tensor until its run (`classifier.batch` images) has been classified.
   */
  async classifyBatch(images: readonly NodeImageInput[], options: ClassifyOptions = {}): Promise<Classification[][]> {
    check(Array.isArray(images), 'images', 'an array', images);
    // The options are checked before anything is decoded.
    await this.classifier.classifyBatch([], options);
    const { batch, preprocess } = this.classifier;
    const results: Classification[][] = [];
    for (let start = 0; start < images.length; start += batch) {
      results.push(...await this.#gate.run(async () => {
        const run: ClassifierInput[] = [];
        for (const [i, image] of images.slice(start, start + batch).entries()) {
          const input = await toClassifierInput(image, this.decode, `image ${start + i}`);
          // The same preprocessing as the classifier's own (preprocess.ts's writeInto), bit for bit.
          run.push(input === image ? input : preprocessImage(input as PixelImage, preprocess, this.pixels));
        }
        return this.classifier.classifyBatch(run, options);
      }));
    }
    return results;
  }

  /**
   * Where in the image the model found the evidence for a class (by default its top class): see explain() in
   * `edgeinfer/advanced`; heatmapPng() draws the map over the decoded image. Files and bytes are decoded first.
   */
  async explain(image: NodeImageInput, options: ExplainOptions = {}): Promise<Heatmap> {
    return explain(this.classifier, await toClassifierInput(image, this.decode), { pixels: this.pixels, ...options });
  }

  /**
   * Classifies image files with `concurrency` decode workers (worker_threads) feeding this classifier: decoding
   * (sharp where installed, else the built-in decoders; `decoder` to choose) overlaps inference. One result per
   * path, in order; a file that cannot be read or decoded is its result's `error`, the others are still
   * classified. See node-pipeline.ts. dispose() during the call aborts it.
   */
  async classifyFiles(paths: readonly string[], options: ClassifyFilesOptions = {}): Promise<FileClassification[]> {
    checkOptions(options);
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    this.#runs.add(stop);
    try {
      return await classifyFilesInWorkers({ classifier: this.classifier, read: this.decode, pixels: this.pixels }, paths, { ...options, signal });
    } finally {
      this.#runs.delete(stop);
    }
  }

  dispose(): void {
    for (const run of this.#runs) run.abort(new Error('the classifier was disposed'));
    this.classifier.dispose();
  }
}
