// `edgeinfer classify DIR` on what real folders hold besides JPEG and PNG: a WebP (no decoder is shipped)
// gets one "unsupported format" line, as does a GIF named .gif; a JPEG named .webp still classifies (the
// bytes decide); symbolic links to regular files are followed, inside the folder and out of it; a dangling
// link and a link to a folder are named as skipped; subfolders and other files are left out. Each file not
// classified is one line on stderr and makes the exit code 1; the rest are still classified.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassifyReport } from '../../src/cli/classify.js';
import { runCli } from '../helpers/cli.js';

const SAMPLES = join(import.meta.dirname, '../../models/samples');
/** The smallest valid-looking WebP header: RIFF, a size, WEBP, a VP8 chunk tag. */
const WEBP = Buffer.from('RIFF\x1a\x00\x00\x00WEBPVP8 \x0e\x00\x00\x00', 'latin1');

let root: string, dir: string, outside: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'edgeinfer-classify-folder-'));
  dir = join(root, 'photos');
  outside = join(root, 'elsewhere');
  mkdirSync(dir);
  mkdirSync(outside);
  copyFileSync(join(SAMPLES, 'cat.jpg'), join(dir, 'a-cat.jpg'));
  writeFileSync(join(dir, 'b-photo.webp'), WEBP);
  writeFileSync(join(dir, 'c-anim.gif'), Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
  copyFileSync(join(SAMPLES, 'pizza.jpg'), join(dir, 'd-really-a-jpeg.WEBP'));
  copyFileSync(join(SAMPLES, 'piano.jpg'), join(outside, 'piano.jpg'));
  symlinkSync(join(outside, 'piano.jpg'), join(dir, 'e-link-out.jpg'));
  symlinkSync('a-cat.jpg', join(dir, 'f-link-in.jpg'));
  symlinkSync(join(root, 'gone.jpg'), join(dir, 'g-dangling.jpg'));
  symlinkSync(outside, join(dir, 'h-link-to-dir.png'));
  mkdirSync(join(dir, 'i-subfolder.jpg'));
  writeFileSync(join(dir, 'notes.txt'), 'not an image');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('edgeinfer classify DIR: formats and links', () => {
  it('classifies JPEGs and followed links, and names every other image file once, on stderr', async () => {
    const r = await runCli(['classify', dir, '-b', 'wasm', '-k', '1']);
    expect(r.code).toBe(1);
    const lines = r.err.trimEnd().split('\n');
    expect(lines).toEqual([
      `edgeinfer: ${join(dir, 'b-photo.webp')}: unsupported format WebP (edgeinfer decodes JPEG and PNG; convert it to one of them)`,
      `edgeinfer: ${join(dir, 'c-anim.gif')}: unsupported format GIF (edgeinfer decodes JPEG and PNG; convert it to one of them)`,
      `edgeinfer: skipped ${join(dir, 'g-dangling.jpg')}: a symbolic link that does not resolve to a regular file (its target does not exist)`,
      `edgeinfer: skipped ${join(dir, 'h-link-to-dir.png')}: a symbolic link that does not resolve to a regular file (it points to a directory)`,
    ]);
    expect(r.err).not.toMatch(/\bat .*:\d+:\d+/);
    const heads = r.out.split('\n').filter((l) => l.startsWith('/'));
    expect(heads.map((l) => l.split('  ')[0])).toEqual(['a-cat.jpg', 'd-really-a-jpeg.WEBP', 'e-link-out.jpg', 'f-link-in.jpg'].map((n) => join(dir, n)));
    expect(r.out).toMatch(/\n  tabby +\d/);
    expect(r.out).toMatch(/\n  grand piano +\d/);
    expect(r.out).toMatch(/\n  pizza +\d/);
    expect(r.out).toMatch(/4 images classified on wasm, .* per image, 4 not classified \(each named on stderr\)\n$/);
  });

  it('--json lists the same files in name order, each with its top classes or its error', async () => {
    const r = await runCli(['classify', dir, '-b', 'wasm', '-k', '1', '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as ClassifyReport;
    expect(report.images.map((i) => [i.file.slice(dir.length + 1), i.top?.[0].label ?? i.error!.replace(/^.*?: /, '')])).toEqual([
      ['a-cat.jpg', 'tabby'],
      ['b-photo.webp', 'unsupported format WebP (edgeinfer decodes JPEG and PNG; convert it to one of them)'],
      ['c-anim.gif', 'unsupported format GIF (edgeinfer decodes JPEG and PNG; convert it to one of them)'],
      ['d-really-a-jpeg.WEBP', 'pizza'],
      ['e-link-out.jpg', 'grand piano'],
      ['f-link-in.jpg', 'tabby'],
      ['g-dangling.jpg', `a symbolic link that does not resolve to a regular file (its target does not exist)`],
      ['h-link-to-dir.png', `a symbolic link that does not resolve to a regular file (it points to a directory)`],
    ]);
  });

  it('a WebP named on the command line gets the same line; a folder with no image files is one error', async () => {
    const r = await runCli(['classify', join(dir, 'b-photo.webp'), '-b', 'wasm']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`edgeinfer: ${join(dir, 'b-photo.webp')}: unsupported format WebP (edgeinfer decodes JPEG and PNG; convert it to one of them)\n`);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'readme.txt'), 'x');
    const e = await runCli(['classify', empty, '-b', 'wasm']);
    expect(e.code).toBe(1);
    expect(e.out).toBe('');
    expect(e.err).toBe(`edgeinfer: ${empty} has no image files (.jpg, .jpeg or .png)\n`);
  });
});
