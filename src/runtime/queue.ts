// The one queue of a model: runs (and work such as a warm start's switch) take turns, first come first
// served. A run queued while the queue is idle starts at once, synchronously, so its inputs are read
// before run() returns; callers copy inputs only when they have to wait (snapshotFeeds).
export class RunQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;
  #lent = false;

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

  enqueue<T>(work: () => Promise<T>, lend = false): Promise<T> {
    const start = async (): Promise<T> => {
      this.#lent = lend;
      try {
        return await work();
      } finally {
        this.#lent = false;
      }
    };
    const result = this.#waiting === 0 ? start() : this.#tail.then(start);
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
