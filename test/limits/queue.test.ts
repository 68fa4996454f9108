// The run queue under load: maxQueue bounds what may wait (ResourceError 'QUEUE_FULL' at once, the queue
// goes on), and queued runs yield a macrotask between them, so timers fire while a backlog drains.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ResourceError } from '../../src/errors.js';
import type { ImagePreprocess } from '../../src/graph/ir.js';
import { load as loadCore } from '../../src/runtime/load.js';
import { ImageClassifier } from '../../src/vision/classifier.js';

const CNN = new Uint8Array(readFileSync(new URL('../../models/fashion/cnn-int8.eim', import.meta.url)));
const GRAY: ImagePreprocess = { width: 28, height: 28, channels: 1, colorOrder: 'GRAY', scale: 1 / 255, mean: [0], std: [1], resize: 'stretch', crop: 'none' };
const js = { backend: 'js', cache: false } as const;

const settle = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'ok', (e: unknown) => e);

describe('maxQueue', () => {
  it('rejects the runs beyond it at once with ResourceError QUEUE_FULL, and runs the rest', async () => {
    const model = await loadCore(CNN, { ...js, maxQueue: 2 });
    const feeds = { [model.inputs[0].name]: new Float32Array(784) };
    // One runs at once, two wait, the last two are refused.
    const out = await Promise.all(Array.from({ length: 5 }, () => settle(model.run(feeds))));
    expect(out.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    for (const e of out.slice(3)) {
      expect(e).toBeInstanceOf(ResourceError);
      expect(e).toMatchObject({ code: 'QUEUE_FULL', message: '2 runs already wait (maxQueue)' });
    }
    // Drained: the queue takes runs again.
    expect(await settle(model.run(feeds))).toBe('ok');

    // Classifications count too: they are runs of the same queue.
    const c = await ImageClassifier.create(model, { preprocess: GRAY });
    const image = { width: 28, height: 28, data: new Uint8Array(28 * 28 * 4) };
    const mixed = await Promise.all([settle(model.run(feeds)), settle(c.classify(image)), settle(c.classify(image)), settle(c.classifyBatch([image]))]);
    expect(mixed.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    expect(mixed[3]).toMatchObject({ code: 'QUEUE_FULL' });
    model.dispose();
  });

  it('0 lets nothing wait; without it nothing is refused', async () => {
    const none = await loadCore(CNN, { ...js, maxQueue: 0 });
    const feeds = { [none.inputs[0].name]: new Float32Array(784) };
    const out = await Promise.all([settle(none.run(feeds)), settle(none.run(feeds))]);
    expect(out[0]).toBe('ok');
    expect(out[1]).toMatchObject({ code: 'QUEUE_FULL' });
    none.dispose();

    const open = await loadCore(CNN, js);
    expect(new Set(await Promise.all(Array.from({ length: 200 }, () => settle(open.run(feeds)))))).toEqual(new Set(['ok']));
    open.dispose();
  });
});

describe('queued runs yield to the event loop', () => {
  it('a timer set after 30 runs were queued fires before the last of them', async () => {
    const model = await loadCore(CNN, js);
    const feeds = { [model.inputs[0].name]: new Float32Array(784) };
    const order: (number | 'timer')[] = [];
    const runs = Array.from({ length: 30 }, (_, i) => model.run(feeds).then(() => { order.push(i); }));
    setTimeout(() => order.push('timer'), 0);
    await Promise.all(runs);
    const at = order.indexOf('timer');
    // The first run starts synchronously and each later one after a macrotask: the timer gets in early.
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(10);
    // First come, first served all the same.
    expect(order.filter((x) => x !== 'timer')).toEqual(Array.from({ length: 30 }, (_, i) => i));
    model.dispose();
  });
});
