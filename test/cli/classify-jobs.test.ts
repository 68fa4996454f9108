// `edgeinfer classify --jobs N` (issue #12): decode workers feeding the model. --jobs 2 prints what --jobs 1
// prints (same files in the same order, same classes and scores), and with the built-in decoders what the
// main-thread path prints; with sharp a WebP is classified, a GIF still gets its "unsupported format" line and a
// bad file in the middle is reported while the rest are classified; --verbose names the decoder; bad --jobs,
// and --decoder without --jobs, are usage errors.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassifyReport, ImageReport } from '../../src/cli/classify.js';
import { runCli } from '../helpers/cli.js';

const SAMPLES = join(import.meta.dirname, '../../models/samples');

let root: string, dir: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'edgeinfer-classify-jobs-'));
  dir = join(root, 'photos');
  mkdirSync(dir);
  for (const f of readdirSync(SAMPLES).filter((n) => n.endsWith('.jpg'))) copyFileSync(join(SAMPLES, f), join(dir, f));
  const piano = readFileSync(join(SAMPLES, 'piano.jpg'));
  writeFileSync(join(dir, 'e-broken.jpg'), piano.subarray(0, piano.length >> 1));
  symlinkSync(join(root, 'gone.jpg'), join(dir, 'f-dangling.jpg'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What must not depend on the number of workers: everything but the timings. */
const stable = (r: ImageReport) => ({ file: r.file, width: r.width, height: r.height, decoder: r.decoder, top: r.top, error: r.error });

async function json(args: string[]): Promise<{ code: number; report: ClassifyReport; err: string }> {
  const r = await runCli(['classify', dir, '-b', 'wasm', '-k', '3', '--json', ...args]);
  return { code: r.code, report: JSON.parse(r.out) as ClassifyReport, err: r.err };
}

describe('edgeinfer classify --jobs', () => {
  it('--jobs 2 gives what --jobs 1 gives, and with --decoder js what the main-thread path gives', async () => {
    const two = await json(['--jobs', '2', '--decoder', 'js']);
    const one = await json(['--jobs', '1', '--decoder', 'js']);
    const main = await json([]);
    expect(two.code).toBe(1); // the broken file and the dangling link
    expect(two.report.jobs).toBe(2);
    expect(two.report.decoder).toBe('js');
    expect(two.report.images.map(stable)).toEqual(one.report.images.map(stable));
    expect(two.report.images.map(stable)).toEqual(main.report.images.map(stable));
    expect(two.err).toBe(main.err);
    expect(two.report.images.filter((i) => i.top).length).toBe(10);
    expect(two.report.images.find((i) => i.file.endsWith('e-broken.jpg'))!.error).toMatch(/truncated|corrupt|cannot decode/);
    expect(two.report.imagesPerSecond).toBeGreaterThan(0);
  }, 120_000);

  it('with sharp: the same top classes, --jobs 2 equal to --jobs 1, WebP classified, GIF named, text output in order', async () => {
    await sharp(join(SAMPLES, 'cat.jpg')).webp().toFile(join(dir, 'g-cat.webp'));
    writeFileSync(join(dir, 'h-anim.gif'), Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
    try {
      const two = await json(['--jobs', '2', '--decoder', 'sharp']);
      const one = await json(['--jobs', '1', '--decoder', 'sharp']);
      const main = await json([]);
      expect(two.report.decoder).toBe('sharp');
      expect(two.report.images.map(stable)).toEqual(one.report.images.map(stable));
      const top1 = (r: ClassifyReport) => r.images.filter((i) => !/\.(webp|gif)$/.test(i.file)).map((i) => i.top?.[0].label ?? 'error');
      expect(top1(two.report)).toEqual(top1(main.report));
      const cat = two.report.images.find((i) => i.file.endsWith('g-cat.webp'))!;
      expect([cat.decoder, cat.top?.[0].label]).toEqual(['sharp', 'tabby']);
      expect(two.err).toContain(`${join(dir, 'h-anim.gif')}: unsupported format GIF (edgeinfer decodes JPEG, PNG, WebP, AVIF and HEIC with sharp; convert it to one of them)`);
      expect(main.err).toContain(`${join(dir, 'g-cat.webp')}: unsupported format WebP (edgeinfer decodes JPEG and PNG; convert it to one of them)`);

      const text = await runCli(['classify', dir, '-b', 'wasm', '-k', '1', '--jobs', '2', '--verbose']);
      expect(text.out).toMatch(/^decoding in 2 worker threads with (sharp|js)$/m);
      const heads = text.out.split('\n').filter((l) => l.startsWith('/')).map((l) => l.split('  ')[0]);
      expect(heads).toEqual(two.report.images.filter((i) => i.top).map((i) => i.file));
      expect(text.out).toMatch(/\(sharp decode [\d.]+ m?s, preprocess [\d.]+ m?s\)/);
      expect(text.out).toMatch(/\n[\d.]+ images\/s\n$/);
    } finally {
      rmSync(join(dir, 'g-cat.webp'));
      rmSync(join(dir, 'h-anim.gif'));
    }
  }, 120_000);

  it('refuses bad --jobs values and --decoder without --jobs before loading a model', async () => {
    for (const jobs of ['0', '65', '1.5', 'two']) {
      const r = await runCli(['classify', dir, '--jobs', jobs]);
      expect(r.code, jobs).toBe(2);
      expect(r.err).toContain('--jobs must be an integer from 1 to 64');
    }
    const d = await runCli(['classify', dir, '--decoder', 'js']);
    expect(d.code).toBe(2);
    expect(d.err).toContain('--decoder needs --jobs N');
    const bad = await runCli(['classify', dir, '--jobs', '2', '--decoder', 'turbo']);
    expect(bad.code).toBe(2);
  });
});
