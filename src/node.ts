// `edgeinfer` in Node: the browser entry (./index.ts) with load() reading file paths and remembering
// its backend decisions in a file, plus classifying image files. The tensor-level extras are in
// ./advanced-node.ts and the converters in ./convert/index.ts, so that an application which only
// classifies never loads onnx-proto or protobufjs (docs/api.md).
import { useWasmBuildsOnDisk } from './backends/wasm/node-files.js';

// Node's fetch cannot read file: URLs, so the wasm kernels are read from disk.
useWasmBuildsOnDisk();

export * from './index.js';
// Named here, it replaces the browser load() that `export *` would bring.
export { load } from './runtime/node-load.js';
export {
  NodeImageClassifier, DEFAULT_MODEL_PATH, type NodeClassifierOptions, type NodeImageInput, type NodeModelSource,
} from './vision/node-classifier.js';
export { decodeImage, readImageFile, type DecodeOptions, type DecodedImage } from './vision/node-image.js';
