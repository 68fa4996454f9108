// What the stage tests share (test/vision/stages.test.ts, test/webgpu/frame.test.ts): preprocessing metadata,
// seeded RGBA frames and a tiny image classifier.
import type { Graph, ImagePreprocess } from '../../src/graph/ir.js';
import { randomF32, randomWeight } from '../helpers/harness.js';

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], scale: 1 / 255 };

export function pre(p: Partial<ImagePreprocess> & Pick<ImagePreprocess, 'width' | 'height'>): ImagePreprocess {
  return { channels: 3, colorOrder: 'RGB', ...IMAGENET, resize: 'stretch', crop: 'none', ...p };
}

/** Seeded RGBA pixels with a gradient, so resampling sees structure, not only noise. */
export function rgba(width: number, height: number, seed: number): Uint8Array {
  const noise = randomF32(width * height * 4, { seed, min: 0, max: 256 });
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        const i = (y * width + x) * 4 + c;
        const ramp = (c === 0 ? x / width : c === 1 ? y / height : (x + y) / (width + height)) * 255;
        out[i] = Math.min(255, Math.floor(0.5 * noise[i] + 0.5 * ramp));
      }
    }
  }
  return out;
}

/** x [-1, 16, 16, 3] -> Conv 3x3 + Relu -> GAP -> Flatten -> Gemm: 37 logits. */
export function tinyClassifier(): Graph {
  const weight = randomWeight;
  return {
    nodes: [
      { name: 'c1', op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['a1'], attrs: { pads: [1, 1, 1, 1], activation: { op: 'Relu' } } },
      { name: 'gap', op: 'GlobalAveragePool', inputs: ['a1'], outputs: ['a2'], attrs: {} },
      { name: 'fl', op: 'Flatten', inputs: ['a2'], outputs: ['a3'], attrs: { axis: 1 } },
      { name: 'fc', op: 'Gemm', inputs: ['a3', 'wf', 'bf'], outputs: ['logits'], attrs: { transB: true } },
    ],
    inputs: [{ name: 'x', shape: [-1, 16, 16, 3] }],
    outputs: [{ name: 'logits', shape: [-1, 37] }],
    constants: new Map([['w1', weight([8, 3, 3, 3], 1)], ['b1', weight([8], 2)], ['wf', weight([37, 8], 3)], ['bf', weight([37], 4)]]),
    metadata: { name: 'tiny-classifier' },
  };
}
