// Builds a TF.js graph model (a TensorFlow GraphDef in JSON plus weight specs and one weight buffer):
// node and attribute encoding, Const weights, name hygiene, and dropping nodes no output needs (the
// tfjs executor treats every node without consumers as a model output).

/** A GraphDef node as tfjs' model.json holds it (proto3 JSON: int64 as strings, bytes as base64). */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

export type TfAttr =
  | { type: string }
  | { shape: { dim: { size: string }[] } }
  | { s: string }
  | { i: string }
  | { f: number }
  | { b: boolean }
  | { list: { i?: string[]; s?: string[]; f?: number[] } }
  | { tensor: { dtype: string; tensorShape: { dim: { size: string }[] } } };

export interface TfWeightSpec {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32';
}

/** What tf.io.fromMemory takes for a graph model. */
export interface TfjsGraphArtifacts {
  readonly format: 'graph-model';
  readonly generatedBy: string;
  readonly convertedBy: string;
  readonly modelTopology: { node: TfNode[]; library: Record<string, never>; versions: { producer: number } };
  readonly weightSpecs: TfWeightSpec[];
  readonly weightData: ArrayBuffer;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const dims = (shape: readonly number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });

export const tfAttr = {
  dtype: (t: 'DT_FLOAT' | 'DT_INT32'): TfAttr => ({ type: t }),
  shape: (shape: readonly number[]): TfAttr => ({ shape: dims(shape) }),
  str: (s: string): TfAttr => ({ s: b64(s) }),
  int: (n: number): TfAttr => ({ i: String(n) }),
  float: (x: number): TfAttr => ({ f: x }),
  bool: (b: boolean): TfAttr => ({ b }),
  ints: (v: readonly number[]): TfAttr => ({ list: { i: v.map(String) } }),
  strs: (v: readonly string[]): TfAttr => ({ list: { s: v.map(b64) } }),
};

export class TfWriter {
  readonly nodes: TfNode[] = [];
  private readonly used = new Set<string>();
  private readonly weights: { spec: TfWeightSpec; data: Float32Array | Int32Array }[] = [];

  /** A unique node name made of characters TF accepts (':' would read as an output index). */
  fresh(base: string): string {
    let clean = base.replace(/[^A-Za-z0-9_.\-/]/g, '_');
    if (!/^[A-Za-z0-9.]/.test(clean)) clean = `v${clean}`;
    let name = clean, k = 1;
    while (this.used.has(name)) name = `${clean}_${k++}`;
    this.used.add(name);
    return name;
  }

  placeholder(base: string, shape: readonly number[]): string {
    const name = this.fresh(base);
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: tfAttr.dtype('DT_FLOAT'), shape: tfAttr.shape(shape) } });
    return name;
  }

  private constNode(base: string, shape: readonly number[], dtype: 'float32' | 'int32', data: Float32Array | Int32Array): string {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`Const ${base}: shape [${shape}] needs ${n} values, got ${data.length}`);
    const name = this.fresh(base);
    const dt = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    this.nodes.push({ name, op: 'Const', attr: { value: { tensor: { dtype: dt, tensorShape: dims(shape) } }, dtype: tfAttr.dtype(dt) } });
    this.weights.push({ spec: { name, shape: [...shape], dtype }, data });
    return name;
  }

  f32(base: string, shape: readonly number[], data: Float32Array): string {
    return this.constNode(base, shape, 'float32', data);
  }

  i32(base: string, values: readonly number[], shape: readonly number[] = [values.length]): string {
    return this.constNode(base, shape, 'int32', Int32Array.from(values));
  }

  /** Appends a float op node; returns its name (its first output). */
  op(op: string, base: string, input: string[], attr: Record<string, TfAttr> = {}): string {
    const name = this.fresh(base);
    this.nodes.push({ name, op, input, attr: { T: tfAttr.dtype('DT_FLOAT'), ...attr } });
    return name;
  }

  /**
   * The artifacts, keeping only nodes that `outputs` depend on (and the placeholders). Weights are
   * laid out in node order.
   */
  finish(outputs: readonly string[]): TfjsGraphArtifacts {
    const byName = new Map(this.nodes.map((n) => [n.name, n]));
    const keep = new Set<string>();
    const stack = outputs.map((o) => o.split(':')[0]);
    while (stack.length) {
      const name = stack.pop()!;
      if (keep.has(name)) continue;
      keep.add(name);
      for (const i of byName.get(name)?.input ?? []) stack.push(i.split(':')[0]);
    }
    const nodes = this.nodes.filter((n) => keep.has(n.name) || n.op === 'Placeholder');
    const kept = this.weights.filter((w) => keep.has(w.spec.name));
    const total = kept.reduce((a, w) => a + w.data.byteLength, 0);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const w of kept) {
      bytes.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), at);
      at += w.data.byteLength;
    }
    return {
      format: 'graph-model',
      generatedBy: 'edgeinfer bench exporter',
      convertedBy: 'bench/models/export-tfjs.ts',
      modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
      weightSpecs: kept.map((w) => w.spec),
      weightData: bytes.buffer,
    };
  }
}

/** model.json (weightsManifest pointing at one weights.bin) and the bytes of weights.bin. */
export function tfjsModelFiles(a: TfjsGraphArtifacts): { modelJson: string; weightsBin: Uint8Array } {
  const { weightSpecs, weightData, ...rest } = a;
  const modelJson = JSON.stringify({ ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] });
  return { modelJson, weightsBin: new Uint8Array(weightData) };
}
