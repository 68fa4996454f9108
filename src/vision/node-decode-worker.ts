// A decode thread of the Node pipeline (node-pipeline.ts), on worker_threads: reads an image file (regular
// files only, size-capped: node-file.ts), decodes it (sharp or the JS decoders: node-image.ts, with every
// limit checked before decoding) and preprocesses it to the model's input; only that small tensor goes
// back, its buffer transferred, not copied. One file at a time, in the order they come: a second request
// waits undecoded, so a worker holds one decoded image at most. Errors go back as plain data and are
// rebuilt as our typed errors on the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { EdgeInferError, InputError, ResourceError } from '../errors.js';
import { readImageFileFor } from './node-image.js';
import type { DecodeRequest, DecodeReply, DecodeWorkerData, SentError } from './node-decode-protocol.js';
import { preprocessImage } from './preprocess-tensors.js';

const { pre, pixels, read } = workerData as DecodeWorkerData;
const port = parentPort!;
let turn: Promise<void> = Promise.resolve();

/** The message without the " (expected …)" / " (needs …)" tail its constructor added: the main thread adds it again. */
function base(message: string, tail: RegExp): string {
  return message.replace(tail, '');
}

function sent(e: unknown): SentError {
  if (e instanceof InputError) {
    return { kind: 'input', message: base(e.message, / \(expected [^]*, received [^]*\)$/), expected: e.expected, received: e.received };
  }
  if (e instanceof ResourceError) {
    return { kind: 'resource', code: e.code as 'OUT_OF_MEMORY' | 'QUEUE_FULL', message: base(e.message, / \(needs [^]*, limit [^]*\)$/), needed: e.needed, limit: e.limit };
  }
  if (e instanceof EdgeInferError) return { kind: 'other', code: e.code, message: e.message };
  // Anything else is a bug or the host (out of memory in the decoder): named, never a stack in the output.
  const m = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { kind: 'other', code: /allocat|out of memory|Array buffer/i.test(m) ? 'OUT_OF_MEMORY' : 'DECODE_FAILED', message: m };
}

async function decode({ id, path }: DecodeRequest): Promise<void> {
  const t0 = performance.now();
  let reply: DecodeReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const got = await readImageFileFor(path, pre, { ...read, background: pixels?.background });
    const t1 = performance.now();
    const data = preprocessImage(got.image, pre, pixels).data as Float32Array;
    transfer.push(data.buffer as ArrayBuffer);
    reply = { id, ok: true, data, width: got.width, height: got.height, decoder: got.decoder, decodeMs: t1 - t0, preprocessMs: performance.now() - t1 };
  } catch (e) {
    reply = { id, ok: false, error: sent(e) };
  }
  port.postMessage(reply, transfer);
}

port.on('message', (req: DecodeRequest) => {
  turn = turn.then(() => decode(req));
});
