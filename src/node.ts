/**
 * `import … from 'edgeinfer'` in Node: everything in {@link edgeinfer}, with a {@link load} that also reads
 * file paths and `file:` URLs and remembers its backend decisions in a file, plus
 * {@link NodeImageClassifier} (JPEG and PNG files or Buffers, the bundled model by default) and the image
 * decoders. WebGPU comes from the optional package `webgpu` when it is installed.
 *
 * @module edgeinfer (Node)
 */
// `edgeinfer` in Node: the browser entry (./index.ts) with load() reading file paths and remembering
// its backend decisions in a file, plus classifying image files. The tensor-level extras are in
// ./advanced-node.ts and the converters in ./convert/index.ts, so that an application which only
// classifies never loads the converters (docs/api.md).
import { useWasmBuildsOnDisk } from './backends/wasm/node-files.js';

// Node's fetch cannot read file: URLs, so the wasm kernels are read from disk.
useWasmBuildsOnDisk();

export * from './index.js';
// Named here, it replaces the browser load() that `export *` would bring.
export { load, type NodeLoadOptions } from './runtime/node-load.js';
export {
  NodeImageClassifier, DEFAULT_MODEL_PATH, type NodeClassifierOptions, type NodeImageInput, type NodeModelSource,
} from './vision/node-classifier.js';
export {
  decodeImage, readImageFile, type DecodeOptions, type DecodedImage, type DecoderChoice, type DecoderName, type ReadImageOptions,
} from './vision/node-image.js';
export type { ClassifyFilesOptions, FileClassification, FileProgress } from './vision/node-pipeline.js';
