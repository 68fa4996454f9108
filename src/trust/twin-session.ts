// A twin of a session that also returns intermediate values (cam's feature map): the same graph with those
// values added to its outputs, which keeps them alive to the end of a run, prepared once and opened on the
// session's own backend. Here, not in Session, so that the browser runtime (index.min.js, 60 KB budget)
// carries none of it. The twin holds its own copy of the weights on the backend, released with the backend
// when the session it copies is disposed; it is never disposed itself (that would dispose the shared backend).
import { PreparedGraph } from '../graph/prepared.js';
import type { Graph } from '../graph/ir.js';
import { Session } from '../runtime/session.js';

/** `graph` with the values named `names` (node outputs, IR shapes as `shapeOf` gives them at batch 1) also as outputs. */
export function exposeOutputs(graph: Graph, names: readonly string[], shapeOf: (name: string) => readonly number[] | undefined): Graph {
  const batchFree = graph.inputs.some((v) => v.shape[0] === -1);
  const extra = names.filter((n) => !graph.outputs.some((v) => v.name === n)).map((name) => {
    const s = shapeOf(name);
    if (!s || !graph.nodes.some((n) => n.outputs.includes(name))) throw new RangeError(`"${name}" is not a value a node of the graph produces`);
    return { name, shape: [batchFree ? -1 : s[0], ...s.slice(1)] };
  });
  return { ...graph, outputs: [...graph.outputs, ...extra] };
}

const twins = new WeakMap<Session, { readonly names: string; readonly twin: Session }>();

/**
 * The twin of `session` returning `names` too, opened at its first use. Run it inside the owner's queue turn
 * (LoadedModel.use) or, for a bare session, with run(): its queue is the backend's, which a bare session shares.
 */
export function twinSession(session: Session, names: readonly string[]): Session {
  const key = names.join('\n');
  const hit = twins.get(session);
  if (hit?.names === key) return hit.twin;
  const plan = session.prepared.plan(1, 'ir');
  const graph = exposeOutputs(session.graph, names, (name) => plan.values.find((v) => v.name === name)?.shape);
  const twin = Session.open(PreparedGraph.build(graph), session.backendInstance);
  twins.set(session, { names: key, twin });
  return twin;
}
