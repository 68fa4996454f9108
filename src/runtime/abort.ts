// Cancellation for load(): an AbortSignal is checked between stages and raced against waits; a
// cancelled load always rejects with AbortError (code 'ABORTED'), whatever stage it was in.
import { EdgeInferError } from '../errors.js';

/** Named like the DOM's AbortError so `e.name === 'AbortError'` checks written for fetch also match. */
export class AbortError extends EdgeInferError {
  /** The stage that noticed the abort, e.g. "download", "backend trial (wasm)". */
  readonly stage: string;
  constructor(stage: string, options?: { cause?: unknown }) {
    super('ABORTED', `model load aborted during ${stage}`, options);
    this.stage = stage;
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, stage: string): void {
  if (signal?.aborted) throw new AbortError(stage, { cause: signal.reason });
}

/**
 * Settles with `work`, or rejects with AbortError as soon as `signal` fires. The work itself is not
 * stopped (callers cancel what they can), so its late rejection is swallowed here.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, stage: string): Promise<T> {
  if (!signal) return work;
  throwIfAborted(signal, stage);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError(stage, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(signal.aborted ? new AbortError(stage, { cause: signal.reason }) : e); },
    );
  });
}
