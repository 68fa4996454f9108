/**
 * `import … from 'edgeinfer/advanced'` in Node: everything in {@link "edgeinfer (Node)"} and in
 * {@link "edgeinfer/advanced"}, plus reading `.eim` files, the decision cache file and the device key.
 *
 * @module edgeinfer/advanced (Node)
 */
// `edgeinfer/advanced` in Node: everything in `edgeinfer` (./node.ts) plus the browser advanced
// extras (./advanced.ts) and the Node-only pieces below: the decision cache file, the device key,
// reading .eim files. Not the converters: those are `edgeinfer/convert` (docs/api.md).
export * from './node.js';
// Named, not `export * from './advanced.js'`: that would bring the browser load() beside Node's.
export {
  Session, type SessionOptions,
  selectBackend, defaultDeviceKey, type SelectOptions, type Selected, type BackendOptions,
  memoryCache, localStorageCache, indexedDbCache, type DecisionCache, type CachedDecision, type KeyValueStorage, type FileReader,
  readEim, readEimStream, writeEim, eimModelHash, optimize, quantizeWeights, OPS, enableInt8, type Graph, type Node, type Constant, type ValueInfo,
  type StorageDType, type Quantization, type Pass, type OpDef, type Tolerance, type Attrs, type AttrValue,
  preprocessImage, preprocessBatch, preprocessInto, preprocessedShape, validatePreprocess, type PreprocessOptions,
  softmax, topKIndices,
} from './advanced.js';
export { readEimFile, type ReadEimFileOptions } from './format/node.js';
export { jsonFileCache, nodeDeviceKey, readModelFile, DEFAULT_CACHE_PATH, type JsonFileCacheOptions } from './runtime/node-load.js';
export { applyOrientation } from './vision/node-image.js';
