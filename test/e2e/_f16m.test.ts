import { readdirSync } from 'node:fs';
import { it } from 'vitest';
import { gpu, webgpuProvider } from '../webgpu/gpu.js';
import { NodeImageClassifier } from '../../src/node.js';
it('mobilenet f16', async () => {
  const dir = 'test/fixtures/models/imagenet/photos/';
  const photos = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f));
  const res: Record<string, any[]> = {};
  for (const prec of ['f32', 'f16'] as const) {
    const t0 = performance.now();
    const c = await NodeImageClassifier.create('models/mobilenetv2-12-int8.eim', { backend: 'webgpu', precision: prec, providers: [webgpuProvider(gpu)] } as any);
    console.log(prec, c.backend, c.precision, 'load ms', (performance.now() - t0).toFixed(0));
    res[prec] = [];
    const t1 = performance.now();
    for (const f of photos) res[prec].push((await c.classify(dir + f, { topK: 5 }))[0]);
    console.log(prec, 'ms/img', ((performance.now() - t1) / photos.length).toFixed(0));
    c.dispose();
  }
  photos.forEach((f, i) => console.log(f, res.f32[i].label, res.f32[i].score.toFixed(4), res.f16[i].label, res.f16[i].score.toFixed(4)));
}, 600000);
