// Node entry: everything in the browser entry plus file loading and the model converters.
import { useWasmBuildsOnDisk } from './backends/wasm/node-files.js';

// Node's fetch cannot read file: URLs, so the wasm kernels are read from disk.
useWasmBuildsOnDisk();

export * from './index.js';
export { readEimFile } from './format/node.js';
export { writeEim } from './format/writer.js';
export { importOnnx } from './convert/onnx.js';
export { importTfjsLayers } from './convert/tfjs.js';
export { readTfjsLayersDir } from './convert/tfjs-node.js';
export { optimize } from './graph/optimize.js';
export { quantizeWeights } from './graph/constant.js';
export { decodeImage, readImageFile, applyOrientation } from './vision/node-image.js';
export { load, jsonFileCache, nodeDeviceKey, readModelFile, DEFAULT_CACHE_PATH } from './runtime/node-load.js';
export { NodeImageClassifier, DEFAULT_MODEL_PATH } from './vision/node-classifier.js';
