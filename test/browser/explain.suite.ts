// explain() from edgeinfer/advanced in Chromium (#14): the default MobileNetV2 on a sample photo as ImageData;
// cam gives Node's class with its peak where Node's is (the browser decodes the JPEG itself, so the maps may
// differ a little), drawn on a canvas as ImageData; on wasm also an occlusion map with its progress, and an
// AbortSignal that stops one. webgpu (SwiftShader) runs cam only.
import type { Page } from 'playwright';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeImageClassifier } from '../../src/vision/node-classifier.js';
import { readImageFile } from '../../src/vision/node-image.js';
import { openPage, type Setup } from './context.js';
import { SAMPLES_DIR } from './fixtures.js';

const PHOTO = 'dog_whippet.jpg';

interface Peak { x: number; y: number; max: number }
interface Run {
  backend: string; camAvailable: true | string; method: string; label: string; classIndex: number; width: number; height: number; peak: Peak;
  isImageData: boolean; drawnSize: number[]; occlusion?: { method: string; classIndex: number; peak: Peak; progress: number[][] }; aborted?: string;
}

export function explainSuite(setup: Setup): void {
  const { ctx, gpuSkipReason } = setup;
  let page: Page;
  let node: { classIndex: number; peak: Peak; size: number[] };

  beforeAll(async () => {
    if (!ctx) return;
    const c = await NodeImageClassifier.create(undefined, { backend: 'wasm', cache: false });
    const image = await readImageFile(join(SAMPLES_DIR, PHOTO));
    const m = await c.explain(image, { method: 'cam' });
    let at = 0;
    for (let i = 1; i < m.data.length; i++) if (m.data[i] > m.data[at]) at = i;
    node = { classIndex: m.classIndex, peak: { x: at % m.width, y: Math.floor(at / m.width), max: m.data[at] }, size: [image.width, image.height] };
    c.dispose();
    page = await openPage(ctx, '/pages/explain.html');
  }, 120_000);
  afterAll(async () => { await page?.close(); });

  const run = (backend: string, occlusion: boolean) => page.evaluate(({ b, url, o }) => (globalThis as unknown as { pageApi: { run(b: string, u: string, o: boolean): Promise<Run> } }).pageApi.run(b, url, o), { b: backend, url: `/models/samples/${PHOTO}`, o: occlusion });

  function expectNodeCam(r: Run): void {
    expect(r).toMatchObject({ camAvailable: true, method: 'cam', classIndex: node.classIndex, width: 224, height: 224, isImageData: true, drawnSize: node.size });
    // Within one cell of the 7x7 feature map (32 input pixels) of Node's peak.
    expect(Math.abs(r.peak.x - node.peak.x)).toBeLessThanOrEqual(32);
    expect(Math.abs(r.peak.y - node.peak.y)).toBeLessThanOrEqual(32);
    expect(r.peak.max).toBeGreaterThan(0);
  }

  it('wasm: cam as Node gives it, drawn as ImageData; occlusion with progress; abort', async () => {
    const r = await run('wasm', true);
    expect(r.backend).toBe('wasm');
    expectNodeCam(r);
    expect(r.occlusion).toMatchObject({ method: 'occlusion', classIndex: node.classIndex, progress: [[8, 9], [9, 9]] });
    expect(r.aborted).toBe('AbortError');
  }, 120_000);

  it.skipIf(gpuSkipReason !== undefined)(`webgpu: cam as Node gives it ${gpuSkipReason ?? ''}`, async () => {
    const r = await run('webgpu', false);
    expect(r.backend).toBe('webgpu');
    expectNodeCam(r);
  }, 240_000);
}
