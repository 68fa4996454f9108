// The wasm kernels of the quantized ops (prepare/qlinear.ts), registered with the ops (src/int8.ts).
import { registerKernels } from './kernels.js';
import { dequantizeLinear, qlinearAdd, qlinearConv, qlinearGlobalAveragePool, qlinearMatMul, quantizeLinear } from './prepare/qlinear.js';

export function enableWasmInt8(): void {
  registerKernels([
    ['QuantizeLinear', quantizeLinear], ['DequantizeLinear', dequantizeLinear], ['QLinearConv', qlinearConv],
    ['QLinearMatMul', qlinearMatMul], ['QLinearAdd', qlinearAdd], ['QLinearGlobalAveragePool', qlinearGlobalAveragePool],
  ]);
}
