// Parses a Keras/TF.js model topology (Sequential or functional Model, old `model_config` or new
// form, nested models included) into one normalized shape: layers with the tensors each call reads.
// Sequential models become functional ones here so the converter walks a single kind of graph.
import { child, Config, describe, expectArray, expectObject, expectString, formatError, isObject, type Json, type JsonObject } from './json.js';

/** Output `tensor` of call `node` of layer `layer`; `node` counts this model's calls of the layer from 0. */
export interface TensorRef {
  readonly layer: string;
  readonly node: number;
  readonly tensor: number;
}

export interface LayerSpec {
  readonly className: string;
  readonly name: string;
  readonly config: Config;
  /** JSON path of the layer object. */
  readonly path: string;
  /** One entry per call: the tensors that call reads. */
  readonly calls: TensorRef[][];
  /** Set for a model used as a layer. */
  readonly model?: ModelSpec;
  /** Set for an InputLayer: the per-sample shape, undefined when the config gives none. */
  readonly inputShape?: (number | null)[];
}

export interface ModelSpec {
  readonly name: string;
  readonly layers: LayerSpec[];
  readonly inputs: TensorRef[];
  readonly outputs: TensorRef[];
  readonly path: string;
}

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

export function isModelClass(className: string): boolean {
  return MODEL_CLASSES.has(className);
}

/** The `{class_name, config}` object of the model in a topology, old (`model_config`) or new form. */
export function modelObjectOf(topology: JsonObject): { obj: JsonObject; path: string } {
  if (topology.model_config !== undefined) {
    return { obj: expectObject(topology.model_config, 'modelTopology.model_config'), path: 'modelTopology.model_config' };
  }
  return { obj: topology, path: 'modelTopology' };
}

export function parseModel(obj: JsonObject, path: string): ModelSpec {
  const className = expectString(obj.class_name, child(path, 'class_name'));
  if (className === 'Sequential') return parseSequential(obj.config, child(path, 'config'));
  if (className === 'Model' || className === 'Functional') return parseFunctional(obj.config, child(path, 'config'));
  return formatError(`expected a Sequential or Model topology, got class ${describe(className)}`, child(path, 'class_name'));
}

/** The batch shape a layer config declares (Keras 2 `batch_input_shape`, Keras 3 `batch_shape`, or `input_shape`). */
function declaredBatchShape(cfg: Config): (number | null)[] | undefined {
  for (const key of ['batch_input_shape', 'batch_shape', 'input_shape']) {
    const v = cfg.get(key);
    if (v === undefined) continue;
    const list = expectArray(v, cfg.at(key));
    if (list.some((d) => d !== null && (typeof d !== 'number' || !Number.isInteger(d) || d < 0))) {
      formatError(`expected a list of non-negative integers or null, got ${describe(v)}`, cfg.at(key));
    }
    const dims = list as (number | null)[];
    return key === 'input_shape' ? [null, ...dims] : dims;
  }
  return undefined;
}

function parseLayerHead(raw: Json, path: string): { className: string; name: string; config: Config; obj: JsonObject } {
  const obj = expectObject(raw, path);
  const className = expectString(obj.class_name, child(path, 'class_name'));
  const config = new Config(expectObject(obj.config, child(path, 'config')), child(path, 'config'));
  const name = obj.name !== undefined ? expectString(obj.name, child(path, 'name')) : config.string('name');
  return { className, name, config, obj };
}

function makeLayer(head: { className: string; name: string; config: Config }, path: string, calls: TensorRef[][]): LayerSpec {
  const { className, name, config } = head;
  const model = isModelClass(className) ? parseModel({ class_name: className, config: config.obj }, path) : undefined;
  const batchShape = className === 'InputLayer' ? declaredBatchShape(config) : undefined;
  return { className, name, config, path, calls, model, inputShape: batchShape?.slice(1) };
}

function parseSequential(raw: Json | undefined, path: string): ModelSpec {
  // Keras <= 2.2 stores the layer list itself; later versions {name, layers}.
  let name = 'sequential', list: Json[], listPath = path;
  if (Array.isArray(raw)) {
    list = raw;
  } else {
    const cfg = expectObject(raw, path);
    if (typeof cfg.name === 'string') name = cfg.name;
    listPath = child(path, 'layers');
    list = expectArray(cfg.layers, listPath);
  }
  if (list.length === 0) formatError('a Sequential model needs at least one layer', listPath);
  const heads = list.map((l, i) => parseLayerHead(l, child(listPath, i)));
  const layers: LayerSpec[] = [];
  let prev: string;
  if (heads[0].className === 'InputLayer') {
    layers.push(makeLayer(heads[0], child(listPath, 0), []));
    prev = heads[0].name;
    heads.shift();
  } else {
    // Keras names the implicit input after the first layer; its shape comes from that layer's config
    // (undefined for a nested Sequential built by its caller, which binds the input itself).
    // A model as first layer declares its shape on its own input layer.
    const first = heads[0];
    const firstModel = isModelClass(first.className) ? parseModel({ class_name: first.className, config: first.config.obj }, child(listPath, 0)) : undefined;
    const modelInput = firstModel?.layers.find((l) => l.name === firstModel.inputs[0]?.layer);
    const inputShape = declaredBatchShape(first.config)?.slice(1) ?? modelInput?.inputShape;
    prev = `${first.name}_input`;
    layers.push({
      className: 'InputLayer', name: prev, config: new Config({ name: prev }, child(listPath, 0)),
      path: child(listPath, 0), calls: [], inputShape,
    });
  }
  const offset = list.length - heads.length;
  heads.forEach((h, i) => {
    layers.push(makeLayer(h, child(listPath, i + offset), [[{ layer: prev, node: 0, tensor: 0 }]]));
    prev = h.name;
  });
  return {
    name, layers, path,
    inputs: [{ layer: layers[0].name, node: 0, tensor: 0 }],
    outputs: [{ layer: prev, node: 0, tensor: 0 }],
  };
}

/** `[name, node, tensor]` (extra entries such as kwargs ignored). */
function parseRefTriple(raw: Json, where: string): TensorRef {
  const t = expectArray(raw, where);
  const [layer, node, tensor] = t;
  if (typeof layer !== 'string' || typeof node !== 'number' || !Number.isInteger(node) || node < 0
    || typeof tensor !== 'number' || !Number.isInteger(tensor) || tensor < 0) {
    formatError(`expected [layer name, node index, tensor index], got ${describe(raw)}`, where);
  }
  return { layer, node, tensor };
}

/** input_layers / output_layers: a list of triples, or (Keras 3, single tensor) one triple. */
function parseRefList(raw: Json | undefined, where: string): TensorRef[] {
  const list = expectArray(raw, where);
  if (typeof list[0] === 'string') return [parseRefTriple(list, where)];
  return list.map((r, i) => parseRefTriple(r, child(where, i)));
}

/** Keras 3 call records: the keras_history of every tensor found in `args`, in order. */
function collectKerasTensors(v: Json, where: string, out: TensorRef[]): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => collectKerasTensors(x, child(where, i), out));
  } else if (isObject(v)) {
    if (v.class_name === '__keras_tensor__') {
      const cfg = expectObject(v.config, child(where, 'config'));
      out.push(parseRefTriple(cfg.keras_history, child(child(where, 'config'), 'keras_history')));
    } else {
      for (const [k, x] of Object.entries(v)) collectKerasTensors(x, child(where, k), out);
    }
  }
}

function parseCalls(raw: Json | undefined, where: string): TensorRef[][] {
  if (raw === undefined || raw === null) return [];
  return expectArray(raw, where).map((node, i) => {
    const w = child(where, i);
    if (isObject(node)) {
      const refs: TensorRef[] = [];
      collectKerasTensors(node.args ?? [], child(w, 'args'), refs);
      return refs;
    }
    return expectArray(node, w).map((t, j) => parseRefTriple(t, child(w, j)));
  });
}

function parseFunctional(raw: Json | undefined, path: string): ModelSpec {
  const cfg = expectObject(raw, path);
  const name = typeof cfg.name === 'string' ? cfg.name : 'model';
  const listPath = child(path, 'layers');
  const layers = expectArray(cfg.layers, listPath).map((l, i) => {
    const p = child(listPath, i);
    const head = parseLayerHead(l, p);
    return makeLayer(head, p, parseCalls(head.obj.inbound_nodes, child(p, 'inbound_nodes')));
  });
  const byName = new Map<string, LayerSpec>();
  for (const l of layers) {
    if (byName.has(l.name)) formatError(`duplicate layer name ${describe(l.name)}`, child(l.path, 'name'));
    byName.set(l.name, l);
  }
  const inputs = parseRefList(cfg.input_layers, child(path, 'input_layers'));
  const outputs = parseRefList(cfg.output_layers, child(path, 'output_layers'));

  // A nested model's call 0 is the one that built it; TF.js and tf.keras count it when they name the
  // outer calls (first outer call = node 1), old Keras did not (= node 0). Old style is recognised by
  // any reference to node 0 of that model.
  const allRefs = [...layers.flatMap((l) => l.calls.flat()), ...outputs];
  const oldStyle = new Set(allRefs.filter((r) => r.node === 0 && byName.get(r.layer)?.model).map((r) => r.layer));
  const normalize = (r: TensorRef): TensorRef =>
    byName.get(r.layer)?.model && !oldStyle.has(r.layer) ? { ...r, node: r.node - 1 } : r;
  for (const l of layers) l.calls.forEach((call, i) => { l.calls[i] = call.map(normalize); });
  return { name, layers, inputs, outputs: outputs.map(normalize), path };
}
