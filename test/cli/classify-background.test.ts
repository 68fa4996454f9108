// `edgeinfer classify --background`: what the model sees where a PNG is transparent. The case the option is
// for: a cut-out pizza whose hidden pixels still hold another photo (a piano), as image editors leave them.
// Without the option the hidden photo shows and a note names the file; with a white background the pizza
// is a pizza again. Colours, 'mean' and 'edge' are accepted; anything else is a usage error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassifyReport } from '../../src/cli/classify.js';
import { readImageFile } from '../../src/vision/node-image.js';
import { runCli } from '../helpers/cli.js';

const SAMPLES = join(import.meta.dirname, '../../models/samples');
const PIZZA = 963;

let dir: string, cutout: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeinfer-background-'));
  cutout = join(dir, 'pizza-cutout.png');
  const front = await readImageFile(join(SAMPLES, 'pizza.jpg')), hidden = await readImageFile(join(SAMPLES, 'piano.jpg'));
  const { width: w, height: h } = front;
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // An ellipse of the pizza, opaque; around it alpha 0 over the piano, scaled to fit.
      const i = y * w + x, inside = ((x - w / 2) / (w * 0.28)) ** 2 + ((y - h / 2) / (h * 0.38)) ** 2 <= 1;
      const j = Math.floor((y * hidden.height) / h) * hidden.width + Math.floor((x * hidden.width) / w);
      for (let c = 0; c < 3; c++) png.data[i * 4 + c] = inside ? front.data[i * 3 + c] : hidden.data[j * 3 + c];
      png.data[i * 4 + 3] = inside ? 255 : 0;
    }
  }
  writeFileSync(cutout, PNG.sync.write(png));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const classify = async (...extra: string[]) => {
  const r = await runCli(['classify', cutout, '-k', '1', '-b', 'wasm', '--json', ...extra]);
  expect(r.code, r.err).toBe(0);
  return { err: r.err, top: (JSON.parse(r.out) as ClassifyReport).images[0].top![0] };
};

describe('edgeinfer classify --background', () => {
  it('a cut-out over a hidden photo: a note without the option, the right class on white', async () => {
    const plain = await classify();
    expect(plain.err).toMatch(/^edgeinfer: note: \S*pizza-cutout\.png has transparent pixels, classified as their hidden colours; --background white\|mean\|edge\|R,G,B chooses/);
    const white = await classify('--background', 'white');
    expect(white.err).toBe('');
    expect(white.top.index).toBe(PIZZA);
    console.log(`cut-out pizza over a hidden piano: ${plain.top.label} ${(100 * plain.top.score).toFixed(1)} % without --background, ${white.top.label} ${(100 * white.top.score).toFixed(1)} % on white`);
    // The same colour written three ways gives the same answer.
    for (const same of ['#ffffff', '255,255,255']) expect((await classify('--background', same)).top).toEqual(white.top);
    for (const policy of ['mean', 'edge', 'black']) expect((await classify('--background', policy)).err).toBe('');
  });

  it('refuses what it cannot take, before loading the model', async () => {
    for (const bad of ['blue', '256,0,0', '1,2', '#fff', '']) {
      const r = await runCli(['classify', cutout, '--background', bad]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/option --background must be white, black, mean, edge, R,G,B \(0-255\) or #rrggbb/);
    }
    const jobs = await runCli(['classify', cutout, '--background', 'white', '--jobs', '2']);
    expect(jobs.code).toBe(2);
    expect(jobs.err).toMatch(/--background works without --jobs/);
  });
});
