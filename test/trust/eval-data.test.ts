// The labelled-set readers of `edgeinfer eval` and `calibrate` (src/trust/evaluate-data.ts), on good and
// hostile files: IDX headers that declare more than a limit or than the file holds (refused before memory is
// taken for them), gzip'd IDX that inflates past its header, CSV paths that leave the CSV's folder (by '..',
// an absolute path or a symbolic link), CSV files over the size limit, class folders named by label or index.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { DATA_LIMITS, imageSet, readClassFolders, readCsv, readIdx, readIdxPair, readLabelledData, sequenceSet } from '../../src/trust/evaluate-data.js';

const dir = mkdtempSync(join(tmpdir(), 'edgeinfer-eval-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NAMES = { classes: 3, labels: ['T-shirt/top', 'bag', 'shoe'] };

/** An IDX file: magic 0 0 type rank, big-endian dims, then `data`. */
function idx(type: number, dims: readonly number[], data: Uint8Array = new Uint8Array(dims.reduce((a, d) => a * d, 1) * (type === 0x0d ? 4 : 1))): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(head.buffer);
  head.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('IDX files', () => {
  it('reads u8 and big-endian f32 values, gzip\'d or not, and pairs them with labels', async () => {
    const values = file('v.idx', idx(0x08, [2, 2, 3], Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)));
    const labels = file('l.idx.gz', gzipSync(idx(0x08, [2], Uint8Array.of(2, 0))));
    const set = await readIdxPair(values, labels, NAMES);
    expect([set.shape, Array.from(set.labels)]).toEqual([[2, 3], [2, 0]]);
    const f32 = new Uint8Array(8);
    new DataView(f32.buffer).setFloat32(0, 1.5, false);
    new DataView(f32.buffer).setFloat32(4, -2, false);
    expect(Array.from((await readIdx(file('f.idx', idx(0x0d, [2], f32)))).values)).toEqual([1.5, -2]);
    const images = await imageSet(set).read(1, 1);
    expect(images[0]).toMatchObject({ width: 3, height: 2, format: 'GRAY' });
    expect(Array.from((await sequenceSet(set, 0.5).read(0, 1))[0])).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
  });

  it('refuses a wrong magic, rank, huge or truncated dims, before allocating for them', async () => {
    const cases: [string, Uint8Array][] = [
      ['magic', Uint8Array.of(1, 2, 3, 4, 0, 0, 0, 1)],
      ['type i32', idx(0x0c, [1], new Uint8Array(4))],
      ['rank 5', idx(0x08, [1, 1, 1, 1, 1])],
      // 4e9 x 4e9 bytes declared in a 16-byte file.
      ['huge', idx(0x08, [4_000_000_000, 4_000_000_000], new Uint8Array(0))],
      ['too many items', idx(0x08, [DATA_LIMITS.samples + 1], new Uint8Array(0))],
      ['truncated', idx(0x08, [10, 10], new Uint8Array(50))],
      ['longer', idx(0x08, [2], new Uint8Array(3))],
      ['short header', Uint8Array.of(0, 0, 8, 3, 0, 0)],
    ];
    for (const [name, bytes] of cases) {
      await expect(readIdx(file(`${name}.idx`, bytes)), name).rejects.toThrow(InputError);
      await expect(readIdx(file(`${name}.idx.gz`, gzipSync(bytes))), `${name} gz`).rejects.toThrow(InputError);
    }
  });

  it('stops inflating a gzip\'d IDX file at the size its header declares', async () => {
    // 1 byte declared, 64 MiB of zeros compressed behind it.
    const bomb = gzipSync(Buffer.concat([idx(0x08, [1], Uint8Array.of(0)), Buffer.alloc(64 << 20)]));
    await expect(readIdx(file('bomb.idx.gz', bomb))).rejects.toThrow(/wrong length/);
    await expect(readIdx(file('not-gzip.idx.gz', Uint8Array.of(0x1f, 0x8b, 1, 2, 3)))).rejects.toThrow(InputError);
  });

  it('refuses labels that do not match the values or are not classes', async () => {
    const values = file('v3.idx', idx(0x08, [3, 2]));
    await expect(readIdxPair(values, file('l2.idx', idx(0x08, [2])), NAMES)).rejects.toThrow(/does not label/);
    await expect(readIdxPair(values, file('l9.idx', idx(0x08, [3], Uint8Array.of(0, 9, 1))), NAMES)).rejects.toThrow(/label 9 of item 1/);
  });
});

describe('CSV files', () => {
  const root = join(dir, 'csv');
  mkdirSync(join(root, 'img'), { recursive: true });
  writeFileSync(join(root, 'img', 'a.png'), '');
  writeFileSync(join(root, 'img', 'b,c.png'), '');
  writeFileSync(join(dir, 'outside.png'), '');

  it('reads path,label rows (header, quotes, labels by name, \'_\' for \'/\', or index) relative to its folder', async () => {
    const csv = join(root, 'set.csv');
    writeFileSync(csv, 'path,label\r\nimg/a.png,bag\n"img/b,c.png",T-shirt_top\n\nimg/a.png,2\n./img/../img/a.png,T-shirt/top\n');
    const set = await readCsv(csv, NAMES);
    expect(set.files.map((f) => f.slice(root.length + 1))).toEqual(['img/a.png', 'img/b,c.png', 'img/a.png', 'img/a.png']);
    expect(Array.from(set.labels)).toEqual([1, 0, 2, 0]);
  });

  it('refuses paths that leave its folder, by .., an absolute path or a link, and unknown labels', async () => {
    symlinkSync(join(dir, 'outside.png'), join(root, 'img', 'link.png'));
    const rows = ['../outside.png,bag', `${join(dir, 'outside.png')},bag`, 'img/link.png,bag', 'img/a.png,hat', 'img/missing.png,bag', 'img/a.png', '"img/a.png,bag'];
    for (const row of rows) {
      writeFileSync(join(root, 'bad.csv'), `${row}\n`);
      await expect(readCsv(join(root, 'bad.csv'), NAMES), row).rejects.toThrow(InputError);
    }
  });

  it('refuses a CSV over the size limit without reading it', async () => {
    const big = join(root, 'big.csv');
    writeFileSync(big, '');
    truncateSync(big, DATA_LIMITS.csvBytes + 1);
    await expect(readCsv(big, NAMES)).rejects.toThrow(/over the limit/);
  });
});

describe('class folders', () => {
  it('takes each subfolder as the class its name gives, images in name order', async () => {
    const root = join(dir, 'folders');
    for (const [sub, names] of [['T-shirt_top', ['b.png', 'a.jpg', 'notes.txt']], ['2', ['c.jpeg']]] as const) {
      mkdirSync(join(root, sub), { recursive: true });
      for (const n of names) writeFileSync(join(root, sub, n), '');
    }
    const set = await readLabelledData([root], NAMES);
    expect(set.kind === 'files' && set.files.map((f) => f.slice(root.length + 1))).toEqual(['2/c.jpeg', 'T-shirt_top/a.jpg', 'T-shirt_top/b.png']);
    expect(Array.from(set.labels)).toEqual([2, 0, 0]);
    mkdirSync(join(root, 'hat'));
    await expect(readClassFolders(root, NAMES)).rejects.toThrow(/"hat" is not a class/);
    await expect(readClassFolders(join(root, 'hat'), NAMES)).rejects.toThrow(InputError);
    expect(() => sequenceSet(set, 1)).toThrow(InputError);
  });
});
