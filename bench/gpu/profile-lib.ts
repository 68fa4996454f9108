// Per-node timing of a graph on the WebGPU backend: the plan is built as Session builds it (one tensor per
// value, weights uploaded once), then each node's step is submitted on its own and awaited.
import { acquireDevice } from '../../src/backends/webgpu/device.js';
import { WebGpuBackend } from '../../src/backends/webgpu/backend.js';
import type { DeviceTensor, Step } from '../../src/backends/backend.js';
import type { Graph } from '../../src/graph/ir.js';
import { resolveNodes } from '../../src/graph/resolve.js';
import { inferShapes } from '../../src/graph/shapes.js';

export interface NodeTime {
  readonly name: string;
  /** Op, plus the kernel path for Conv (pointwise / depthwise / conv). */
  readonly kind: string;
  readonly ms: number;
}

function convKind(attrs: { group?: number }, w: DeviceTensor): string {
  const [, kh, kw] = w.shape;
  if ((attrs.group ?? 1) > 1) return 'Conv depthwise/grouped';
  return kh === 1 && kw === 1 ? 'Conv 1x1' : `Conv ${kh}x${kw}`;
}

export async function profileGraph(gpu: GPU, graph: Graph, input: Float32Array, batch: number, runs: number): Promise<NodeTime[]> {
  const b = new WebGpuBackend(await acquireDevice(gpu));
  try {
    const resolved = resolveNodes(graph);
    const shapes = inferShapes(graph, batch, resolved);
    const values = new Map<string, DeviceTensor>();
    const x = b.alloc(shapes.get(graph.inputs[0].name)!);
    values.set(graph.inputs[0].name, x);
    const tensorOf = (n: string): DeviceTensor => {
      let t = values.get(n);
      if (!t) { t = b.constant(graph.constants.get(n)!); values.set(n, t); }
      return t;
    };
    const steps: { name: string; kind: string; step: Step; out: DeviceTensor }[] = [];
    for (const { node, op, attrs } of resolved) {
      const ins = node.inputs.map((n) => (n === '' ? undefined : tensorOf(n)));
      const outs = op.inferShape(ins.map((t) => t?.shape), attrs).map((s, i) => {
        const t = b.alloc(s);
        if (node.outputs[i]) values.set(node.outputs[i], t);
        return t;
      });
      const kind = node.op === 'Conv' ? convKind(attrs as { group?: number }, ins[1]!) : node.op;
      steps.push({ name: node.name, kind, step: b.prepare(op, ins, attrs, outs), out: outs[0] });
    }
    b.write(x, input);
    await b.execute(steps.map((s) => s.step), []);
    const best = steps.map(() => Infinity);
    for (let r = 0; r < runs; r++) {
      for (let i = 0; i < steps.length; i++) {
        await b.device.queue.onSubmittedWorkDone();
        const t = performance.now();
        await b.execute([steps[i].step], []);
        await b.device.queue.onSubmittedWorkDone();
        best[i] = Math.min(best[i], performance.now() - t);
      }
    }
    return steps.map((s, i) => ({ name: s.name, kind: s.kind, ms: best[i] }));
  } finally {
    b.dispose();
  }
}
