// The messages between the Node pipeline (node-pipeline.ts) and its decode workers (node-decode-worker.ts),
// and the typed errors rebuilt from what a worker sends back. Types and one function, no worker code.
import { EdgeInferError, InputError, ResourceError } from '../errors.js';
import type { ImagePreprocess } from '../graph/ir.js';
import type { DecoderName, ReadImageOptions } from './node-image.js';
import type { PreprocessOptions } from './preprocess.js';

/** Given to each worker once, at its start. */
export interface DecodeWorkerData {
  readonly pre: ImagePreprocess;
  readonly pixels?: PreprocessOptions;
  /** The file and decode limits, and the decoder the main thread resolved (so every worker uses the same). */
  readonly read: ReadImageOptions & { readonly decoder: DecoderName };
}

export interface DecodeRequest {
  readonly id: number;
  readonly path: string;
}

/** An error as data: what structured cloning keeps of our typed errors. */
export type SentError =
  | { kind: 'input'; message: string; expected?: string; received?: string }
  | { kind: 'resource'; code: 'OUT_OF_MEMORY' | 'QUEUE_FULL'; message: string; needed?: number; limit?: number }
  | { kind: 'other'; code: string; message: string };

export type DecodeReply =
  | {
    id: number; ok: true;
    /** The preprocessed image, [H, W, C] of the model's input (its buffer transferred). */
    data: Float32Array;
    width: number; height: number; decoder: DecoderName; decodeMs: number; preprocessMs: number;
  }
  | { id: number; ok: false; error: SentError };

/** The typed error a worker's report stands for. */
export function receivedError(e: SentError): EdgeInferError {
  if (e.kind === 'input') return new InputError(e.message, { expected: e.expected, received: e.received });
  if (e.kind === 'resource') return new ResourceError(e.code, e.message, e.needed, e.limit);
  return new EdgeInferError(e.code, e.message);
}
