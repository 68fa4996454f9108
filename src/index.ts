// Public API for browsers and Node alike. Nothing reachable from here may import a Node module.
export { Session, type SessionOptions, type TensorInfo, type Feeds } from './runtime/session.js';
export { readEim, readEimStream } from './format/reader.js';
export {
  EdgeInferError, ModelFormatError, UnsupportedOpError, InputError, BackendUnavailableError, BackendLostError, GraphError,
} from './errors.js';
export type { Graph, Node, Constant, ValueInfo, ModelMetadata, ImagePreprocess } from './graph/ir.js';
export type { Tensor, Shape } from './tensor.js';
export type { BackendName, BackendOptions, BackendProvider, GpuPrecision } from './backends/backend.js';
export { webgpuProvider, webgpuDeviceProvider } from './backends/webgpu/backend.js';
// For `providers`: e.g. { backend: 'wasm', providers: [wasmScalarProvider] } forces the build without SIMD.
export { wasmSimdProvider, wasmScalarProvider } from './backends/wasm/backend.js';
export { jsProvider } from './backends/js/backend.js';
export { OPS } from './ops/registry.js';
export {
  preprocessImage, preprocessBatch, preprocessInto, preprocessedShape, validatePreprocess, type PixelImage,
} from './vision/preprocess.js';
export { load, LoadedModel, eimModelHash, type LoadOptions } from './runtime/load.js';
export {
  selectBackend, defaultDeviceKey, type Selection, type Candidate, type CandidateStatus, type BackendPreference, type SelectOptions,
  type Fallback, type WarmStart,
} from './runtime/select.js';
export { memoryCache, localStorageCache, type DecisionCache, type CachedDecision } from './runtime/decision-cache.js';
export { indexedDbCache } from './runtime/idb-cache.js';
export { AbortError } from './runtime/abort.js';
export type { ModelSource, ProgressCallback, FileReader } from './runtime/source.js';
export { ImageClassifier, type ClassifierInput, type ClassifierOptions, type ClassifyOptions, type Classification } from './vision/classifier.js';
export type { BrowserImageSource } from './vision/image-source.js';
export type { VideoClassifyOptions, VideoResult, VideoResultCallback, VideoLoop } from './vision/video.js';
export { SequenceClassifier, type Sequence, type SequenceClassifierOptions } from './vision/sequence-classifier.js';
export { IMAGENET_PREPROCESS } from './vision/presets.js';
export { softmax, topKIndices } from './vision/topk.js';
export { labelsFromSynset, type ClassRef } from './vision/labels.js';
