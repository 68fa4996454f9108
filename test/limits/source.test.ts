// Model sources that stream (a Response, a Blob, a URL through an injected fetch): the declared length
// against maxModelBytes before anything is buffered, and a stall timeout on the response and every chunk.
// The same over real HTTP, in child processes: limits.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { MAX_MODEL_BYTES, STALL_MS } from '../../src/format/stream.js';
import { load as loadCore } from '../../src/runtime/load.js';

const CNN = new Uint8Array(readFileSync(new URL('../../models/fashion/cnn-int8.eim', import.meta.url)));
const js = { backend: 'js', cache: false } as const;

/** A body that yields `bytes` in 1 KiB chunks, then (unless it ends) nothing ever again; counts its pulls. */
function body(bytes: Uint8Array, end = true): { stream: ReadableStream<Uint8Array>; pulls: () => number; cancelled: () => boolean } {
  let at = 0, pulls = 0, cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      pulls++;
      if (at < bytes.length) {
        c.enqueue(bytes.slice(at, at += 1024));
      } else if (end) {
        c.close();
      } else {
        return new Promise<void>(() => undefined);
      }
      return undefined;
    },
    cancel() { cancelled = true; },
  }, { highWaterMark: 0 });
  return { stream, pulls: () => pulls, cancelled: () => cancelled };
}

async function formatError(p: Promise<unknown>, message: RegExp): Promise<ModelFormatError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ModelFormatError);
  expect((e as Error).message).toMatch(message);
  return e as ModelFormatError;
}

describe('model sources: size cap and stall timeout', () => {
  it('defaults: 1 GiB, as for model files in Node, and 30 s without data', () => {
    expect(MAX_MODEL_BYTES).toBe(2 ** 30);
    expect(STALL_MS).toBe(30_000);
  });

  it('a Content-Length over maxModelBytes is refused before the body is read', async () => {
    const b = body(CNN);
    const response = new Response(b.stream, { headers: { 'content-length': String(CNN.length) } });
    await formatError(loadCore(response, { ...js, maxModelBytes: CNN.length - 1 }), new RegExp(`^the model is ${CNN.length} bytes, over the limit of ${CNN.length - 1} \\(maxModelBytes\\)`));
    expect(b.pulls()).toBe(0);
    expect(b.cancelled()).toBe(true);
  });

  it('a Blob over maxModelBytes is refused before it is read; at the cap it loads', async () => {
    await formatError(loadCore(new Blob([CNN]), { ...js, maxModelBytes: 1000 }), /over the limit of 1000 \(maxModelBytes\)/);
    const model = await loadCore(new Blob([CNN]), { ...js, maxModelBytes: CNN.length });
    expect(model.inputs[0].shape).toEqual([-1, 28, 28, 1]);
    model.dispose();
  });

  it('without Content-Length, the preamble\'s declared length is checked as soon as its 32 bytes are in', async () => {
    const b = body(CNN);
    await formatError(loadCore(new Response(b.stream), { ...js, maxModelBytes: 4096 }), new RegExp(`^the model is ${CNN.length} bytes, over the limit of 4096`));
    expect(b.pulls()).toBe(1);
    expect(b.cancelled()).toBe(true);
  });

  it('a body that stops yielding fails after stallTimeoutMs, its reader cancelled', async () => {
    const b = body(CNN.subarray(0, 3000), false);
    const t0 = performance.now();
    const e = await formatError(loadCore(new Response(b.stream), { ...js, stallTimeoutMs: 200 }), /^no data for 200 ms \(stallTimeoutMs\)/);
    expect(e.where).toBe('byte 3000 of response');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(b.cancelled()).toBe(true);
  });

  it('a fetch that never answers fails after stallTimeoutMs; an abort still wins as AbortError', async () => {
    const never = () => new Promise<Response>(() => undefined);
    await formatError(loadCore('https://models.example/m.eim', { ...js, fetch: never, stallTimeoutMs: 100 }), /^no data for 100 ms .*at https:\/\/models\.example\/m\.eim/);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    await expect(loadCore('https://models.example/m.eim', { ...js, fetch: never, stallTimeoutMs: 5000, signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
