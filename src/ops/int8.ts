// The quantized ops (integers held as f32, quant.ts), registered on demand: they stay out of the browser
// bundle's core (its size budget) until an app or the importer asks for them. js and wasm run them; WebGPU not
// yet (TODO(#13)).
import type { OpDef } from './op.js';
import { registerOps } from './registry.js';
import { DequantizeLinear, QuantizeLinear } from './quant.js';
import { QLinearConv } from './qlinear-conv.js';
import { QLinearAdd, QLinearGlobalAveragePool, QLinearMatMul } from './qlinear.js';

export const INT8_OPS: readonly OpDef<any>[] = [QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul, QLinearAdd, QLinearGlobalAveragePool];

/** Registers the quantized ops (idempotent). */
export function enableInt8Ops(): void {
  registerOps(INT8_OPS);
}
