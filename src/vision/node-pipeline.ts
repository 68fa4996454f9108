// Node only: the parallel pipeline behind NodeImageClassifier.classifyFiles and `edgeinfer classify --jobs N`
// (issue #12). N decode workers (node-decode-worker.ts on worker_threads) read, decode and preprocess files
// while the main thread runs the model on the classifier's own queue (and its backend's threads, where the
// wasm backend is threaded), so decoding overlaps inference. Each worker has at most two files at a time
// (one decoding, one waiting undecoded, or its tensor waiting for the model), so memory stays bounded
// whatever the number of files; only the preprocessed tensor crosses threads, its buffer transferred.
// Results come back in input order; a file that fails is reported in its own slot. Workers are terminated
// when the call ends, however it ends: a process that used the pipeline exits by itself.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EdgeInferError, InputError } from '../errors.js';
import { AbortError } from '../runtime/abort.js';
import { check } from '../runtime/session.js';
import type { Classification, ClassifyOptions, ImageClassifier } from './classifier.js';
import { receivedError, type DecodeReply, type DecodeWorkerData } from './node-decode-protocol.js';
import { resolveDecoder, type DecoderChoice, type DecoderName, type ReadImageOptions } from './node-image.js';
import type { PreprocessOptions } from './preprocess.js';

/** The most decode workers one call may ask for: each is a thread with its own heap. */
export const MAX_CONCURRENCY = 64;
/** Files a worker holds at once: one decoding, one next (waiting undecoded, or its tensor waiting for the model). */
const PER_WORKER = 2;
/** Replacements for workers that die (out of memory in a decoder, a crash) before the call gives up on them. */
const RESPAWNS = 2;

/** One file's outcome: `top` when classified, `error` (a typed error) when not. */
export interface FileClassification {
  readonly file: string;
  readonly top?: Classification[];
  readonly error?: EdgeInferError;
  /** The upright size of the image in the file. */
  readonly width?: number;
  readonly height?: number;
  /** The decoder that ran. */
  readonly decoder?: DecoderName;
  /** Reading and decoding the file, in its worker. */
  readonly decodeMs?: number;
  /** Resizing and normalising into the model's input, in its worker. */
  readonly preprocessMs?: number;
  /** The model run (on the classifier's queue) and the ranking. */
  readonly classifyMs?: number;
}

export interface FileProgress {
  /** Files finished (classified or failed), and of how many. */
  readonly done: number;
  readonly total: number;
  /** The file just finished, with its outcome. */
  readonly result: FileClassification;
  readonly index: number;
}

export interface ClassifyFilesOptions extends ClassifyOptions {
  /** Decode workers: default min(cores - 1, 4), at least 1; at most 64. */
  readonly concurrency?: number;
  /** 'auto' (default): sharp where the app installed it, else the built-in decoders; 'sharp' or 'js' to insist. */
  readonly decoder?: DecoderChoice;
  /** Called once per file as it finishes, in the order they finish. */
  readonly onProgress?: (progress: FileProgress) => void;
  /** Aborting stops the run: the call rejects with AbortError and the workers are terminated. */
  readonly signal?: AbortSignal;
}

/** What the pipeline needs of the classifier it feeds. */
export interface PipelineTarget {
  readonly classifier: ImageClassifier;
  readonly read: ReadImageOptions;
  readonly pixels?: PreprocessOptions;
}

export function defaultConcurrency(): number {
  return Math.max(1, Math.min(availableParallelism() - 1, 4));
}

/** How to start a worker: the bundled script (dist/node), or in a checkout the TypeScript source through tsx. */
type WorkerScript = { readonly file: URL } | { readonly code: string };

function workerScript(): WorkerScript {
  const bundled = new URL('./decode-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(bundled))) return { file: bundled };
  const source = new URL('./node-decode-worker.ts', import.meta.url);
  if (existsSync(fileURLToPath(source))) {
    let api: string;
    try {
      // tsx's ESM API (its "import" build): `--import tsx` does not reach a worker's entry module in Node 20.
      api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    } catch (e) {
      throw new EdgeInferError('WORKER_MISSING', `the decode worker is TypeScript source here and needs tsx to run: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return { code: `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(source.href)}); })` };
  }
  throw new EdgeInferError('WORKER_MISSING', `the decode worker script is missing beside ${fileURLToPath(import.meta.url)} (decode-worker.js): rebuild the package`);
}

function aborted(signal: AbortSignal): AbortError {
  const e = new AbortError('classifyFiles', { cause: signal.reason });
  e.message = 'classifyFiles aborted';
  return e;
}

/** One worker thread and the replies it owes; `lost` once it died (its owed files then fail). */
class DecodeWorker {
  readonly #worker: Worker;
  readonly #owed = new Map<number, { resolve: (r: DecodeReply) => void; reject: (e: EdgeInferError) => void }>();
  lost: EdgeInferError | undefined;

  constructor(script: WorkerScript, data: DecodeWorkerData) {
    const options = { workerData: data, execArgv: [], stdout: false, stderr: false };
    this.#worker = 'file' in script ? new Worker(script.file, options) : new Worker(script.code, { ...options, eval: true });
    this.#worker.on('message', (r: DecodeReply) => {
      const owed = this.#owed.get(r.id);
      this.#owed.delete(r.id);
      owed?.resolve(r);
    });
    const die = (why: string, cause?: unknown) => {
      this.lost ??= new EdgeInferError('WORKER_LOST', `a decode worker stopped (${why}) while it held this file`, { cause });
      for (const o of this.#owed.values()) o.reject(this.lost);
      this.#owed.clear();
    };
    this.#worker.on('error', (e) => die(e.message, e));
    this.#worker.on('exit', (code) => die(`exit code ${code}`));
  }

  decode(id: number, path: string): Promise<DecodeReply> {
    if (this.lost) return Promise.reject(this.lost);
    return new Promise((resolve, reject) => {
      this.#owed.set(id, { resolve, reject });
      this.#worker.postMessage({ id, path });
    });
  }

  /** Stops the thread; what it still owed is rejected with `why`. */
  async terminate(why: EdgeInferError): Promise<void> {
    this.lost ??= why;
    for (const o of this.#owed.values()) o.reject(why);
    this.#owed.clear();
    await this.#worker.terminate();
  }
}

/**
 * Classifies image files with `concurrency` decode workers feeding the classifier; one result per path, in
 * order. Options are checked before any worker starts; a bad file is its own result's `error`.
 */
export async function classifyFilesInWorkers(target: PipelineTarget, paths: readonly string[], options: ClassifyFilesOptions = {}): Promise<FileClassification[]> {
  check(Array.isArray(paths), 'paths', 'an array of file paths', paths);
  paths.forEach((p, i) => check(typeof p === 'string' && p.length > 0, `paths[${i}]`, 'a file path', p));
  const { concurrency = defaultConcurrency(), decoder: choice, onProgress, signal, ...classify } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new InputError('options.concurrency must be an integer from 1 to 64', { expected: `1..${MAX_CONCURRENCY}`, received: String(concurrency) });
  }
  check(onProgress === undefined || typeof onProgress === 'function', 'options.onProgress', 'a function', onProgress);
  const { classifier } = target;
  await classifier.classifyBatch([], classify); // checks the ranking options before any thread starts
  if (signal?.aborted) throw aborted(signal);
  const decoder = resolveDecoder(choice);
  const results: FileClassification[] = new Array(paths.length);
  if (paths.length === 0) return results;

  const script = workerScript();
  const data: DecodeWorkerData = { pre: classifier.preprocess, pixels: target.pixels, read: { ...target.read, decoder } };
  const workers: DecodeWorker[] = [];
  const spawn = () => { const w = new DecodeWorker(script, data); workers.push(w); return w; };
  let next = 0, done = 0;
  let stop: AbortError | undefined;
  const onAbort = () => {
    stop ??= aborted(signal!);
    for (const w of workers) void w.terminate(stop);
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const finish = (index: number, result: FileClassification) => {
    results[index] = result;
    done++;
    onProgress?.({ done, total: paths.length, result, index });
  };
  const classifyOne = async (index: number, reply: DecodeReply) => {
    const file = paths[index];
    if (!reply.ok) return finish(index, { file, error: receivedError(reply.error) });
    const { width, height, decoder: used, decodeMs, preprocessMs } = reply;
    const t0 = performance.now();
    const [H, W, C] = [classifier.preprocess.height, classifier.preprocess.width, classifier.preprocess.channels];
    let top;
    try {
      top = await classifier.classify({ shape: [1, H, W, C], data: reply.data }, classify);
    } catch (e) {
      // The model refused this one input (e.g. out of memory): this file's result, not the run's.
      if (e instanceof EdgeInferError) return finish(index, { file, width, height, decoder: used, error: e });
      throw e;
    }
    finish(index, { file, top, width, height, decoder: used, decodeMs: round(decodeMs), preprocessMs: round(preprocessMs), classifyMs: round(performance.now() - t0) });
  };

  // One lane per worker: it takes the next file, and keeps at most PER_WORKER of its files unfinished.
  const lane = async () => {
    let worker = spawn();
    let respawns = RESPAWNS;
    const window: Promise<void>[] = [];
    while (!stop && next < paths.length) {
      if (worker.lost) {
        if (respawns-- <= 0) break;
        worker = spawn();
      }
      const index = next++;
      window.push(worker.decode(index, paths[index]).then(
        (reply) => (stop ? undefined : classifyOne(index, reply)),
        (e: EdgeInferError) => { if (!stop) finish(index, { file: paths[index], error: e }); },
      ));
      if (window.length >= PER_WORKER) await window.shift();
    }
    await Promise.all(window);
  };

  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, lane));
    if (stop) throw stop;
    // Files no lane could take: every worker died more often than it was replaced.
    const lost = new EdgeInferError('WORKER_LOST', 'every decode worker stopped before this file was decoded');
    while (next < paths.length) { const i = next++; finish(i, { file: paths[i], error: lost }); }
    return results;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    const end = new EdgeInferError('WORKER_LOST', 'classifyFiles ended');
    await Promise.all(workers.map((w) => w.terminate(end)));
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
