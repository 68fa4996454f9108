// Node only: ImageClassifier over files. Models may be .eim paths (opened by the Node load(), with its
// on-disk backend decision cache), images JPEG/PNG paths or encoded bytes (decoded with EXIF
// orientation by node-image.ts); without a model, the bundled default.
import { fileURLToPath } from 'node:url';
import { load } from '../runtime/node-load.js';
import {
  ImageClassifier, type Classification, type ClassifierInput, type ClassifierOptions, type ClassifierSource, type ClassifyOptions,
} from './classifier.js';
import { decodeImage, readImageFile, type DecodeOptions } from './node-image.js';

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

export class NodeImageClassifier {
  private constructor(readonly classifier: ImageClassifier, private readonly decode: Omit<DecodeOptions, 'source'>) {}

  /** `model` defaults to the bundled MobileNetV2 (ImageNet, 1000 classes). */
  static async create(model: NodeModelSource = DEFAULT_MODEL_PATH, options: NodeClassifierOptions = {}): Promise<NodeImageClassifier> {
    const { decode = {}, ...rest } = options;
    return new NodeImageClassifier(await ImageClassifier.create(model, { loader: load, ...rest }), decode);
  }

  get backend(): ImageClassifier['backend'] { return this.classifier.backend; }
  get precision(): ImageClassifier['precision'] { return this.classifier.precision; }
  get selection(): ImageClassifier['selection'] { return this.classifier.selection; }
  get labels(): ImageClassifier['labels'] { return this.classifier.labels; }
  get classes(): number { return this.classifier.classes; }

  async classify(image: NodeImageInput, options: ClassifyOptions = {}): Promise<Classification[]> {
    return this.classifier.classify(await toClassifierInput(image, this.decode), options);
  }

  async classifyBatch(images: readonly NodeImageInput[], options: ClassifyOptions = {}): Promise<Classification[][]> {
    const decoded = await Promise.all(images.map((img, i) => toClassifierInput(img, this.decode, `image ${i}`)));
    return this.classifier.classifyBatch(decoded, options);
  }

  dispose(): void {
    this.classifier.dispose();
  }
}
