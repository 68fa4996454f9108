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
  softmax, topKIndices, fillMissing, meanColor, type FillMissingOptions, type FillPolicy,
} from './advanced.js';
export { readEimFile, type ReadEimFileOptions } from './format/node.js';
export { jsonFileCache, nodeDeviceKey, readModelFile, DEFAULT_CACHE_PATH, type JsonFileCacheOptions } from './runtime/node-load.js';
export { applyOrientation } from './vision/node-image.js';
export {
  explain, camAvailable, renderHeatmap, heatmapImageData,
  type ExplainOptions, type ExplainProgress, type Heatmap, type ExplainMethod, type OverlayOptions, type Region, type RgbaImage,
} from './advanced.js';
export { heatmapPng, encodePng } from './trust/heatmap-png.js';
export {
  evaluate, scoreSet, labelledSet, type Evaluable, type LabelledSet, type EvaluateOptions, type EvaluationReport, type Evaluation,
  computeMetrics, DEFAULT_BINS, MAX_SCORES, type EvaluationMetrics, type ClassMetrics, type ReliabilityBin, type MetricsOptions,
  fitCalibration, applyCalibration, withCalibration, type CalibrationFit, type FitOptions,
  estimatePriors, priorWeights, reweight, normalisePriors, type PriorEstimate, type EstimatePriorsOptions,
  reportHtml, confusionSvg, reliabilitySvg, MAX_GRID_CLASSES,
} from './advanced.js';
// Labelled sets from files: class folders, CSV, IDX.
export {
  readLabelledData, readClassFolders, readCsv, readIdx, readIdxPair, imageSet, sequenceSet, classIndex, DATA_LIMITS,
  type LabelledData, type LabelledFiles, type LabelledArrays, type ClassNames,
} from './trust/evaluate-data.js';
