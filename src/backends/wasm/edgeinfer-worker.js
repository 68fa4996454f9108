// A thread of the wasm backend's pool (src/backends/wasm/threads.ts), in browsers (a module Web Worker) and in Node
// (worker_threads): instantiates the threaded kernel build on the model's shared memory, says 'ready', then runs
// chunks of each op the calling thread publishes in the control block until told to stop. Plain JavaScript with no
// imports, shipped as a file beside the bundle like the .wasm builds. The control block's layout is threads.ts's:
// keep the two in step.
const GEN = 0, CLAIM = 1, DONE = 2, CHUNKS = 3, FN = 4, TASKS = 5, GRAIN = 6, NARGS = 7, STOP = 8, ERROR = 9, ARGS = 64, MAX_ARGS = 32;
/** Polls of the generation word before sleeping in Atomics.wait: ops follow each other within microseconds. */
const SPIN = 20000;
const nodeThreads = 'node:worker_threads';

function serve(port) {
  port.onmessage = async (e) => {
    const { module, memory, control, names } = e.data;
    let ex;
    try {
      ex = (await WebAssembly.instantiate(module, { env: { memory, abort: () => { throw new Error('abort called by the kernel module'); } } })).exports;
    } catch (err) {
      port.postMessage(`cannot instantiate the threaded kernels: ${err?.message}`);
      return;
    }
    port.postMessage('ready');
    const ctl = new Int32Array(control), args = new Float64Array(control, ARGS * 4, MAX_ARGS), call = [];
    for (let seen = Atomics.load(ctl, GEN); ;) {
      let g, spins = 0;
      while ((g = Atomics.load(ctl, GEN)) === seen) {
        if (++spins > SPIN) {
          Atomics.wait(ctl, GEN, seen);
          spins = 0;
        }
      }
      seen = g;
      if (Atomics.load(ctl, STOP)) return;
      const fn = ex[names[ctl[FN]]], tasks = ctl[TASKS], grain = ctl[GRAIN], n = ctl[CHUNKS], tag = g & 0xffff;
      call.length = ctl[NARGS] + 2;
      for (let i = 2; i < call.length; i++) call[i] = args[i - 2];
      for (;;) {
        // A claim is valid only while the word still carries this job's tag (see threads.ts).
        const w = Atomics.load(ctl, CLAIM), k = w & 0xffff;
        if (w >>> 16 !== tag || k >= n) break;
        if (Atomics.compareExchange(ctl, CLAIM, w, w + 1) !== w) continue;
        call[0] = k * grain;
        call[1] = Math.min(call[0] + grain, tasks);
        try {
          fn.apply(null, call);
        } catch {
          Atomics.store(ctl, ERROR, 1);
        }
        if (Atomics.add(ctl, DONE, 1) + 1 === n) Atomics.notify(ctl, DONE);
      }
    }
  };
}

if (typeof WorkerGlobalScope === 'function') serve(self);
else import(/* webpackIgnore: true */ /* @vite-ignore */ nodeThreads).then((t) => serve(t.parentPort));
