// examples/fashion/classify.mjs as a user runs it, in a child process on the SDK's sources: test images
// by index and pictures made from test images (28x28 PNGs dark on white, which must be inverted back,
// one to exactly its test image; a large, off-square PNG; a light-on-black JPEG, which must not be) must get
// TF.js's top-1 class names, for every model; bad arguments must fail with a message and exit code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CASES, LABELS, MODELS_DIR, ROOT, testImagePicture, testSet, tfjsTop1 } from './fashion-helpers.js';

const CLI = join(ROOT, 'examples/fashion/classify.mjs');
const INDEXES = [0, 1, 2, 3, 4, 5];
/** examples/fashion/fashion.mjs's MODELS: the CLI's default is the first of these that exists. */
const BEST_FIRST = ['cnn', 'lstm', 'gru', 'simplernn'];

const dir = mkdtempSync(join(tmpdir(), 'edgeinfer-fashion-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Pictures of test images, and the test image each shows. Test image 20 (a pullover) fills its frame, so
 * trimming and resizing leave its 28x28 picture as it is: once inverted back, it is that test image.
 */
const EXACT = 20;
const PICTURES = [
  { file: 'pullover-28.png', index: EXACT, bytes: () => testImagePicture(EXACT), note: '28x28, inverted' },
  { file: 'coat-28.png', index: 6, bytes: () => testImagePicture(6), note: '28x28, inverted' },
  { file: 'trouser-big.png', index: 2, bytes: () => testImagePicture(2, { scale: 8, width: 300, height: 224 }), note: '300x224, inverted' },
  { file: 'sandal.jpg', index: 8, bytes: () => testImagePicture(8, { invert: false, scale: 6, width: 200, height: 168, format: 'jpeg' }), note: '200x168' },
];
for (const p of PICTURES) writeFileSync(join(dir, p.file), p.bytes());

function classify(args: string[]) {
  // The sources, not a dist/ build that may be older than them.
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, EDGEINFER_SDK: 'src' }, timeout: 60_000 });
}

/** "what: Label 97.3%, Label 1.2%, ..." lines → what → the labels in order. */
function parse(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of stdout.trim().split('\n').slice(1)) {
    const cut = line.lastIndexOf('): ');
    const what = line.slice(0, cut + 1);
    out.set(what, line.slice(cut + 3).split(', ').map((r) => {
      const m = /^(.+) (\d+\.\d)%$/.exec(r);
      if (!m) throw new Error(`cannot read "${r}" in "${line}"`);
      return m[1];
    }));
  }
  return out;
}

describe('examples/fashion/classify.mjs', () => {
  const { labels } = testSet();

  for (const c of CASES) {
    it(`${c.name}: test images ${INDEXES.join(', ')} and ${PICTURES.length} pictures of test images get TF.js's top-1`, () => {
      const tfjs = tfjsTop1(c.name);
      const r = classify(['--model', c.name, '--backend', 'wasm', ...INDEXES.map(String), ...PICTURES.map((p) => join(dir, p.file))]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe(`model: ${c.name}, backend: wasm`);
      const got = parse(r.stdout);
      expect(got.size).toBe(INDEXES.length + PICTURES.length);
      for (const i of INDEXES) {
        const top = got.get(`test image ${i} (true class: ${LABELS[labels[i]]})`);
        expect(top, r.stdout).toHaveLength(3);
        expect(`test image ${i}: ${top![0]}`).toBe(`test image ${i}: ${LABELS[tfjs[i]]}`);
      }
      for (const p of PICTURES) {
        const top = got.get(`${join(dir, p.file)} (${p.note})`);
        expect(top, r.stdout).toBeDefined();
        expect(`${p.file}: ${top![0]}`).toBe(`${p.file}: ${LABELS[tfjs[p.index]]}`);
      }
    });
  }

  it(`the 28x28 picture of test image ${EXACT}, inverted back, scores exactly as the test image; --top and --invert are obeyed`, () => {
    const picture = join(dir, PICTURES[0].file);
    const r = classify(['--model', CASES[0].name, '--backend', 'wasm', '--top', '5', String(EXACT), picture]);
    expect(r.status, r.stderr).toBe(0);
    const [, fromIndex, fromPicture] = r.stdout.trim().split('\n').map((l) => l.slice(l.lastIndexOf('): ') + 3));
    expect(fromIndex.split(', ')).toHaveLength(5);
    expect(fromPicture).toBe(fromIndex);

    const plain = classify(['--model', CASES[0].name, '--backend', 'wasm', '--invert', 'no', picture]);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).toContain(`${picture} (28x28): `);
  });

  it('with no arguments, classifies test images 0..9 with the best model there is', () => {
    const best = BEST_FIRST.find((m) => existsSync(join(MODELS_DIR, `${m}.eim`)));
    const r = classify(['--backend', 'wasm']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`model: ${best}, backend: wasm`);
    expect(lines.slice(1).map((l) => l.slice(0, l.indexOf(' (')))).toEqual(Array.from({ length: 10 }, (_, i) => `test image ${i}`));
  });

  it('refuses bad arguments with a message: exit 2 for usage, 1 for missing files', () => {
    const cases: [string[], number, RegExp][] = [
      [['--model', 'vgg'], 2, /^classify: --model must be one of cnn, lstm, gru, simplernn, not vgg\n$/],
      [['--invert', 'maybe', '0'], 2, /^classify: --invert must be auto, yes or no, not maybe\n$/],
      [['--top', '0', '0'], 2, /^classify: --top must be 1\.\.10, not 0\n$/],
      [['--nope'], 2, /^classify: Unknown option '--nope'/],
      [['10000'], 1, /^classify: test image 10000 is past the last one \(9999\)\n$/],
      [[join(dir, 'missing.png')], 1, /^classify: .*missing\.png: no such file\n$/],
    ];
    for (const [args, status, message] of cases) {
      const r = classify(args);
      expect(r.status, args.join(' ')).toBe(status);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const help = classify(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: node examples\/fashion\/classify\.mjs .*--invert MODE/s);
    const notImage = join(dir, 'not-an-image.png');
    writeFileSync(notImage, 'hello');
    const r = classify(['--backend', 'wasm', notImage]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^classify: .*not-an-image\.png is not a JPEG or PNG image/);
  });
});
