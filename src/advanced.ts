/**
 * `import … from 'edgeinfer/advanced'` in browsers, workers and service workers: everything in
 * {@link edgeinfer}, plus sessions on one backend, backend selection and its decision caches, the `.eim`
 * reader and writer, the graph types, the op table and the preprocessing and ranking stages.
 *
 * @module edgeinfer/advanced
 */
// `edgeinfer/advanced` in browsers: everything in `edgeinfer`, plus the tensor-level pieces below it
// (docs/api.md). A superset on purpose: code that goes down to sessions still needs load, the errors
// and the providers, and one import keeps one copy of each class (the bundle's advanced.js imports
// index.js rather than repeating it, so `instanceof` holds across both entries).
export * from './index.js';

// Sessions on one backend, and how `auto` picks one.
export { Session, type SessionOptions } from './runtime/session.js';
export {
  selectBackend, defaultDeviceKey, type SelectOptions, type Selected,
} from './runtime/select.js';
export type { BackendOptions } from './backends/backend.js';
export {
  memoryCache, localStorageCache, type DecisionCache, type CachedDecision, type KeyValueStorage,
} from './runtime/decision-cache.js';
export { indexedDbCache } from './runtime/idb-cache.js';
export type { FileReader } from './runtime/source.js';

// The model file and graph.
export { readEim, readEimStream } from './format/reader.js';
export { writeEim } from './format/writer.js';
export { eimModelHash } from './runtime/load.js';
export { optimize, type Pass } from './graph/optimize.js';
export { quantizeWeights } from './graph/quantize.js';
export { OPS } from './ops/registry.js';
export { enableInt8 } from './int8.js';
export type { OpDef, Tolerance } from './ops/op.js';
export type { Attrs, AttrValue } from './ops/attrs.js';
export type { Graph, Node, Constant, ValueInfo, StorageDType, Quantization } from './graph/ir.js';

// The stages ImageClassifier runs around a session, for inputs it does not cover.
export { validatePreprocess, type PreprocessOptions } from './vision/preprocess.js';
export { preprocessImage, preprocessBatch, preprocessInto, preprocessedShape } from './vision/preprocess-tensors.js';
export { fillMissing, meanColor, type FillMissingOptions, type FillPolicy } from './vision/fill-missing.js';
export { softmax, topKIndices } from './vision/topk.js';

// Why did it say that: heatmaps over the image (src/trust), here rather than on the classifier so the
// browser runtime (index.js) carries none of it.
export { explain, camAvailable, type ExplainOptions, type ExplainProgress } from './trust/explain.js';
export {
  renderHeatmap, heatmapImageData, type Heatmap, type ExplainMethod, type OverlayOptions, type Region, type RgbaImage,
} from './trust/heatmap.js';

// How well does it do here: evaluation on a labelled set, calibration and label shift (src/trust), also
// outside the browser runtime; the classifiers only apply a calibration and priors.
export {
  evaluate, scoreSet, labelledSet, type Evaluable, type LabelledSet, type EvaluateOptions, type EvaluationReport, type Evaluation,
} from './trust/evaluate.js';
export {
  computeMetrics, DEFAULT_BINS, MAX_SCORES, type EvaluationMetrics, type ClassMetrics, type ReliabilityBin, type MetricsOptions,
} from './trust/evaluate-metrics.js';
export { fitCalibration, applyCalibration, withCalibration, type CalibrationFit, type FitOptions } from './trust/calibrate.js';
export { estimatePriors, priorWeights, reweight, normalisePriors, type PriorEstimate, type EstimatePriorsOptions } from './trust/priors.js';
export { reportHtml, confusionSvg, reliabilitySvg, MAX_GRID_CLASSES } from './trust/report-html.js';
