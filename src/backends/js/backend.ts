// The reference backend: each node runs its op's plain-loop reference. Short and obviously
// right; the oracle the other backends are tested against.
import type { Backend, BackendProvider, DeviceTensor, Step } from '../backend.js';
import type { OpDef } from '../../ops/op.js';
import { OPS } from '../../ops/registry.js';
import type { Constant } from '../../graph/ir.js';
import { dequantize } from '../../graph/constant.js';
import type { BatchPlan } from '../../graph/prepared.js';
import { sizeOf, type Shape, type Tensor } from '../../tensor.js';
import type { PreprocessSpec, PreprocessStage, RankSpec, RankStage } from '../stages.js';
import { jsPreprocessStage, jsRankStage } from './stages.js';

class JsTensor implements DeviceTensor, Tensor {
  readonly size: number;
  constructor(readonly shape: Shape, readonly data: Float32Array) {
    this.size = data.length;
  }
}

export class JsBackend implements Backend {
  readonly name = 'js' as const;
  readonly ops: ReadonlySet<string> = new Set(OPS.keys());

  constant(c: Constant): DeviceTensor {
    return new JsTensor(c.shape, dequantize(c));
  }

  alloc(shape: Shape): DeviceTensor {
    return new JsTensor(shape, new Float32Array(sizeOf(shape)));
  }

  /** Views into one array laid out by the plan (in elements): the reference shares memory like the others. */
  values(plan: BatchPlan): DeviceTensor[] {
    const { offsets, size } = plan.arena((v) => v.size, 4);
    const arena = new Float32Array(size);
    return plan.values.map((v) => new JsTensor(v.shape, arena.subarray(offsets[v.id], offsets[v.id] + v.size)));
  }

  prepare(op: OpDef<any>, inputs: readonly (DeviceTensor | undefined)[], attrs: unknown, outputs: readonly DeviceTensor[]): Step {
    const ins = inputs as readonly (JsTensor | undefined)[];
    const outs = outputs as readonly JsTensor[];
    return () => op.reference(ins, attrs, outs);
  }

  write(t: DeviceTensor, data: Float32Array): void {
    (t as JsTensor).data.set(data);
  }

  async execute(steps: readonly Step[], outputs: readonly DeviceTensor[]): Promise<Float32Array[]> {
    for (const step of steps) step();
    return outputs.map((o) => (o as JsTensor).data.slice());
  }

  preprocessStage(input: DeviceTensor, spec: PreprocessSpec): PreprocessStage {
    return jsPreprocessStage(input, spec);
  }

  rankStage(scores: DeviceTensor, spec: RankSpec): RankStage {
    return jsRankStage(scores, spec);
  }

  dispose(): void {}
}

export const jsProvider: BackendProvider = {
  name: 'js',
  priority: 0,
  available: async () => true,
  create: async () => new JsBackend(),
};
