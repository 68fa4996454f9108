// The values each public entry exports (types leave no trace at run time), listed here so that widening
// or narrowing an entry is a deliberate change to this file and to docs/api.md, not a side effect.
import { describe, expect, it } from 'vitest';

const APP = [
  'load', 'LoadedModel', 'setAssetPaths', 'ImageClassifier', 'SequenceClassifier', 'IMAGENET_PREPROCESS', 'labelsFromSynset',
  'webgpuProvider', 'webgpuDeviceProvider', 'wasmSimdProvider', 'wasmScalarProvider', 'jsProvider',
  'EdgeInferError', 'ModelFormatError', 'UnsupportedOpError', 'InputError', 'BackendUnavailableError', 'BackendLostError', 'ResourceError',
  'GraphError', 'AbortError',
];
const APP_NODE = ['NodeImageClassifier', 'DEFAULT_MODEL_PATH', 'decodeImage', 'readImageFile'];
const ADVANCED = [
  'Session', 'selectBackend', 'defaultDeviceKey', 'memoryCache', 'localStorageCache', 'indexedDbCache',
  'readEim', 'readEimStream', 'writeEim', 'eimModelHash', 'optimize', 'quantizeWeights', 'OPS', 'enableInt8',
  'preprocessImage', 'preprocessBatch', 'preprocessInto', 'preprocessedShape', 'validatePreprocess', 'softmax', 'topKIndices',
];
/** Heatmaps (#14, src/trust/explain.ts): in the advanced entries only, so the browser runtime carries none of it. */
const EXPLAIN = ['explain', 'camAvailable', 'renderHeatmap', 'heatmapImageData'];
const EXPLAIN_NODE = ['heatmapPng', 'encodePng'];
/** Evaluation, calibration and class priors (#14, src/trust), and missing pixels: advanced entries only too. */
const TRUST = [
  'evaluate', 'scoreSet', 'labelledSet', 'computeMetrics', 'DEFAULT_BINS', 'MAX_SCORES', 'fitCalibration', 'applyCalibration', 'withCalibration',
  'estimatePriors', 'priorWeights', 'reweight', 'normalisePriors', 'reportHtml', 'confusionSvg', 'reliabilitySvg', 'MAX_GRID_CLASSES',
  'fillMissing', 'meanColor',
];
const TRUST_NODE = ['readLabelledData', 'readClassFolders', 'readCsv', 'readIdx', 'readIdxPair', 'imageSet', 'sequenceSet', 'classIndex', 'DATA_LIMITS'];
const ADVANCED_NODE = ['readEimFile', 'readModelFile', 'jsonFileCache', 'DEFAULT_CACHE_PATH', 'nodeDeviceKey', 'applyOrientation'];
const CONVERT = ['importOnnx', 'importTfjsLayers', 'readTfjsLayersDir', 'importTflite', 'optimize', 'quantizeWeights', 'writeEim'];

const names = (m: object) => Object.keys(m).sort();
const sorted = (...lists: string[][]) => lists.flat().sort();

describe('public entries', () => {
  it('edgeinfer (browser) exports what an app needs to classify', async () => {
    expect(names(await import('../../src/index.js'))).toEqual(sorted(APP));
  });

  it('edgeinfer (Node) adds file classification and decoding, with its own load', async () => {
    const node = await import('../../src/node.js');
    const { load: runtimeLoad } = await import('../../src/runtime/node-load.js');
    expect(names(node)).toEqual(sorted(APP, APP_NODE));
    expect(node.load).toBe(runtimeLoad);
  });

  it('edgeinfer/advanced (browser) is edgeinfer plus the tensor-level pieces', async () => {
    const [advanced, app] = await Promise.all([import('../../src/advanced.js'), import('../../src/index.js')]);
    expect(names(advanced)).toEqual(sorted(APP, ADVANCED, EXPLAIN, TRUST));
    for (const name of APP) expect((advanced as Record<string, unknown>)[name], name).toBe((app as Record<string, unknown>)[name]);
  });

  it('edgeinfer/advanced (Node) is the Node edgeinfer plus the same pieces and the Node-only ones', async () => {
    const [advanced, node] = await Promise.all([import('../../src/advanced-node.js'), import('../../src/node.js')]);
    expect(names(advanced)).toEqual(sorted(APP, APP_NODE, ADVANCED, ADVANCED_NODE, EXPLAIN, EXPLAIN_NODE, TRUST, TRUST_NODE));
    expect(advanced.load).toBe(node.load);
  });

  it('edgeinfer/convert exports the importers and what turns their graph into a file', async () => {
    expect(names(await import('../../src/convert/index.js'))).toEqual(sorted(CONVERT));
  });
});
