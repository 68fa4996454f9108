// `edgeinfer/convert` (Node): ONNX and TensorFlow.js Layers models to a graph, then optimized,
// quantized and written as .eim, as `edgeinfer convert` does. A separate entry so that `edgeinfer`
// never loads onnx-proto and protobufjs (docs/api.md).
export { importOnnx, type OnnxImportOptions } from './onnx.js';
export { importTfjsLayers, type TfjsImportOptions } from './tfjs.js';
export { readTfjsLayersDir } from './tfjs-node.js';
export { optimize } from '../graph/optimize.js';
export { quantizeWeights } from '../graph/constant.js';
export { writeEim } from '../format/writer.js';
export type { Graph, ModelMetadata } from '../graph/ir.js';
