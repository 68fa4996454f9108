// Structure of the header's graph section: value infos, nodes and attribute JSON types, and that every
// name a node or graph output refers to is produced exactly once. Op semantics are validateGraph's job.
import type { AttrValue, Attrs, Node, ValueInfo } from '../graph/ir.js';
import { array, checkShape, fail, has, integer, object, string, stringArray } from './json-check.js';
import { MAX_ATTR_DEPTH, MAX_VALUE_ELEMENTS } from './layout.js';

function valueInfo(v: unknown, where: string): ValueInfo {
  const o = object(v, where);
  const name = string(o.name, `${where}.name`, { nonEmpty: true });
  const shape = checkShape(o.shape, `${where}.shape`, { maxElements: MAX_VALUE_ELEMENTS, batchDim: true });
  if (!has(o, 'sourcePerm')) return { name, shape };
  const perm = array(o.sourcePerm, `${where}.sourcePerm`, shape.length);
  if (perm.length !== shape.length) fail(`sourcePerm must have ${shape.length} entries (the rank)`, `${where}.sourcePerm`, perm);
  const seen = new Set<number>();
  const sourcePerm = perm.map((p, i) => {
    const axis = integer(p, `${where}.sourcePerm[${i}]`, 0, shape.length - 1);
    if (seen.has(axis)) fail(`sourcePerm repeats axis ${axis}`, `${where}.sourcePerm[${i}]`);
    seen.add(axis);
    return axis;
  });
  return { name, shape, sourcePerm };
}

/** Attribute values: finite numbers, strings, booleans, null, homogeneous number/string arrays, nested objects. */
function attrValue(v: unknown, where: string, depth: number): AttrValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail('attribute numbers must be finite', where, v);
    return v;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return v as number[];
    if (typeof v[0] === 'string') return stringArray(v, where);
    v.forEach((x, i) => { if (typeof x !== 'number' || !Number.isFinite(x)) fail('expected a finite number (arrays hold all numbers or all strings)', `${where}[${i}]`, x); });
    return v as number[];
  }
  return attrObject(v, where, depth + 1);
}

function attrObject(v: unknown, where: string, depth: number): Attrs {
  const o = object(v, where);
  if (depth > MAX_ATTR_DEPTH) fail(`attributes nest deeper than ${MAX_ATTR_DEPTH}`, where);
  // The parsed object is kept as is: copying key by key would let a "__proto__" key change a prototype.
  for (const key of Object.keys(o)) attrValue(o[key], `${where}.${key}`, depth);
  return o as Attrs;
}

function node(v: unknown, where: string): Node {
  const o = object(v, where);
  return {
    name: string(o.name, `${where}.name`, { nonEmpty: true }),
    op: string(o.op, `${where}.op`, { nonEmpty: true }),
    inputs: stringArray(o.inputs, `${where}.inputs`),
    outputs: stringArray(o.outputs, `${where}.outputs`),
    attrs: has(o, 'attrs') ? attrObject(o.attrs, `${where}.attrs`, 0) : {},
  };
}

/**
 * Validates header.graph. Every value (graph input, tensor, non-empty node output) has one producer;
 * node inputs and graph outputs must name one of them ('' marks an absent optional input or output).
 */
export function validateGraphSection(v: unknown, tensorNames: ReadonlySet<string>): { inputs: ValueInfo[]; outputs: ValueInfo[]; nodes: Node[] } {
  const g = object(v, 'header.graph');
  const inputs = array(g.inputs, 'header.graph.inputs').map((x, i) => valueInfo(x, `header.graph.inputs[${i}]`));
  const outputs = array(g.outputs, 'header.graph.outputs').map((x, i) => valueInfo(x, `header.graph.outputs[${i}]`));
  const nodes = array(g.nodes, 'header.graph.nodes').map((x, i) => node(x, `header.graph.nodes[${i}]`));

  const produced = new Map<string, string>();
  for (const t of tensorNames) produced.set(t, 'a tensor');
  const produce = (name: string, where: string): void => {
    const prior = produced.get(name);
    if (prior !== undefined) fail(`value ${JSON.stringify(name)} is already defined by ${prior}`, where);
    produced.set(name, where);
  };
  inputs.forEach((x, i) => produce(x.name, `header.graph.inputs[${i}].name`));
  const nodeNames = new Set<string>();
  nodes.forEach((n, i) => {
    const where = `header.graph.nodes[${i}]`;
    if (nodeNames.has(n.name)) fail(`duplicate node name ${JSON.stringify(n.name)}`, `${where}.name`);
    nodeNames.add(n.name);
    if (n.outputs.length === 0) fail('a node needs at least one output', `${where}.outputs`);
    n.outputs.forEach((out, j) => { if (out !== '') produce(out, `${where}.outputs[${j}]`); });
  });
  nodes.forEach((n, i) => n.inputs.forEach((name, j) => {
    if (name !== '' && !produced.has(name)) fail(`node ${JSON.stringify(n.name)} reads unknown value ${JSON.stringify(name)}`, `header.graph.nodes[${i}].inputs[${j}]`);
  }));
  outputs.forEach((o, i) => {
    if (!produced.has(o.name)) fail(`graph output reads unknown value ${JSON.stringify(o.name)}`, `header.graph.outputs[${i}].name`);
  });
  return { inputs, outputs, nodes };
}
