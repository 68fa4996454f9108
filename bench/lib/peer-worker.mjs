// A peer runtime with its own thread count, on a worker_thread of the Node bench (peer-threads.ts drives it).
// Why a worker: onnxruntime-web and tfjs keep one engine per module graph, whose thread count is fixed when it
// starts, and the bench's main thread already runs them on one thread (onnxruntime-web is its output reference).
// A worker has its own module graph, so its engine starts with `threads`. Each run is timed here, around the
// inference alone: the message to and from the main thread is not the peer's cost.
// Plain JS: Node starts it without a TypeScript loader.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const { kind, threads } = workerData;
const require = createRequire(import.meta.url);
/** OS threads of this process (Linux): an engine that starts a pthread pool adds some. */
const osThreads = () => { try { return readdirSync('/proc/self/task').length; } catch { return undefined; } };
const sessions = new Map();
let ort, tf, wasm;

const engines = {
  ort: {
    /** The first session starts the engine; its thread pool shows as new OS threads. */
    async init(tiny) {
      ort = await import('onnxruntime-web');
      ort.env.wasm.numThreads = threads;
      ort.env.logLevel = 'error';
      const before = osThreads();
      const t = performance.now();
      const s = await ort.InferenceSession.create(tiny, { executionProviders: ['wasm'] });
      const engineMs = performance.now() - t;
      await s.release();
      const added = before === undefined ? undefined : osThreads() - before;
      // onnxruntime-web sets numThreads back to 1 (with a console warning) where it cannot start threads.
      if (ort.env.wasm.numThreads !== threads) return { reason: `onnxruntime-web fell back to ${ort.env.wasm.numThreads} thread(s)` };
      if (added !== undefined && added < threads - 1) return { reason: `numThreads ${threads}, but only ${added} OS thread(s) started` };
      return { engineMs, verified: `numThreads ${ort.env.wasm.numThreads}${added === undefined ? '' : `, +${added} OS threads`}` };
    },
    async load(id, m) {
      const session = await ort.InferenceSession.create(m.bytes, { executionProviders: ['wasm'] });
      const out = session.outputNames[0];
      sessions.set(id, {
        run: async (x) => {
          const r = await session.run({ [m.inputName]: new ort.Tensor('float32', x, m.dims) });
          const data = r[out].data;
          r[out].dispose();
          return data;
        },
        dispose: () => session.release(),
      });
    },
  },
  tfjs: {
    /** tfjs turns threads off in Node (tfjs#3830); forced on here, so that what stops them is its own error. */
    async init() {
      tf = require('@tensorflow/tfjs');
      wasm = require('@tensorflow/tfjs-backend-wasm');
      const errors = [];
      const logged = console.error, warned = console.warn;
      console.error = console.warn = (...a) => errors.push(a.map(String).join(' ').split('\n')[0]);
      const flag = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      wasm.setThreadsCount(threads);
      const t = performance.now();
      let ok = false;
      try {
        ok = await tf.setBackend('wasm');
        await tf.ready();
      } catch (e) {
        errors.push(String(e?.message ?? e).split('\n')[0]);
      } finally {
        console.error = logged;
        console.warn = warned;
      }
      const engineMs = performance.now() - t;
      const why = `WASM_HAS_MULTITHREAD_SUPPORT is ${flag} in Node (tfjs#3830)`;
      const error = errors.find((e) => /ERR_WORKER|Error/.test(e)) ?? errors[0] ?? 'setBackend false';
      const said = /ERR_WORKER_PATH/.test(error) ? 'its pthread worker is a blob: URL, which worker_threads cannot start (ERR_WORKER_PATH)' : error;
      if (!ok) return { reason: `no threads in Node: ${why}; forced on, ${said}` };
      if (wasm.getThreadsCount() !== threads) return { reason: `getThreadsCount() is ${wasm.getThreadsCount()}, not ${threads} (${why})` };
      return { engineMs, verified: `getThreadsCount() ${wasm.getThreadsCount()}` };
    },
    async load(id, m) {
      const gm = await tf.loadGraphModel(tf.io.fromMemory(m.artifacts));
      sessions.set(id, {
        run: async (x) => {
          const t = tf.tensor(x, m.shape);
          const y = gm.execute(t);
          const data = y.dataSync();
          t.dispose();
          y.dispose();
          return data;
        },
        dispose: () => gm.dispose(),
      });
    },
  },
};

const handlers = {
  init: ({ tiny }) => engines[kind].init(tiny),
  load: async ({ id, model }) => {
    await engines[kind].load(id, model);
    sessions.get(id).inputs = model.inputs;
    sessions.get(id).k = 0;
    return {};
  },
  run: async ({ id }) => {
    const s = sessions.get(id);
    const t = performance.now();
    const out = await s.run(s.inputs[s.k++ % s.inputs.length]);
    const ms = performance.now() - t;
    return { out, ms };
  },
  dispose: async ({ id }) => {
    await sessions.get(id)?.dispose();
    sessions.delete(id);
    return {};
  },
};

parentPort.on('message', async (msg) => {
  try {
    parentPort.postMessage({ seq: msg.seq, ...(await handlers[msg.op](msg)) });
  } catch (e) {
    parentPort.postMessage({ seq: msg.seq, error: String(e?.message ?? e).split('\n')[0] });
  }
});
