// The importers under hostile input (#15): tiny models that ask constant folding for gigabytes are
// refused before the memory is taken, naming the node and the size; the budget is checked in a child
// process under a resident-memory watchdog, so a regression fails the test instead of the machine.
// Deep graphs import, optimize, prepare and write without recursion and in time linear in their size.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ImportBudget, MAX_CONST_ELEMENTS } from '../../src/convert/budget.js';
import { importOnnx } from '../../src/convert/onnx.js';
import { importTfjsLayers } from '../../src/convert/tfjs.js';
import { ModelFormatError } from '../../src/errors.js';
import { readEim } from '../../src/format/reader.js';
import { writeEim } from '../../src/format/writer.js';
import { optimize } from '../../src/graph/optimize.js';
import { PreparedGraph } from '../../src/graph/prepared.js';
import { validateGraph } from '../../src/graph/validate.js';
import onnxProto from 'onnx-proto';
import { i64, OnnxModel } from '../helpers/onnx-builder.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Hostile models by name; the child rebuilds them from this source so the parent never allocates. */
const HOSTILE = `
import { i64, OnnxModel } from './test/helpers/onnx-builder.ts';
import { importOnnx } from './src/convert/onnx.ts';
const which = process.argv[process.argv.length - 1];
let m;
if (which === 'constant-of-shape') {
  m = new OnnxModel(13).input('x', [1, 4]).init('s', [2], i64(1, 2 ** 30))
    .node('ConstantOfShape', ['s'], ['c'], { value: { tensor: { dims: [1], data: new Float32Array([1]) } } })
    .node('Add', ['x', 'c'], ['y']).output('y');
} else if (which === 'concat-doubling') {
  m = new OnnxModel(13).input('x', [1, 4]).init('c0', [1, 4], new Float32Array(4));
  for (let i = 0; i < 26; i++) m.node('Concat', ['c' + i, 'c' + i], ['c' + (i + 1)], { axis: 1 });
  m.node('Add', ['x', 'c26'], ['y']).output('y');
} else if (which === 'broadcast-square') {
  // [2^15, 1] * [1, 2^15] = 2^30 elements from 256 KiB of initializers.
  m = new OnnxModel(13).input('x', [1, 4]).init('a', [32768, 1], new Float32Array(32768)).init('b', [1, 32768], new Float32Array(32768))
    .node('Mul', ['a', 'b'], ['c']).node('Add', ['x', 'c'], ['y']).output('y');
} else if (which === 'gather-repeat') {
  // Gather of one row 2^20 times (indices from a ConstantOfShape): 2^26 elements.
  m = new OnnxModel(13).input('x', [1, 4]).init('d', [1, 64], new Float32Array(64)).init('s', [1], i64(2 ** 20))
    .node('ConstantOfShape', ['s'], ['idx'], { value: { tensor: { dims: [1], data: i64(0) } } })
    .node('Gather', ['d', 'idx'], ['c'], { axis: 0 }).node('Add', ['x', 'c'], ['y']).output('y');
}
const bytes = m.encode();
const t0 = performance.now();
let out;
try { importOnnx(bytes); out = { ok: true }; } catch (e) { out = { ok: false, name: e.name, message: e.message }; }
console.log(JSON.stringify({ ...out, bytes: bytes.length, ms: performance.now() - t0 }));
`;

interface ChildOut { ok: boolean; name?: string; message?: string; bytes: number; ms: number; peakMiB: number; killed: boolean }

/** Runs one hostile case; kills the child when its resident memory passes `capMiB`. */
function runHostile(which: string, capMiB = 1024): Promise<ChildOut> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', HOSTILE, which], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', peak = 0, killed = false;
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    const poll = setInterval(() => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        const mib = m ? Number(m[1]) / 1024 : 0;
        peak = Math.max(peak, mib);
        if (mib > capMiB) { killed = true; child.kill('SIGKILL'); }
      } catch { /* exited */ }
    }, 20);
    child.on('error', reject);
    child.on('close', () => {
      clearInterval(poll);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (killed) { resolve({ ok: false, bytes: 0, ms: 0, peakMiB: peak, killed }); return; }
      try { resolve({ ...JSON.parse(line), peakMiB: peak, killed }); } catch { reject(new Error(`child printed ${JSON.stringify(stdout)}; stderr ${stderr}`)); }
    });
  });
}

describe('constant folding budget', () => {
  it.each([
    ['constant-of-shape', /ConstantOfShape node "ConstantOfShape_0".*\[1,1073741824\].*1073741824 elements/],
    ['concat-doubling', /Concat node "Concat_\d+".*elements, [\d.]+ MiB\) would take the import past its budget/],
    ['broadcast-square', /Mul node "Mul_0".*\[32768,32768\]/],
    ['gather-repeat', /Gather node "Gather_1".*\[1048576,64\]/],
  ])('%s is refused before its memory is taken', async (which, message) => {
    const r = await runHostile(which);
    expect(r.killed, `peak ${r.peakMiB.toFixed(0)} MiB`).toBe(false);
    expect(r.ok).toBe(false);
    expect(r.name).toBe('ModelFormatError');
    expect(r.message).toMatch(message);
    expect(r.bytes).toBeLessThan(300 * 1024);
  }, 60_000);

  it('grows with the source model, within the per-tensor and total limits', () => {
    const small = new ImportBudget(264), large = new ImportBudget(100 * 2 ** 20);
    expect(small.limit).toBe(64 * 2 ** 20 + 8 * 264);
    expect(large.limit).toBe(64 * 2 ** 20 + 800 * 2 ** 20);
    expect(new ImportBudget(2 ** 40).limit).toBe(2 * 2 ** 30);
    expect(() => large.take([MAX_CONST_ELEMENTS + 1], 1, 'X node "x"', 'here')).toThrow(/over the limit of 268435456 per tensor/);
    expect(() => large.take([-1, 4], 4, 'X node "x"', 'here')).toThrow(/invalid dimension -1/);
    expect(() => large.take([2 ** 40, 2 ** 40], 4, 'X node "x"', 'here')).toThrow(ModelFormatError);
    expect(large.used).toBe(0);
    large.take([1024, 1024], 4, 'X', 'here');
    expect(large.used).toBe(4 * 2 ** 20);
  });

  it('keeps ordinary folding working: a shape computed from constants', () => {
    const g = importOnnx(new OnnxModel(13).input('x', [1, 2, 3, 4]).init('one', [1], i64(1)).init('s', [1], i64(1))
      .node('ConstantOfShape', ['s'], ['rest'], { value: { tensor: { dims: [1], data: i64(-1) } } })
      .node('Concat', ['one', 'rest'], ['target'], { axis: 0 })
      .node('Reshape', ['x', 'target'], ['y']).output('y').encode());
    expect(g.outputs[0].shape).toEqual([-1, 24]);
  });

  it('refuses an initializer whose dims claim more than the format holds, before decoding it', () => {
    const bytes = new OnnxModel(13).input('x', [1, 4]).init('w', [65536, 65536], new Float32Array(4))
      .node('Add', ['x', 'w'], ['y']).output('y').encode();
    expect(() => importOnnx(bytes)).toThrow(/4294967296 elements, over the limit of 268435456/);
  });
});

function reluChain(n: number): Uint8Array {
  const m = new OnnxModel(13).input('x', ['N', 8]);
  let prev = 'x';
  for (let i = 0; i < n; i++) {
    const o = i === n - 1 ? 'y' : `v${i}`;
    m.node('Relu', [prev], [o]);
    prev = o;
  }
  return m.output('y').encode();
}

describe('TF.js weights', () => {
  it('a manifest entry larger than the format holds is refused before decoding', () => {
    const json = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/models/tfjs-mnist-cnn/model.json'), 'utf8'));
    json.weightsManifest[0].weights[0].shape = [65536, 65536];
    expect(() => importTfjsLayers(json, new Uint8Array(16))).toThrow(/4294967296 elements, over the limit of 268435456/);
  });
});

describe('deep graphs', () => {
  // No timed assertion: 100,000 nodes finish within the test's timeout only if every stage is linear
  // (quadratic stages took 61 s for 20,000 nodes). 200,000 deep proves no stage recurses per node.
  it.each([100_000, 200_000])('a chain of %i Relu nodes imports, optimizes, prepares and writes', (n) => {
    const g = optimize(importOnnx(reluChain(n)));
    validateGraph(g);
    expect(g.nodes.length).toBe(n);
    const prepared = PreparedGraph.build(g);
    expect(prepared.plan(1, 'ir').nodes.length).toBe(n);
    const back = readEim(writeEim(g));
    expect(back.nodes.length).toBe(n);
  }, 120_000);
});

describe('deep graphs with unnamed nodes and a layout change at the end', () => {
  // 100,000 unnamed ONNX nodes (one base name for every IR node) on a 4-D value held in the source
  // layout until the Conv at the end: the NHWC look-ahead and the naming were quadratic and recursive.
  it('imports 100,000 Relu nodes between a Reshape to 4-D and a Conv', () => {
    const n = 100_000;
    const m = new OnnxModel(13).input('x', ['N', 48]).init('t', [4], i64(-1, 3, 4, 4)).init('w', [2, 3, 1, 1], new Float32Array(6))
      .node('Reshape', ['x', 't'], ['r']);
    for (let i = 0; i < n; i++) m.node('Relu', [i === 0 ? 'r' : `v${i - 1}`], [`v${i}`]);
    m.node('Conv', [`v${n - 1}`, 'w'], ['y'], { kernel_shape: [1, 1] }).output('y');
    const proto = m.proto();
    for (const node of proto.graph!.node!) node.name = '';
    const g = importOnnx(onnxProto.onnx.ModelProto.encode(proto).finish());
    expect(g.nodes.filter((x) => x.op === 'Relu').length).toBe(n);
    expect(new Set(g.nodes.map((x) => x.name)).size).toBe(g.nodes.length);
    // Converted to NHWC once, right after the Reshape: every Relu runs in NHWC.
    expect(g.nodes.filter((x) => x.op === 'Transpose').length).toBeLessThanOrEqual(2);
  }, 120_000);
});
