// The SDK in a module worker: the worker imports the browser bundle, classifies a photo with the
// default model and posts the result back; it must match Node. The bundle must need neither
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
  selection?: { mode: string };
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
  let want: TopClass;

  beforeAll(async () => {
    want = (await nodeTop1ByPhoto()).get(PHOTO)!;
    const page = await openPage(ctx, '/pages/worker.html');
    try {
      const request = { modelUrl: '/models/mobilenetv2-12-int8.eim', photoUrl: `/models/samples/${PHOTO}`, backend: 'wasm' };
      result = await page.evaluate((r) => (globalThis as unknown as { pageApi: Api }).pageApi.classifyInWorker(r), request);
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

  it('the SDK made no blob: URL in the worker', () => {
    expect(result.blobUrlCalls).toEqual([]);
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
