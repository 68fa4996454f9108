// The GPU bench page: the three WebGPU runtimes side by side on one page, each on its own GPUDevice, over
// the same model bytes and inputs that run.ts serves under /m/<model>/. Every byte is fetched before any
// clock starts. Each runtime is driven through the same four calls: init (engine and device), load (model
// load plus the first inference, read back: the cold figure), time (warm runs) and dispose.
import * as ort from '/ort/ort.webgpu.min.mjs';
import { readEim, Session, webgpuProvider } from '/edgeinfer/edgeinfer.js';

const now = () => performance.now();

async function bytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function f32(url) {
  const b = await bytes(url);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/** Case files: model forms and `count` input variants, in IR layout (NHWC / batch-first) and ONNX layout. */
async function fetchCase(c) {
  const base = `/m/${c.model}`;
  const [eim, onnx, topology, tfWeights] = await Promise.all([
    bytes(`${base}/model.eim`), bytes(`${base}/model.onnx`), fetch(`${base}/tfjs.json`).then((r) => r.json()), bytes(`${base}/tfjs.bin`),
  ]);
  const inputs = [];
  for (let k = 0; k < c.count; k++) {
    inputs.push({ ir: await f32(`${base}/b${c.batch}/ir-${k}.f32`), onnx: await f32(`${base}/b${c.batch}/onnx-${k}.f32`) });
  }
  return { eim, onnx, topology, tfWeights, inputs };
}

class Edgeinfer {
  precision = 'f32';

  /** The backend: its own GPUDevice and pipeline cache (one per page, and the page runs one case). */
  async init() {
    this.backend = await webgpuProvider(navigator.gpu).create({ precision: this.precision });
  }

  async load(c, data) {
    const graph = readEim(data.eim);
    this.session = await Session.create(graph, { backend: this.backend });
    this.input = graph.inputs[0].name;
    this.output = graph.outputs[0].name;
  }

  async run(x) {
    return (await this.session.run({ [this.input]: x.ir }))[this.output].data;
  }

  dispose() {
    this.session?.dispose();
    this.session = undefined;
  }
}

/** The same backend storing weights and activations as f16. */
class EdgeinferF16 extends Edgeinfer {
  precision = 'f16';
}

class Tfjs {
  async init() {
    const tf = globalThis.tf;
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
    await tf.ready();
    this.tf = tf;
  }

  async load(c, data) {
    const tf = this.tf;
    this.model = await tf.loadGraphModel(tf.io.fromMemory({ ...data.topology, weightData: data.tfWeights.buffer }));
    this.shape = c.irShape;
  }

  async run(x) {
    const tf = this.tf;
    const t = tf.tensor(x.ir, this.shape);
    const y = this.model.execute(t);
    const out = await y.data();
    t.dispose();
    y.dispose();
    return out;
  }

  dispose() {
    this.model?.dispose();
    this.model = undefined;
  }
}

class Ort {
  async init(tiny) {
    ort.env.wasm.wasmPaths = '/ort/';
    ort.env.wasm.numThreads = 1;
    // The webgpu EP starts (wasm instantiated, device requested) with the first session: a one-node model.
    const s = await ort.InferenceSession.create(tiny, { executionProviders: ['webgpu'] });
    await s.release();
  }

  async load(c, data) {
    this.session = await ort.InferenceSession.create(data.onnx, { executionProviders: ['webgpu'] });
    this.input = this.session.inputNames[0];
    this.output = this.session.outputNames[0];
    this.dims = c.onnxShape;
  }

  async run(x) {
    const r = await this.session.run({ [this.input]: new ort.Tensor('float32', x.onnx, this.dims) });
    const y = r[this.output];
    // Outputs come back on the CPU (the EP's default), so `data` is the read-back result.
    const out = y.data;
    y.dispose?.();
    return out;
  }

  dispose() {
    this.session?.release();
    this.session = undefined;
  }
}

const RUNTIMES = { edgeinfer: Edgeinfer, 'edgeinfer-f16': EdgeinferF16, tfjs: Tfjs, ort: Ort };
const live = {};
let caseData;
let k = 0;

function errorText(e) {
  return `${e?.name ?? 'Error'}: ${String(e?.message ?? e).split('\n')[0]}`;
}

globalThis.pageApi = {
  async adapter() {
    const a = await navigator.gpu?.requestAdapter();
    if (!a) return undefined;
    return { vendor: a.info.vendor, architecture: a.info.architecture, fallback: Boolean(a.info.isFallbackAdapter), f16: a.features.has('shader-f16') };
  },

  async fetchCase(c) {
    caseData = await fetchCase(c);
    return true;
  },

  /** Engine start-up; returns ms or an error text. */
  async init(name) {
    const r = new RUNTIMES[name]();
    const tiny = name === 'ort' ? await bytes('/m/tiny.onnx') : undefined;
    const t = now();
    try {
      await r.init(tiny);
    } catch (e) {
      return { error: errorText(e) };
    }
    live[name] = r;
    return { initMs: now() - t };
  },

  /** Cold: model load plus the first inference with its read-back. */
  async cold(name, c) {
    const r = live[name];
    const t0 = now();
    try {
      await r.load(c, caseData);
      const t1 = now();
      const out = await r.run(caseData.inputs[0]);
      const t2 = now();
      return { loadMs: t1 - t0, firstMs: t2 - t1, coldMs: t2 - t0, output: Array.from(out) };
    } catch (e) {
      r.dispose();
      return { error: errorText(e) };
    }
  },

  /** `runs` warm inferences (inputs cycled so nothing can be answered from a cache); ms each. */
  async time(name, runs) {
    const r = live[name];
    const times = [];
    for (let i = 0; i < runs; i++) {
      const x = caseData.inputs[k++ % caseData.inputs.length];
      const t = now();
      await r.run(x);
      times.push(now() - t);
    }
    return times;
  },

  dispose(name) {
    live[name]?.dispose();
  },
};
