// The one queue of a model: runs (and work such as a warm start's switch) take turns, first come first
// served. A run queued while the queue is idle starts at once, synchronously, so its inputs are read
// before run() returns; callers copy inputs only when they have to wait (snapshotFeeds). Work that waited
// starts after a macrotask, so a long queue of runs lets timers, I/O and rendering have their turn between
// two runs instead of chaining them all as microtasks (issue #18: 5,000 queued runs starved a 10 ms timer).
import { ResourceError } from '../errors.js';

/**
 * Resolves after a macrotask: a MessageChannel message (Node, browsers, workers), which setTimeout(0) is not:
 * browsers clamp nested timeouts to 4 ms.
 */
const macrotask = (): Promise<unknown> => new Promise((resolve) => {
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = (m) => { port1.close(); resolve(m); };
  port2.postMessage(0);
});

export class RunQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;
  #lent = false;

  /** `max`: how many runs of a LoadedModel (work enqueued with `lend`) may wait behind the running one (LoadOptions.maxQueue). */
  constructor(readonly max = Infinity) {}

  /** Nothing running or waiting: work enqueued now starts synchronously. */
  get idle(): boolean {
    return this.#waiting === 0;
  }

  /**
   * True while the running work was enqueued with `lend` (LoadedModel.use): the sessions on this queue run
   * at once when asked, as that work holds the turn for them.
   */
  get lent(): boolean {
    return this.#lent;
  }

  /** Rejects with ResourceError 'QUEUE_FULL' instead when `lend` (an app's run) and `max` runs already wait. */
  enqueue<T>(work: () => Promise<T>, lend = false): Promise<T> {
    if (lend && this.#waiting > this.max) {
      return Promise.reject(new ResourceError('QUEUE_FULL', `${this.max} runs already wait (maxQueue)`));
    }
    const start = async (): Promise<T> => {
      this.#lent = lend;
      try {
        return await work();
      } finally {
        this.#lent = false;
      }
    };
    const result = this.#waiting === 0 ? start() : this.#tail.then(macrotask).then(start);
    this.#waiting++;
    this.#tail = result.then(() => undefined, () => undefined).then(() => { this.#waiting--; });
    return result;
  }
}

const BACKEND_QUEUES = new WeakMap<object, RunQueue>();

/** The queue of sessions opened on `backend` without an owner's queue: sessions sharing a backend take turns. */
export function queueOf(backend: object): RunQueue {
  let q = BACKEND_QUEUES.get(backend);
  if (!q) BACKEND_QUEUES.set(backend, q = new RunQueue());
  return q;
}
