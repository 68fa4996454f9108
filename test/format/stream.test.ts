import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { readEim, readEimStream } from '../../src/format/reader.js';
import { writeEim } from '../../src/format/writer.js';
import { smallCnn } from './graphs.js';

/** A body stream that hands out `bytes` in chunks of the given sizes (cycled), then ends or keeps going. */
function chunked(bytes: Uint8Array, sizes: number[], opts: { endless?: boolean; failAt?: number } = {}): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let at = 0, k = 0, pulls = 0, cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      if (opts.failAt !== undefined && at >= opts.failAt) {
        controller.error(new TypeError('network connection lost'));
        return;
      }
      if (at >= bytes.length) {
        if (opts.endless) controller.enqueue(new Uint8Array(4096).fill(0x41));
        else controller.close();
        return;
      }
      const n = sizes[k++ % sizes.length];
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
    cancel() { cancelled = true; },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => pulls, cancelled: () => cancelled };
}

function response(stream: ReadableStream<Uint8Array>, headers: Record<string, string> = {}, init: ResponseInit = {}): Response {
  return new Response(stream, { ...init, headers });
}

async function rejection(p: Promise<unknown>): Promise<ModelFormatError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFormatError);
    return e as ModelFormatError;
  }
  throw new Error('expected a rejection');
}

describe('readEimStream', () => {
  const bytes = writeEim(smallCnn());
  const want = readEim(bytes);

  it('reads a chunked body with Content-Length, reporting monotone progress up to the total', async () => {
    const events: [number, number | undefined][] = [];
    const { stream } = chunked(bytes, [1, 7, 100, 3000]);
    const g = await readEimStream(response(stream, { 'content-length': String(bytes.length) }), (l, t) => events.push([l, t]));
    expect(g.nodes).toEqual(want.nodes);
    expect([...(g.constants.get('conv2.w')!.data as Int8Array)]).toEqual([...(want.constants.get('conv2.w')!.data as Int8Array)]);
    expect(events.length).toBeGreaterThan(3);
    expect(events.every(([, t]) => t === bytes.length)).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i][0]).toBeGreaterThan(events[i - 1][0]);
    expect(events.at(-1)![0]).toBe(bytes.length);
    // One buffer, offset 0: every constant is a view into it.
    const buffers = new Set([...g.constants.values()].map((c) => c.data.buffer));
    expect(buffers.size).toBe(1);
    expect([...buffers][0].byteLength).toBe(bytes.length); // allocated once, at the declared size
  });

  it('without Content-Length, learns the total from the preamble once 32 bytes are in', async () => {
    const events: [number, number | undefined][] = [];
    const { stream } = chunked(bytes, [5, 11, 64, 1000]);
    await readEimStream(response(stream), (l, t) => events.push([l, t]));
    for (const [loaded, total] of events) expect(total).toBe(loaded < 32 ? undefined : bytes.length);
    expect(events.at(-1)).toEqual([bytes.length, bytes.length]);
    const g = await readEimStream(response(chunked(bytes, [3]).stream));
    expect(g.constants.get('fc.w')!.data.buffer.byteLength).toBe(bytes.length);
  });

  it('does not trust a Content-Length that lies, in either direction', async () => {
    // A claim over maxModelBytes (default 1 GiB) is refused before the body is read: test/limits/http.test.ts.
    for (const claimed of ['10', '1000000000', 'abc', '-5']) {
      const events: (number | undefined)[] = [];
      const g = await readEimStream(response(chunked(bytes, [4096]).stream, { 'content-length': claimed }), (_, t) => events.push(t));
      expect(g.metadata).toEqual(want.metadata);
      expect(events.at(-1)).toBe(bytes.length);
    }
    // With compression the header counts encoded bytes: it is not a total of what the stream yields.
    const events: (number | undefined)[] = [];
    await readEimStream(response(chunked(bytes, [16]).stream, { 'content-length': '100', 'content-encoding': 'gzip' }), (_, t) => events.push(t));
    expect(events[0]).toBeUndefined();
  });

  it('stops early on a body that is not .eim, or that runs past the declared length', async () => {
    const html = new TextEncoder().encode('<!doctype html><html><body>Not found</body></html>'.repeat(10));
    const notEim = chunked(html, [40], { endless: true });
    const e1 = await rejection(readEimStream(response(notEim.stream)));
    expect(e1.message).toMatch(/bad magic/);
    expect(notEim.cancelled()).toBe(true);
    expect(notEim.pulled()).toBeLessThan(5);

    const tooLong = chunked(bytes, [1000], { endless: true });
    const e2 = await rejection(readEimStream(response(tooLong.stream)));
    expect(e2.message).toMatch(/longer than the \d+ bytes/);
    expect(tooLong.cancelled()).toBe(true);
  });

  it('turns HTTP errors, broken streams and truncated bodies into ModelFormatError', async () => {
    const e1 = await rejection(readEimStream(response(chunked(bytes, [100]).stream, {}, { status: 404, statusText: 'Not Found' })));
    expect(e1.message).toMatch(/HTTP 404/);
    const e2 = await rejection(readEimStream(response(chunked(bytes, [100], { failAt: 300 }).stream)));
    expect(e2.message).toMatch(/network connection lost/);
    expect(e2.where).toMatch(/^byte 300/);
    const e3 = await rejection(readEimStream(response(chunked(bytes.subarray(0, bytes.length - 10), [512]).stream)));
    expect(e3.message).toMatch(/truncated/);
    const e4 = await rejection(readEimStream(new Response(null)));
    expect(e4.message).toMatch(/shorter than the 32-byte/);
    const used = response(chunked(bytes, [bytes.length]).stream);
    await used.arrayBuffer();
    await rejection(readEimStream(used));
  });
});
