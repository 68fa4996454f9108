// Sliding-window attributes and per-axis geometry shared by Conv and the pools (ONNX semantics, 2-D, NHWC).
// Pads are [top, left, bottom, right] (ONNX order for two spatial axes); autoPad SAME_* overrides them.
import type { Attrs } from './attrs.js';
import { shapeToString, type Shape } from '../tensor.js';
import { intsAttr, OpError, stringAttr } from './op.js';

export const AUTO_PADS = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'] as const;
export type AutoPad = (typeof AUTO_PADS)[number];

export interface WindowAttrs {
  /** [kh, kw]; optional for Conv, where the weights give it. */
  readonly kernel?: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly dilations: readonly [number, number];
  readonly autoPad: AutoPad;
}

function pair(v: number[]): [number, number] {
  return [v[0], v[1]];
}

export function parseWindowAttrs(raw: Attrs, kernelRequired: boolean): WindowAttrs {
  const kernel = raw.kernel == null && !kernelRequired
    ? undefined : pair(intsAttr(raw, 'kernel', undefined, { length: 2, min: 1 }));
  const strides = pair(intsAttr(raw, 'strides', [1, 1], { length: 2, min: 1 }));
  const p = intsAttr(raw, 'pads', [0, 0, 0, 0], { length: 4, min: 0 });
  const dilations = pair(intsAttr(raw, 'dilations', [1, 1], { length: 2, min: 1 }));
  const autoPad = stringAttr(raw, 'autoPad', AUTO_PADS, 'NOTSET');
  // ONNX forbids explicit pads together with auto_pad; zeros are what importers write by default.
  if (autoPad !== 'NOTSET' && p.some((v) => v !== 0)) {
    throw new OpError(`attribute pads ${JSON.stringify(p)} cannot be combined with autoPad ${autoPad}`);
  }
  return { kernel, strides, pads: [p[0], p[1], p[2], p[3]], dilations, autoPad };
}

/** Sliding windows need every dimension of their tensors to be a positive integer. */
export function positiveDims(shape: Shape, what: string): void {
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new OpError(`${what} ${shapeToString(shape)} has a dimension that is not a positive integer`);
}

export interface AxisGeometry {
  readonly out: number;
  readonly padBegin: number;
  readonly padEnd: number;
}

/**
 * Output size and effective pads along one spatial axis. `ceilMode` is the pools' ceil_mode: a last
 * window that would start inside the end padding is dropped (ONNX since opset 19, onnxruntime, PyTorch).
 */
export function axisGeometry(axis: string, size: number, kernel: number, stride: number, dilation: number,
  padBegin: number, padEnd: number, autoPad: AutoPad, ceilMode = false): AxisGeometry {
  const extent = (kernel - 1) * dilation + 1;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const out = Math.ceil(size / stride);
    const total = Math.max(0, (out - 1) * stride + extent - size);
    const begin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
    return { out, padBegin: begin, padEnd: total - begin };
  }
  if (autoPad === 'VALID') { padBegin = 0; padEnd = 0; }
  const span = size + padBegin + padEnd - extent;
  if (span < 0) {
    throw new OpError(`${axis}: window of extent ${extent} (kernel ${kernel}, dilation ${dilation}) does not fit the padded input of ${size + padBegin + padEnd}`);
  }
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= size + padBegin) out--;
  return { out, padBegin, padEnd };
}
