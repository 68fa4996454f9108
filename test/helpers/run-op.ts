// One op on any backend, the way the runtime runs a model: a one-node graph through Session.create
// and session.run; and the loop that runs an op's case table (test/ops/<op>.cases.ts) on
// every backend variant against the reference.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.js';
import type { Attrs, Graph } from '../../src/graph/ir.js';
import type { OpDef, Tolerance } from '../../src/ops/op.js';
import { Session } from '../../src/runtime/session.js';
import type { Tensor } from '../../src/tensor.js';
import { type BackendVariant, useBackends } from './backends.js';
import { expectClose, runReference } from './harness.js';
import { saturated, stored, storedTolerance } from './precision.js';

/** One row of an op's case table. */
export interface OpCase {
  /** Says what the row covers; with `op` it names the test. */
  readonly name: string;
  readonly op: OpDef<any>;
  /** In the op's input order, IR layout (NHWC images); undefined where an optional input is absent. */
  readonly inputs: readonly (Tensor | undefined)[];
  readonly attrs?: Attrs;
  /** Inputs that are graph constants (weights: packed or re-laid once at load); the rest are fed per run. */
  readonly constants?: readonly number[];
  /** The backend kernel path the row was written for, e.g. 'wasm dwconv3x3', 'webgpu gemv' (it runs everywhere). */
  readonly kernel?: string;
  readonly tags?: readonly string[];
  /** Instead of the op's tolerance. */
  readonly tolerance?: Tolerance;
  /** On f16 storage, instead of storedTolerance(tolerance): for ops that keep f16 intermediates. */
  readonly f16Tolerance?: (want: readonly Tensor[]) => Tolerance;
  /** More checks on the outputs, after the comparison with the reference. */
  readonly check?: (got: readonly Tensor[]) => void;
}

export type OpRun = Pick<OpCase, 'inputs' | 'attrs' | 'constants'>;

/**
 * A graph of one `op` node: runtime inputs in0.., constants c0.., every output the op produces (out0..)
 * exposed. A rank-0 runtime input becomes a constant: a session's feeds need a batch axis.
 */
export function opGraph(op: OpDef<any>, c: OpRun): { graph: Graph; feeds: Record<string, Float32Array>; outputs: string[] } {
  const attrs = c.attrs ?? {};
  const outShapes = op.inferShape(c.inputs.map((t) => t?.shape), op.parseAttrs(attrs));
  const graph: Graph = { nodes: [], inputs: [], outputs: [], constants: new Map(), metadata: {} };
  const feeds: Record<string, Float32Array> = {};
  const names = c.inputs.map((t, i) => {
    if (!t) return '';
    if (c.constants?.includes(i) || t.shape.length === 0) {
      graph.constants.set(`c${i}`, { shape: [...t.shape], dtype: 'f32', data: t.data });
      return `c${i}`;
    }
    graph.inputs.push({ name: `in${i}`, shape: [...t.shape] });
    feeds[`in${i}`] = t.data;
    return `in${i}`;
  });
  const outputs = outShapes.map((_, k) => `out${k}`);
  graph.nodes.push({ name: op.name, op: op.name, inputs: names, outputs, attrs });
  graph.outputs = outShapes.map((s, k) => ({ name: outputs[k], shape: [...s] }));
  return { graph, feeds, outputs };
}

/** Runs `op` on `backend` through Session.create + session.run; returns every output. The backend stays open. */
export async function runOp(backend: Backend, op: OpDef<any>, c: OpRun): Promise<Tensor[]> {
  const { graph, feeds, outputs } = opGraph(op, c);
  const session = await Session.create(graph, { backend });
  const result = await session.run(feeds);
  return outputs.map((n) => result[n]);
}

/** The test's title: op, row, and the kernel path the row was written for. */
export function caseTitle(c: OpCase): string {
  return `${c.op.name} ${c.name}${c.kernel ? ` [${c.kernel}]` : ''}`;
}

const references = new Map<OpCase, Map<string, Tensor[]>>();

/** The op's reference on the values a backend of this variant's precision stores (memoized per case). */
function reference(c: OpCase, v: BackendVariant): Tensor[] {
  let byPrecision = references.get(c);
  if (!byPrecision) references.set(c, byPrecision = new Map());
  let want = byPrecision.get(v.precision);
  if (!want) byPrecision.set(v.precision, want = runReference(c.op, c.inputs.map((t) => stored(t, v.precision)), c.attrs ?? {}));
  return want;
}

interface Worst { values: number; diff: number; used: number }
/** Worst errors per (table, variant), printed after the file. */
const worst = new Map<string, Map<string, Worst>>();

function note(table: string, v: BackendVariant, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): void {
  let byVariant = worst.get(table);
  if (!byVariant) worst.set(table, byVariant = new Map());
  const w = byVariant.get(v.id) ?? { values: 0, diff: 0, used: 0 };
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!Number.isFinite(d)) continue;
    w.diff = Math.max(w.diff, d);
    const bound = Math.max(tol.atol, tol.rtol * Math.abs(want[i]));
    w.used = Math.max(w.used, bound > 0 ? d / bound : d > 0 ? Infinity : 0);
  }
  w.values += want.length;
  byVariant.set(v.id, w);
}

/** Compares `got` with the reference for this variant: shapes, then values under the case's tolerance. */
export function checkCase(table: string, v: BackendVariant, c: OpCase, got: readonly Tensor[]): void {
  const want = reference(c, v);
  const what = `${caseTitle(c)} on ${v.id}`;
  expect(got.map((t) => t.shape), what).toEqual(want.map((t) => t.shape));
  const tol = c.tolerance ?? c.op.tolerance;
  const f16 = v.precision === 'f16';
  const bound = f16 ? c.f16Tolerance?.(want) ?? storedTolerance(tol, 'f16') : tol;
  want.forEach((w, k) => {
    const values = f16 ? saturated(w.data) : w.data;
    note(table, v, got[k].data, values, bound);
    expectClose(got[k].data, values, bound, `${what} output ${k}`);
  });
  c.check?.(got);
}

type Settled = { readonly value: Tensor[] } | { readonly error: unknown };
const settle = (p: Promise<Tensor[]>): Promise<Settled> => p.then((value) => ({ value }), (error: unknown) => ({ error }));

/**
 * For each backend variant, a describe block with one test per case. Skipped variants show with their
 * reason. On webgpu every case of both precisions is started before the file's tests, so their pipelines
 * compile in parallel as a model's do (SwiftShader takes ~1-2 s per tiled kernel) while the CPU variants
 * run; runs on one backend are queued.
 */
export async function sweepBackends(table: string, cases: readonly OpCase[]): Promise<void> {
  const variants = await useBackends();
  afterAll(() => {
    const byVariant = worst.get(table);
    if (!byVariant) return;
    const parts = [...byVariant].map(([id, w]) => `${id} |diff| ${w.diff.toExponential(2)} (${(w.used * 100).toFixed(0)}% of the tolerance, ${w.values} values)`);
    console.log(`${table} worst errors: ${parts.join('; ')}`);
    worst.delete(table);
  });
  const started = new Map<BackendVariant, Map<OpCase, Promise<Settled>>>();
  beforeAll(async () => {
    for (const v of variants) {
      if (v.kind !== 'webgpu' || v.skipReason !== undefined) continue;
      const b = await v.backend();
      started.set(v, new Map(cases.map((c) => [c, settle(runOp(b, c.op, c))])));
    }
  });
  for (const v of variants) {
    const title = `${table} on ${v.id}`;
    if (v.skipReason !== undefined) {
      describe.skip(`${title} (skipped: ${v.skipReason})`, () => { it.each(cases.map(caseTitle))('%s', () => {}); });
      continue;
    }
    describe(title, () => {
      it.each(cases.map((c) => [caseTitle(c), c] as const))('%s', async (_title, c) => {
        let got: Tensor[];
        const runs = started.get(v);
        if (runs) {
          const r = await runs.get(c)!;
          if ('error' in r) throw r.error;
          got = r.value;
        } else {
          got = await runOp(await v.backend(), c.op, c);
        }
        checkCase(table, v, c, got);
      });
    });
  }
}
