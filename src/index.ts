/**
 * `import … from 'edgeinfer'` in browsers, workers and service workers: loading a model, the classifiers,
 * the backend providers, the typed errors, and the option and result types these use. An application that
 * classifies needs nothing else. In Node the same import resolves to {@link "edgeinfer (Node)"}, which has all
 * of this plus file paths and image files.
 *
 * @module edgeinfer
 */
// `edgeinfer` in browsers: what an application that classifies needs, and nothing it does not (docs/api.md).
// Sessions, the .eim reader, ops, selection internals and preprocessing stages are in ./advanced.ts;
// the converters in ./convert/index.ts. Nothing reachable from here may import a Node module.

// Loading a model, and the record of how its backend was chosen.
export { load, LoadedModel, type LoadOptions } from './runtime/load.js';
export type { ModelSource, ProgressCallback } from './runtime/source.js';
export type {
  Selection, Candidate, CandidateStatus, BackendPreference, Fallback, WarmStart,
} from './runtime/select.js';
export type { BackendName, BackendProvider, GpuPrecision } from './backends/backend.js';
// For `providers`: e.g. { backend: 'wasm', providers: [wasmScalarProvider] } forces the build without SIMD.
export { webgpuProvider, webgpuDeviceProvider } from './backends/webgpu/provider.js';
export { wasmSimdProvider, wasmScalarProvider } from './backends/wasm/backend.js';
export { jsProvider } from './backends/js/backend.js';

// Classifying.
export {
  ImageClassifier, type ClassifierInput, type ClassifierOptions, type ClassifyOptions, type Classification,
} from './vision/classifier.js';
export { SequenceClassifier, type Sequence, type SequenceClassifierOptions } from './vision/sequence-classifier.js';
export type { VideoClassifyOptions, VideoResult, VideoResultCallback, VideoLoop } from './vision/video.js';
export type { BrowserImageSource } from './vision/image-source.js';
export type { PixelImage, PixelFormat } from './vision/preprocess.js';
// How those signatures name DOM and WebGPU classes (BrowserImageSource, the WebGPU providers' GPU and GPUDevice):
// as the app's own types declare them, so that these types compile without the DOM lib or @webgpu/types.
export type { GlobalType } from './globals.js';
export { IMAGENET_PREPROCESS } from './vision/presets.js';
export { labelsFromSynset, type ClassRef } from './vision/labels.js';
// Types only: they appear in LoadedModel's and the classifiers' signatures (run, inputs, metadata, preprocess).
export type { Tensor, Shape } from './tensor.js';
export type { TensorInfo, Feeds, RunOptions } from './runtime/session.js';
export type { Layout } from './graph/plan.js';
export type { ModelMetadata, ImagePreprocess, ImportedFrom, Calibration, SequenceMask } from './graph/ir.js';
export type { ClassifierSource } from './vision/model-classifier.js';

// Errors: every failure is one of these, with a code.
export {
  EdgeInferError, ModelFormatError, UnsupportedOpError, InputError, BackendUnavailableError, BackendLostError, GraphError, ResourceError,
} from './errors.js';
export { AbortError } from './runtime/abort.js';

// Where the runtime's files (the wasm builds) are served, when not beside the bundle (README: "Where the runtime's files live").
export { setAssetPaths, type AssetPaths, type WasmPaths } from './runtime/assets.js';
