// The SDK in a module worker: the worker imports the browser bundle, classifies a photo with the
// default model and posts the result back; it must match Node, on one thread and on the thread pool
// (the worker starts the pool's workers itself). The bundle must need neither
// dynamic import() nor blob: URLs (URL.createObjectURL), which workers under strict CSPs refuse.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { openPage, type Setup } from './context.js';
import { nodeTop1ByPhoto, type TopClass } from './fixtures.js';

const PHOTO = 'elephant.jpg';

interface WorkerResult {
  top?: TopClass[];
  backend?: string;
  selection?: { mode: string; candidates: { name: string; priority?: number; status: string; reason?: string }[] };
  isolated?: boolean;
  openMs?: number;
  classifyMs?: number;
  isWorker?: boolean;
  wasmBuilds?: string[];
  blobUrlCalls: string[];
  error?: { name: string; message: string };
}
interface Api { classifyInWorker(request: object): Promise<WorkerResult> }

export function workerSuite(setup: Setup): void {
  const ctx = setup.ctx!;
  let result: WorkerResult;
  let threaded: WorkerResult;
  let want: TopClass;

  beforeAll(async () => {
    want = (await nodeTop1ByPhoto()).get(PHOTO)!;
    const page = await openPage(ctx, '/pages/worker.html');
    try {
      const request = { modelUrl: '/models/mobilenetv2-12-int8.eim', photoUrl: `/models/samples/${PHOTO}`, backend: 'wasm' };
      const inWorker = (r: object) => page.evaluate((q) => (globalThis as unknown as { pageApi: Api }).pageApi.classifyInWorker(q), r);
      result = await inWorker({ ...request, threads: 1 });
      threaded = await inWorker({ ...request, threads: 2 });
    } finally {
      await page.close();
    }
  }, 120_000);

  it(`classifies ${PHOTO} inside a module worker with Node's top-1`, () => {
    if (result.error) throw new Error(`the worker failed: ${result.error.name}: ${result.error.message}`);
    console.log(`worker: ${result.backend} (${result.wasmBuilds?.join(', ')}), ImageClassifier.create ${result.openMs!.toFixed(0)} ms, classify() ${result.classifyMs!.toFixed(1)} ms: ${result.top![0].label} ${result.top![0].score.toFixed(3)}`);
    expect(result.isWorker).toBe(true);
    expect(result.backend).toBe('wasm');
    expect(result.top![0].label).toBe(want.label);
    expect(result.top![0].index).toBe(want.index);
  });

  it('threads: 2 in a module worker of an isolated page: the pool runs there, with the 1-thread scores', () => {
    if (threaded.error) throw new Error(`the worker failed: ${threaded.error.name}: ${threaded.error.message}`);
    expect(threaded.isolated).toBe(true);
    expect(threaded.selection!.candidates.find((c) => c.status === 'chosen')).toMatchObject({ name: 'wasm', priority: 25 });
    expect(result.selection!.candidates.find((c) => c.status === 'chosen')).toMatchObject({ name: 'wasm', priority: 20 });
    expect(threaded.top).toEqual(result.top);
    console.log(`worker, 2 threads: classify() ${threaded.classifyMs!.toFixed(1)} ms (1 thread: ${result.classifyMs!.toFixed(1)} ms)`);
  });

  it('the SDK made no blob: URL in the worker', () => {
    expect(result.blobUrlCalls).toEqual([]);
    expect(threaded.blobUrlCalls).toEqual([]);
  });

  it('the bundle contains no dynamic import() and no URL.createObjectURL', () => {
    const { bundle } = ctx;
    expect(bundle.dynamicImports).toEqual([]);
    expect(bundle.imports).toEqual([]);
    const code = readFileSync(join(bundle.dir, 'index.js'), 'utf8');
    const lines = code.split('\n');
    const where = (re: RegExp) => lines.flatMap((l, i) => (re.test(l) ? [`index.js:${i + 1}: ${l.trim().slice(0, 120)}`] : []));
    expect(where(/\bimport\s*\(/)).toEqual([]);
    expect(where(/createObjectURL/)).toEqual([]);
  });
}
