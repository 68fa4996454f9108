// Class activation maps (Zhou et al. 2016) for models that end in global average pooling + one dense layer:
// the class's score is then a weighted sum of the pooled channels, so the same weights over the feature map
// before pooling say where the evidence lies (for these models Grad-CAM gives the same map). Whether a model
// qualifies is read from its graph, from the output back; the map needs the feature map, which a session
// returns as an extra output (twin-session.ts), so it costs the one forward pass of a classification.
import { UnsupportedOpError } from '../errors.js';
import { dequantize } from '../graph/constant.js';
import type { Graph, Node } from '../graph/ir.js';
import type { GemmAttrs } from '../ops/gemm.js';
import type { ResolvedNode } from '../graph/resolve.js';
import { resizeMap } from './heatmap.js';

/** How a qualifying model's last layers are wired: what the map is computed from. */
export interface CamTarget {
  /** The value pooled by global average pooling: NHWC [N, h, w, channels]. */
  readonly feature: string;
  readonly h: number;
  readonly w: number;
  readonly channels: number;
  readonly classes: number;
  /** The dense weights, channel-major: weight of channel k for class j at k * classes + j (alpha applied). */
  readonly weights: Float32Array;
}

/** Elementwise and monotone: they keep the order of the scores (after the dense layer) or of the pooled channels. */
const MONOTONE = new Set(['Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'Identity']);
/** Reshapes between pooling and the dense layer. */
const RESHAPES = new Set(['Flatten', 'Reshape', 'Identity']);

/**
 * The class activation target of `graph` (its nodes resolved, as a session's prepared graph holds them; `shapeOf`
 * gives a value's IR shape at batch 1). Throws UnsupportedOpError naming the node where the walk from the output
 * back met something else than [Softmax] → [monotone activation] → [Add bias] → Gemm/MatMul with a constant
 * weight → [Flatten/Reshape] → [ReLU/Clip] → GlobalAveragePool (or ReduceMean over H and W).
 */
export function camTarget(graph: Graph, nodes: readonly ResolvedNode[], shapeOf: (name: string) => readonly number[] | undefined): CamTarget {
  const model = graph.metadata.name ?? '?';
  const producer = new Map<string, ResolvedNode>();
  for (const r of nodes) for (const o of r.node.outputs) producer.set(o, r);
  const refuse = (n: Node | undefined, why: string): never => {
    throw new UnsupportedOpError(n?.op ?? 'input', n?.name ?? graph.outputs[0]?.name ?? '?', model,
      `class activation maps need global average pooling + dense at the end of the model: ${why}; use method 'occlusion'`);
  };
  if (graph.outputs.length !== 1) refuse(undefined, `it has ${graph.outputs.length} outputs`);
  let at = producer.get(graph.outputs[0].name);
  // The scores' side: softmax and monotone activations keep the class order; a bias adds a constant per class.
  while (at && (at.node.op === 'Softmax' || MONOTONE.has(at.node.op) || (at.node.op === 'Add' && at.node.inputs.some((i) => graph.constants.has(i))))) {
    at = producer.get(at.node.inputs.find((i) => !graph.constants.has(i))!);
  }
  if (!at || (at.node.op !== 'Gemm' && at.node.op !== 'MatMul')) return refuse(at?.node, 'no dense layer (Gemm/MatMul) before the output');
  const dense = at;
  const weightName = dense.node.inputs[1];
  const weight = graph.constants.get(weightName);
  if (!weight || weight.shape.length !== 2) return refuse(dense.node, 'its weight is not a constant matrix');
  const { transA, transB, alpha } = dense.node.op === 'Gemm' ? dense.attrs as GemmAttrs : { transA: false, transB: false, alpha: 1 };
  if (transA) refuse(dense.node, 'its input is transposed');
  // Between pooling and the dense layer only reshapes and monotone activations of the pooled values.
  at = producer.get(dense.node.inputs[0]);
  while (at && (RESHAPES.has(at.node.op) || at.node.op === 'Relu' || at.node.op === 'Clip')) at = producer.get(at.node.inputs[0]);
  const pooled = at?.node.op === 'GlobalAveragePool'
    || (at?.node.op === 'ReduceMean' && sameAxes((at.attrs as { axes: readonly number[] }).axes, [1, 2]));
  if (!at || !pooled) return refuse(at?.node, `the dense layer's input comes from ${at ? at.node.op : 'the model input'}, not from global average pooling`);
  const feature = at.node.inputs[0];
  const shape = shapeOf(feature);
  const [K, N] = transB ? [weight.shape[1], weight.shape[0]] : [weight.shape[0], weight.shape[1]];
  if (!shape || shape.length !== 4 || shape[3] !== K) return refuse(at.node, `the pooled feature map [${shape ?? '?'}] does not feed the ${K} dense inputs`);
  const w = dequantize(weight);
  const weights = new Float32Array(K * N);
  for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) weights[k * N + j] = alpha * (transB ? w[j * K + k] : w[k * N + j]);
  return { feature, h: shape[1], w: shape[2], channels: K, classes: N, weights };
}

function sameAxes(axes: readonly number[], want: readonly number[]): boolean {
  const norm = [...new Set(axes.map((a) => (a < 0 ? a + 4 : a)))].sort();
  return norm.length === want.length && norm.every((a, i) => a === want[i]);
}

/**
 * The map of class `j` from one NHWC feature map (item 0 of `feature`): the weighted sum of its channels, ReLU,
 * upsampled bilinearly to `width` × `height`.
 */
export function camMap(t: CamTarget, feature: Float32Array, j: number, width: number, height: number): Float32Array {
  const { h, w, channels: K, classes: N, weights } = t;
  const small = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += feature[p * K + k] * weights[k * N + j];
    small[p] = Math.max(s, 0);
  }
  return resizeMap(small, w, h, width, height);
}
