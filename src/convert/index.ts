/**
 * `import … from 'edgeinfer/convert'` (Node only): the ONNX, TensorFlow.js Layers and TFLite importers, the graph
 * optimizer, weight quantization and the `.eim` writer, as `edgeinfer convert` uses them. Its own entry,
 * so an application that only classifies never loads the converters.
 *
 * @module edgeinfer/convert
 */
// `edgeinfer/convert` (Node): ONNX, TensorFlow.js Layers and TFLite models to a graph, then optimized,
// quantized and written as .eim, as `edgeinfer convert` does. A separate entry so that `edgeinfer`
// never loads the converters (docs/api.md); ONNX is read by our own protobuf reader (onnx/wire.ts), TFLite
// by our own FlatBuffer reader (tflite/flatbuffer.ts; its appended zip inflated with node:zlib).
export { importOnnx, type OnnxImportOptions } from './onnx.js';
export { importTfjsLayers, type TfjsImportOptions } from './tfjs.js';
export { readTfjsLayersDir, type ReadTfjsOptions } from './tfjs-node.js';
export { importTflite, type TfliteImportOptions } from './tflite/import.js';
export { optimize } from '../graph/optimize.js';
export { quantizeWeights } from '../graph/quantize.js';
export { writeEim } from '../format/writer.js';
export type { Graph, ModelMetadata } from '../graph/ir.js';
