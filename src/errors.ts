// Every failure the SDK reports is one of these: callers can branch on `instanceof`
// or on `code`, and the message always names what went wrong and where. Messages quote names from model
// files and callers; their control characters are escaped (src/sanitize.ts), so a message is safe to print
// or log. The fields (`node`, `op`, `where`, …) keep the raw strings for programs that match on them.
import { sanitize } from './sanitize.js';

export class EdgeInferError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(sanitize(message), options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A model file (.eim, ONNX, TF.js) is malformed: `where` locates the problem (byte offset, field path). */
export class ModelFormatError extends EdgeInferError {
  readonly where: string;
  constructor(message: string, where: string, options?: { cause?: unknown }) {
    super('MODEL_FORMAT', `${message} (at ${where})`, options);
    this.where = where;
  }
}

/** An op, or an attribute value of an op, that edgeinfer does not implement. */
export class UnsupportedOpError extends EdgeInferError {
  readonly op: string;
  readonly node: string;
  readonly model: string;
  constructor(op: string, node: string, model: string, detail?: string) {
    super('UNSUPPORTED_OP', `unsupported op ${op}${detail ? ` (${detail})` : ''} at node "${node}" of model "${model}"`);
    this.op = op;
    this.node = node;
    this.model = model;
  }
}

/** A tensor or image given to the SDK does not fit what the model expects. */
export class InputError extends EdgeInferError {
  readonly expected?: string;
  readonly received?: string;
  constructor(message: string, details: { expected?: string; received?: string } = {}, options?: { cause?: unknown }) {
    const shapes = details.expected !== undefined || details.received !== undefined
      ? ` (expected ${details.expected ?? '?'}, received ${details.received ?? '?'})` : '';
    super('INPUT', message + shapes, options);
    this.expected = details.expected;
    this.received = details.received;
  }
}

/** The requested backend cannot run here, or cannot run this model. */
export class BackendUnavailableError extends EdgeInferError {
  readonly backend: string;
  /** The model's ops that the backend lacks, when that is the reason. */
  readonly missingOps?: readonly string[];
  constructor(backend: string, reason: string, missingOps?: readonly string[]) {
    super('BACKEND_UNAVAILABLE', `backend ${backend} unavailable: ${reason}`);
    this.backend = backend;
    if (missingOps) this.missingOps = missingOps;
  }
}

/** A backend failed while running (GPU device lost, wasm trap, out of memory). */
export class BackendLostError extends EdgeInferError {
  readonly backend: string;
  constructor(backend: string, reason: string, options?: { cause?: unknown }) {
    super('BACKEND_LOST', `backend ${backend} lost: ${reason}`, options);
    this.backend = backend;
  }
}

/** The graph itself is inconsistent (a dangling input, a shape that cannot be inferred). */
export class GraphError extends EdgeInferError {
  readonly node: string;
  constructor(message: string, node: string) {
    super('GRAPH', `${message} (node "${node}")`);
    this.node = node;
  }
}

/**
 * A limit was reached and nothing ran; the backend is still usable. code 'OUT_OF_MEMORY': the run needs more
 * memory than its backend can give (`needed` and `limit` in bytes when known before it started: a smaller
 * batch may fit). code 'QUEUE_FULL': LoadOptions.maxQueue runs already wait for their turn.
 */
export class ResourceError extends EdgeInferError {
  constructor(code: 'OUT_OF_MEMORY' | 'QUEUE_FULL', message: string, readonly needed?: number, readonly limit?: number, options?: { cause?: unknown }) {
    super(code, message + (needed ? ` (needs ${needed}, limit ${limit})` : ''), options);
  }
}
