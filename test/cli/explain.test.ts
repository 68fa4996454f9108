// `edgeinfer explain`: the overlay PNG (the photo's size, decodable), --json's raw map, --class by label and
// index, occlusion options, and the usage and input errors (exit codes 2 and 1).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage, readImageFile } from '../../src/vision/node-image.js';
import { runCli } from '../helpers/cli.js';

const PHOTO = join(import.meta.dirname, '../../models/samples/dog_whippet.jpg');
const DIR = mkdtempSync(join(tmpdir(), 'edgeinfer-explain-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('edgeinfer explain', () => {
  it('writes the photo with the cam heatmap over it as PNG', async () => {
    const out = join(DIR, 'heat.png');
    const r = await runCli(['explain', PHOTO, '-o', out, '-b', 'wasm']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/dog_whippet\.jpg: whippet \(#172, \d+\.\d %\) by cam on wasm in .*\nwrote .*heat\.png\n/);
    const png = decodeImage(readFileSync(out)), photo = await readImageFile(PHOTO);
    expect([png.width, png.height]).toEqual([photo.width, photo.height]);
    expect(png.data).not.toEqual(photo.data);
  }, 60_000);

  it('--json prints the raw map; --class takes a label or an index', async () => {
    const byLabel = await runCli(['explain', PHOTO, '--json', '-b', 'wasm', '--class', 'Italian greyhound']);
    expect(byLabel.code).toBe(0);
    const map = JSON.parse(byLabel.out) as { method: string; classIndex: number; label: string; width: number; height: number; data: number[]; region: { width: number } };
    expect(map).toMatchObject({ method: 'cam', classIndex: 171, label: 'Italian greyhound', width: 224, height: 224 });
    expect(map.data).toHaveLength(224 * 224);
    expect(Math.max(...map.data)).toBeGreaterThan(0);
    const byIndex = JSON.parse((await runCli(['explain', PHOTO, '--json', '-b', 'wasm', '-c', '171'])).out) as typeof map;
    expect(byIndex.data).toEqual(map.data);
  }, 60_000);

  it('--method occlusion with --patch and --stride', async () => {
    const r = await runCli(['explain', PHOTO, '--json', '-b', 'wasm', '--method', 'occlusion', '--patch', '112', '--stride', '112']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ method: 'occlusion', classIndex: 172 });
  }, 60_000);

  it.each([
    [[PHOTO], /nothing to write/],
    [[], /missing the image/],
    [[PHOTO, PHOTO, '--json'], /one image/],
    [[PHOTO, '--json', '--method', 'gradcam'], /--method must be one of auto\|cam\|occlusion/],
    [[PHOTO, '--json', '--patch', 'big'], /--patch must be a number/],
  ])('usage mistake %j: exit 2', async (args, message) => {
    const r = await runCli(['explain', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('an unknown class is a usage error; a bad patch an input error', async () => {
    const r = await runCli(['explain', PHOTO, '--json', '-b', 'wasm', '--class', 'unicorn\u001b[31m']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('neither a label of the model nor an index below 1000');
    expect(r.err).not.toContain('\u001b');
    const p = await runCli(['explain', PHOTO, '--json', '-b', 'wasm', '--method', 'occlusion', '--patch', '0']);
    expect(p.code).toBe(1);
    expect(p.err).toMatch(/invalid options\.patch/);
  }, 60_000);

  it('--help', async () => {
    const r = await runCli(['explain', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: edgeinfer explain IMAGE');
  });
});
