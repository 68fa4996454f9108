// Live classification of a playing <video> (a camera stream, a file): one frame at a time, never a
// queue. Frames arriving while a classification (or an async onResult) is in flight are dropped and
// counted; maxFps throttles. Browser-only at run time, importable anywhere (DOM looked up when called).
// Frames normally take the fused path: the backend's preprocess and rank stages around the model in one run
// (Session.stagedRun), so only the top k come back; on webgpu the frame never reaches JS at all.
import type { BackendName } from '../backends/backend.js';
import { InputError } from '../errors.js';
import type { GlobalType } from '../globals.js';
import { checkPositiveInt, type Classification, type ClassifyOptions } from './ranking.js';
import { describe } from '../runtime/session.js';

export interface VideoClassifyOptions extends ClassifyOptions {
  /** At most this many classifications per second (default: as many as frames and latency allow). */
  readonly maxFps?: number;
  /** Called once with the error (from classify or from onResult) that ended the loop. Without it, `done` rejects. */
  readonly onError?: (error: unknown) => void;
  /** Aborting it stops the loop, as stop() does. */
  readonly signal?: AbortSignal;
  /**
   * Steadies `top` across frames: each class's score becomes `smoothing` × its previous smoothed score + (1 −
   * `smoothing`) × this frame's (0 for a class outside this frame's ranking), an exponential moving average per
   * result. 0 ≤ smoothing < 1; 0 (the default) is off, 0.5 halves a change's weight each frame, 0.9 takes about 10.
   */
  readonly smoothing?: number;
}

export interface VideoResult {
  /** The ranked classes: the frame's own (`raw`), or with `smoothing` its smoothed scores ranked again, as many. */
  readonly top: Classification[];
  /** The frame's own ranked classes, unsmoothed. */
  readonly raw: Classification[];
  /** Milliseconds from reading the frame to having its classes. */
  readonly latencyMs: number;
  /** Media time of the classified frame, in seconds (rVFC's mediaTime, else video.currentTime). */
  readonly frameTime: number;
  /** Frames that arrived while a classification was in flight, so far in this loop: skipped, never queued. */
  readonly dropped: number;
  /**
   * 'fused': preprocessed, run and ranked by the backend in one run, only the top classes coming back (on
   * webgpu the frame goes from the video to the GPU directly; on wasm and js its RGBA bytes are read through a
   * canvas); 'canvas': read through a canvas and preprocessed and ranked in JS, as classify() does (no fused
   * path: pixels.background set, a model that is not one image in, one row of scores out).
   */
  readonly path: 'fused' | 'canvas';
  /** The backend that ran the fused path (undefined on the canvas path). */
  readonly backend?: BackendName;
}

/**
 * Receives each result. A returned promise is waited for before the next frame is taken: a slow
 * consumer gets fewer, fresh frames rather than a backlog.
 */
export type VideoResultCallback = (result: VideoResult) => void | Promise<void>;

export interface VideoLoop {
  /** Ends the loop: no onResult or onError call after it returns. Idempotent. */
  stop(): void;
  /** Settles once the loop has ended (stop, abort or error) and no classification is running any more. */
  readonly done: Promise<void>;
  /** What paces the loop: per video frame where the browser has it, else per display refresh. */
  readonly driver: 'requestVideoFrameCallback' | 'requestAnimationFrame';
}

type FrameCallback = (now: number, metadata?: { mediaTime?: number; presentedFrames?: number }) => void;
interface VideoLike {
  currentTime: number;
  requestVideoFrameCallback?: (cb: FrameCallback) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
}

function isVideoElement(v: unknown): v is HTMLVideoElement {
  if (typeof v !== 'object' || v === null) return false;
  const ctor = (globalThis as { HTMLVideoElement?: unknown }).HTMLVideoElement;
  if (typeof ctor === 'function' && v instanceof (ctor as typeof HTMLVideoElement)) return true;
  // A <video> from another realm (an iframe) fails instanceof.
  return Object.prototype.toString.call(v) === '[object HTMLVideoElement]';
}

/**
 * The EMA behind `smoothing` (a per result, in (0, 1)): the smoothed ranking of each frame's. Classes fall out once
 * their score decays below 1e-4, so it holds at most the classes seen lately (and never more than the model has).
 */
export function smoother(a: number): (top: Classification[]) => Classification[] {
  const ema = new Map<number, Classification>();
  return (top) => {
    for (const [i, c] of ema) ema.set(i, { ...c, score: a * c.score });
    for (const c of top) ema.set(c.index, { ...c, score: (ema.get(c.index)?.score ?? 0) + (1 - a) * c.score });
    for (const [i, c] of ema) if (c.score < 1e-4) ema.delete(i);
    return [...ema.values()].sort((x, y) => y.score - x.score).slice(0, top.length);
  };
}

/**
 * Classifies the video's current frame on the fused path (the classifier's staged run). Undefined, or a
 * promise of undefined, when there is no such path now (its model's backend may change, even while the frame
 * waits its turn): the canvas path takes the frame.
 */
export type FrameClassify = (video: GlobalType<'HTMLVideoElement', never>) => Promise<{ top: Classification[]; backend: BackendName } | undefined> | undefined;

/**
 * Runs `classify` on `video`'s frames until stopped. `classify` is the classifier's own classify()
 * (video.ts knows nothing of models); `frames`, when given, is asked once for a fused path for these options
 * (it validates them, and may have none). Bad arguments throw an InputError here, synchronously.
 */
export function classifyVideo(
  classify: (frame: GlobalType<'HTMLVideoElement', never>, options: ClassifyOptions) => Promise<Classification[]>,
  video: GlobalType<'HTMLVideoElement', never>,
  onResult: VideoResultCallback,
  options: VideoClassifyOptions = {},
  frames?: (options: ClassifyOptions) => FrameClassify | undefined,
): VideoLoop {
  if (!isVideoElement(video)) {
    throw new InputError('classifyVideo needs an HTMLVideoElement (a browser page)', { expected: 'HTMLVideoElement', received: describe(video) });
  }
  if (typeof onResult !== 'function') {
    throw new InputError('classifyVideo: onResult must be a function', { expected: 'function', received: describe(onResult) });
  }
  const { maxFps, onError, signal, smoothing = 0, ...classifyOptions } = options;
  if (maxFps !== undefined && !(typeof maxFps === 'number' && maxFps > 0)) {
    throw new InputError('classifyVideo: maxFps must be a positive number', { expected: 'a number > 0', received: String(maxFps) });
  }
  if (!(typeof smoothing == 'number' && smoothing >= 0 && smoothing < 1)) {
    throw new InputError('classifyVideo: smoothing must be a number in [0, 1)', { expected: '0 <= smoothing < 1', received: String(smoothing) });
  }
  const smooth = smoothing > 0 ? smoother(smoothing) : undefined;
  if (onError !== undefined && typeof onError !== 'function') {
    throw new InputError('classifyVideo: onError must be a function', { expected: 'function', received: describe(onError) });
  }
  if (classifyOptions.topK !== undefined) checkPositiveInt(classifyOptions.topK, 'topK');

  const v = video as unknown as VideoLike;
  const byFrame = typeof v.requestVideoFrameCallback === 'function';
  const raf = (globalThis as { requestAnimationFrame?: (cb: FrameRequestCallback) => number }).requestAnimationFrame;
  if (!byFrame && typeof raf !== 'function') {
    throw new InputError('classifyVideo: this context can neither requestVideoFrameCallback nor requestAnimationFrame', {
      expected: 'a browser window', received: 'neither function',
    });
  }
  const request = (cb: FrameCallback): number => (byFrame ? v.requestVideoFrameCallback!(cb) : raf!((now) => cb(now)));
  const cancel = (h: number): void => {
    if (byFrame) v.cancelVideoFrameCallback?.(h);
    else (globalThis as { cancelAnimationFrame?: (h: number) => void }).cancelAnimationFrame?.(h);
  };

  const fused = frames?.(classifyOptions);
  const interval = maxFps === undefined ? 0 : 1000 / maxFps;
  let stopped = false;
  let pending: number | undefined;
  let busy = false;
  /** A cycle ended since the last callback: frames we never saw in between came while busy. */
  let busySinceLast = false;
  let nextDue = -Infinity;
  let dropped = 0;
  let lastPresented: number | undefined;
  let lastMediaTime: number | undefined;
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => { resolveDone = res; rejectDone = rej; });

  const finish = (error?: { e: unknown }): void => {
    if (error === undefined) return resolveDone();
    if (onError) {
      try { onError(error.e); } catch { /* the loop is over either way; a throwing handler must not hang done */ }
      resolveDone();
    } else {
      rejectDone(error.e);
    }
  };

  const onAbort = (): void => stop();
  function stop(): void {
    if (stopped) return;
    stopped = true;
    if (pending !== undefined) cancel(pending);
    pending = undefined;
    signal?.removeEventListener('abort', onAbort);
    // A cycle in flight settles done itself, so that the caller may dispose the classifier after `await done`.
    if (!busy) finish();
  }

  async function cycle(frameTime: number): Promise<void> {
    const t0 = performance.now();
    let failure: { e: unknown } | undefined;
    try {
      const staged = await fused?.(video);
      const raw = staged?.top ?? await classify(video, classifyOptions);
      if (!stopped) {
        await onResult({ top: smooth?.(raw) ?? raw, raw, latencyMs: performance.now() - t0, frameTime, dropped, path: staged ? 'fused' : 'canvas', backend: staged?.backend });
      }
    } catch (e) {
      failure = { e };
    }
    busy = false;
    busySinceLast = true;
    if (stopped) {
      finish(); // stop() came while this cycle ran: it left done to us, and errors after it are nobody's
    } else if (failure) {
      stopped = true;
      if (pending !== undefined) cancel(pending);
      pending = undefined;
      signal?.removeEventListener('abort', onAbort);
      finish(failure);
    }
  }

  const onFrame: FrameCallback = (now, metadata) => {
    pending = undefined;
    if (stopped) return;
    pending = request(onFrame);
    let fresh: number;
    let mediaTime: number;
    if (byFrame) {
      mediaTime = metadata?.mediaTime ?? v.currentTime;
      const presented = metadata?.presentedFrames;
      fresh = presented !== undefined && lastPresented !== undefined ? Math.max(1, presented - lastPresented) : 1;
      lastPresented = presented;
    } else {
      // A display refresh without a new video frame is no frame at all.
      mediaTime = v.currentTime;
      if (mediaTime === lastMediaTime || (video.readyState ?? 0) < 2) return;
      fresh = 1;
    }
    lastMediaTime = mediaTime;
    // Frames presented between two callbacks were never handed to us; they count as dropped when work was running then.
    if (busy || busySinceLast) dropped += fresh - 1;
    busySinceLast = false;
    if (busy) {
      dropped += 1;
      return;
    }
    if (now < nextDue) return;
    // Late by less than an interval: keep the grid (no drift); later (a pause, a slow run): start
    // afresh from now rather than catch up in a burst.
    nextDue = now - nextDue < interval ? nextDue + interval : now + interval;
    busy = true;
    void cycle(mediaTime);
  };

  if (signal?.aborted) {
    stopped = true;
    finish();
  } else {
    signal?.addEventListener('abort', onAbort);
    pending = request(onFrame);
  }
  return { stop, done, driver: byFrame ? 'requestVideoFrameCallback' : 'requestAnimationFrame' };
}
