// int8 inference on demand (issue #13): the quantized ops and their wasm kernels are kept out of the browser
// bundle's core; `enableInt8()` (edgeinfer/advanced) adds them before a model imported with compute 'int8' is loaded.
import { enableInt8Ops } from './ops/int8.js';
import { enableWasmInt8 } from './backends/wasm/int8.js';

/**
 * Registers the quantized ops (QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul, QLinearAdd,
 * QLinearGlobalAveragePool) and their wasm kernels; idempotent. Call before load() of a model converted with
 * `compute: 'int8'` and before creating backends for it; without it such a model is an UnsupportedOpError.
 */
export function enableInt8(): void {
  enableInt8Ops();
  enableWasmInt8();
}
