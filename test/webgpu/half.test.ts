// f16 storage: scripts/wgsl-half.mjs's rewrite of a kernel (bindings, accesses, what it must refuse), every
// shader's `half` variant compiling on the adapter, a rewritten kernel computing what the f32 one does, and
// an f16 backend end to end where it is most fragile: two invocations (or two dispatches) writing the two
// halves of one 32-bit word, the odd last element, and values an f16 tensor cannot hold as they are.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Add, Mul } from '../../src/ops/binary.js';
import { Relu } from '../../src/ops/unary.js';
import { Concat } from '../../src/ops/concat.js';
import { Split } from '../../src/ops/split.js';
import { Identity } from '../../src/ops/reshape.js';
import { MaxPool } from '../../src/ops/pool.js';
import { EXACT } from '../../src/ops/op.js';
import { F32_MAX } from '../../src/ops/activation.js';
import { f16ToF32, f32ToF16 } from '../../src/graph/constant.js';
import { SHADERS, type ShaderStem } from '../../src/backends/webgpu/shaders.gen.js';
import { tensor } from '../../src/tensor.js';
import { expectClose } from '../helpers/harness.js';
import { describeGpu, F16_MAX, newBackend, runGpu, skipReason, type WebGpuBackendT } from './gpu.js';

interface HalfModule {
  halfStorage(stem: string, code: string): string;
  HalfError: new (message: string) => Error;
}
const { halfStorage, HalfError } = (await import(new URL('../../scripts/wgsl-half.mjs', import.meta.url).href)) as HalfModule;

const decl = (binding: number, access: string, name: string, type: string, comment = '') =>
  `@group(0) @binding(${binding}) var<storage${access ? `, ${access}` : ''}> ${name}: ${type};${comment ? ` // ${comment}` : ''}\n`;

describe('scripts/wgsl-half.mjs halfStorage', () => {
  it('read bindings become u32 words, read_write scalars atomic words, vec4s two words (vec2u); other bindings stay', () => {
    const out = halfStorage('k', decl(0, 'read', 'x', 'array<f32>') + decl(1, '', 'v', 'array<vec4f>') + decl(2, 'read_write', 'y', 'array<f32>')
      + decl(3, 'read_write', 'w', 'array<vec4f>') + decl(4, 'read', 'idx', 'array<u32>') + '@group(0) @binding(5) var<uniform> p: vec4u;\n'
      + 'fn main() { y[0] = x[idx[0]]; w[0] = v[0]; }\n');
    expect(out).toMatch(/var<storage, read> x: array<u32>;/);
    expect(out).toMatch(/var<storage> v: array<vec2u>;/);
    expect(out).toMatch(/var<storage, read_write> y: array<atomic<u32>>;/);
    expect(out).toMatch(/var<storage, read_write> w: array<vec2u>;/);
    expect(out).toMatch(/var<storage, read> idx: array<u32>;/);
    expect(out).toMatch(/var<uniform> p: vec4u;/);
    expect(out).toContain('st_y(u32(0), ld_x(u32(idx[0])));');
    expect(out).toContain('st_w(u32(0), ld_v(u32(0)));');
  });

  it('leaves a binding whose declaration says `stays f32` alone, accesses included', () => {
    const out = halfStorage('k', decl(0, 'read', 'lut', 'array<f32>', 'stays f32: the host writes it') + decl(1, 'read_write', 'y', 'array<f32>')
      + 'fn main() { y[1] = lut[3]; }\n');
    expect(out).toMatch(/var<storage, read> lut: array<f32>;/);
    expect(out).toContain('st_y(u32(1), lut[3]);');
    expect(out).not.toMatch(/ld_lut|st_lut/);
  });

  it('rewrites accesses inside indices and stored values, reads of written bindings, comparisons; not member accesses or comments', () => {
    const out = halfStorage('k', decl(0, 'read', 'x', 'array<f32>') + decl(1, 'read', 'xw', 'array<f32>') + decl(2, 'read_write', 'y', 'array<f32>')
      + 'struct P { x: array<u32, 4> }\n@group(0) @binding(3) var<uniform> p: P;\n'
      + 'fn main() {\n  y[u32(x[1])] = y[2] * xw[x [3]] + f32(p.x[0]); // y[9] = 9.0;\n  if (y[4] == 0.0) { y[5] = 1.0; }\n}\n');
    expect(out).toContain('st_y(u32(u32(ld_x(u32(1)))), ld_y(u32(2)) * ld_xw(u32(ld_x(u32(3)))) + f32(p.x[0]));');
    expect(out).toContain('if (ld_y(u32(4)) == 0.0) { st_y(u32(5), 1.0); }');
    expect(out).not.toMatch(/y\[9\]|9\.0/);
    // A read_write binding is read atomically: the other half of its word may be being written.
    expect(out).toMatch(/fn ld_y\(i: u32\) -> f32 \{ return unpack2x16float\(atomicLoad\(&y\[i >> 1u\]\)\)\[i & 1u\]; \}/);
  });

  it('emits only the accessors the kernel uses, once each', () => {
    const out = halfStorage('k', decl(0, 'read', 'x', 'array<f32>') + decl(1, 'read_write', 'y', 'array<f32>') + 'fn main() { y[0] = x[0]; y[1] = x[1]; }\n');
    expect(out.match(/fn ld_x\(/g)).toHaveLength(1);
    expect(out.match(/fn st_y\(/g)).toHaveLength(1);
    expect(out).not.toMatch(/fn ld_y\(/);
  });

  it('refuses, naming the kernel and the binding, what it cannot rewrite', () => {
    const y = decl(0, 'read_write', 'y', 'array<f32>'), w = decl(0, 'read_write', 'w', 'array<vec4f>');
    const cases: [string, RegExp][] = [
      [y + 'fn main() { y[0] += 1.0; }', /k\.wgsl: compound assignment to y\[/],
      [y + 'fn main() { y[0] *= 2.0; }', /compound assignment to y\[/],
      [w + 'fn main() { w[0][1] = 1.0; }', /k\.wgsl: component store into w\[/],
      [y + 'fn main() { let q = &y[0]; }', /address of y\[/],
      [y + 'fn f(y: array<f32, 4>) -> f32 { return y[0]; }\nfn main() { y[0] = 1.0; }', /fn f indexes a local named like the binding y/],
      [y + 'fn main() { var y = array<f32, 2>(); y[0] = 1.0; }', /fn main indexes a local named like the binding y/],
      [y + 'fn ld_y() {}\nfn main() { y[0] = 1.0; }', /ld_y\/st_y already exist/],
    ];
    for (const [code, message] of cases) {
      expect(() => halfStorage('k', code), code).toThrow(HalfError);
      expect(() => halfStorage('k', code), code).toThrow(message);
    }
  });

  // The module promises an error rather than a wrong shader for anything it cannot express. An f32
  // storage binding it does not recognise would stay f32 while the host fills it with halves.
  it('refuses f32 storage bindings it does not rewrite (other spellings, fixed sizes) unless they say `stays f32`', () => {
    for (const type of ['array<vec4<f32>>', 'array<vec2f>', 'array<f32, 8>']) {
      const code = decl(0, 'read_write', 'y', type) + 'fn main() { _ = y[0]; }\n';
      expect(() => halfStorage('k', code), type).toThrow(HalfError);
      expect(halfStorage('k', decl(0, 'read_write', 'y', type, 'stays f32: host data') + 'fn main() { _ = y[0]; }\n'), type).toContain(type);
    }
  });

  // arrayLength(&y) on the packed binding counts words, not elements: another wrong shader, silently.
  it('refuses arrayLength or a pointer to a whole rewritten binding', () => {
    expect(() => halfStorage('k', decl(0, 'read_write', 'y', 'array<f32>') + 'fn main() { let n = arrayLength(&y); y[0] = f32(n); }\n')).toThrow(HalfError);
  });
});

/** `stays f32` bindings per kernel source: the only f32 storage a half variant may keep. */
function staysF32(stem: string): number {
  return readFileSync(new URL(`../../kernels/${stem}.wgsl`, import.meta.url), 'utf8').match(/var<storage[^;]*;[^\n]*\bstays f32\b/g)?.length ?? 0;
}

let b: WebGpuBackendT;
beforeAll(async () => { if (skipReason === undefined) b = await newBackend('f16'); });
afterAll(() => b?.dispose());

describeGpu('half variants of kernels/*.wgsl', () => {
  it.each(Object.keys(SHADERS) as ShaderStem[])('%s compiles cleanly, its f32 storage only what stays f32', async (stem) => {
    const half = SHADERS[stem].half;
    const info = await b.device.createShaderModule({ code: half }).getCompilationInfo();
    expect(info.messages.map((m) => `${m.type} ${m.lineNum}:${m.linePos} ${m.message}`)).toEqual([]);
    expect(half.match(/@binding\(/g)?.length, stem).toBe(SHADERS[stem].bindings.length);
    expect(half.match(/var<storage[^>]*>\s*\w+\s*:\s*array<\s*f32\s*>/g)?.length ?? 0, stem).toBe(staysF32(stem));
    expect(half, stem).not.toMatch(/var<storage[^>]*>\s*\w+\s*:\s*array<\s*vec4f\s*>/);
  });
});

/** Bytes of a storage buffer holding `view`: padded to 16, as the backend pads tensors. */
const padded = (bytes: number) => Math.max(16, Math.ceil(bytes / 16) * 16);

/**
 * Runs `code` once over `groups` workgroups with storage bindings 0.. holding `buffers` (their initial
 * contents) and the uniform `params` after them; returns every storage buffer's contents afterwards.
 */
async function dispatch(device: GPUDevice, code: string, buffers: readonly ArrayBufferView[], params: ArrayBufferView, groups: number): Promise<ArrayBuffer[]> {
  const module = device.createShaderModule({ code });
  expect((await module.getCompilationInfo()).messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`)).toEqual([]);
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const make = (data: ArrayBufferView, usage: number) => {
    const buffer = device.createBuffer({ size: padded(data.byteLength), usage, mappedAtCreation: true });
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    buffer.unmap();
    return buffer;
  };
  const storage = buffers.map((d) => make(d, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC));
  const uniform = make(params, GPUBufferUsage.UNIFORM);
  const entries = [...storage, uniform].map((buffer, binding) => ({ binding, resource: { buffer } }));
  const reads = storage.map((s) => device.createBuffer({ size: s.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }));
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }));
  pass.dispatchWorkgroups(groups);
  pass.end();
  storage.forEach((s, i) => encoder.copyBufferToBuffer(s, 0, reads[i], 0, s.size));
  device.queue.submit([encoder.finish()]);
  const out: ArrayBuffer[] = [];
  for (const r of reads) {
    await r.mapAsync(GPUMapMode.READ);
    out.push(r.getMappedRange().slice(0));
  }
  for (const buffer of [...storage, uniform, ...reads]) buffer.destroy();
  return out;
}

describeGpu('a rewritten kernel computes what its f32 source does (f16 backend device)', () => {
  // Adjacent invocations read-modify-write the two halves of one word at once; vec4s are whole word pairs;
  // a `stays f32` table is read as f32. Every value is a multiple of 1/8 below 2^8: exact in f16, so the
  // result must be exact whichever way a conversion rounds.
  const SOURCE = `struct Params { n: u32, scale: f32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> v: array<vec4f>;
@group(0) @binding(2) var<storage, read> lut: array<f32>; // stays f32: written by the host
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> w: array<vec4f>;
@group(0) @binding(5) var<uniform> p: Params;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  if (i < p.n) { y[i] = y[i] * p.scale + x[i] + lut[i % 4u]; }
  if (i < (p.n + 3u) / 4u) { w[i] = v[i] * 2.0 + vec4f(x[min(4u * i + 1u, p.n - 1u)]); }
}
`;

  it.each([1, 2, 3, 1023, 4096 + 1])('n = %i: every element, and the half after the last one untouched', async (n) => {
    const n4 = Math.ceil(n / 4);
    const x = Float32Array.from({ length: n }, (_, i) => (((i * 5) % 129) - 64) / 8);
    const v = Float32Array.from({ length: n4 * 4 }, (_, i) => (((i * 7) % 33) - 16) / 4);
    const lut = Float32Array.of(0.5, -0.25, 1, 0.125);
    // One element past the end: a sentinel that no invocation owns.
    const y0 = Float32Array.from({ length: n + 1 }, (_, i) => (i === n ? 1 : (((i * 3) % 41) - 20) / 4));
    const wantY = y0.map((y, i) => (i === n ? 1 : y * 2 + x[i] + lut[i % 4]));
    const wantW = v.map((val, i) => val * 2 + x[Math.min(4 * Math.floor(i / 4) + 1, n - 1)]);
    const params = new Uint32Array([n, 0, 0, 0]);
    new Float32Array(params.buffer).set([2], 1);

    const f32 = await dispatch(b.device, SOURCE, [x, v, lut, y0, new Float32Array(n4 * 4)], params, Math.ceil(n / 64));
    expect(Array.from(new Float32Array(f32[3], 0, n + 1))).toEqual(Array.from(wantY));
    expect(Array.from(new Float32Array(f32[4], 0, n4 * 4))).toEqual(Array.from(wantW));

    const half = await dispatch(b.device, halfStorage('toy', SOURCE), [f32ToF16(x), f32ToF16(v), lut, f32ToF16(y0), new Uint16Array(n4 * 4)], params, Math.ceil(n / 64));
    expect(Array.from(f16ToF32(new Uint16Array(half[3], 0, n + 1)))).toEqual(Array.from(wantY));
    expect(Array.from(f16ToF32(new Uint16Array(half[4], 0, n4 * 4)))).toEqual(Array.from(wantW));
  });
});

/** Exactly representable in f16 (multiples of 1/4 below 2^9), distinct from their neighbours. */
function exactValues(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((((i + seed) * 37) % 801) - 400) / 4);
}

describeGpu('f16 backend: two writers of one word, the odd last element, pieces at any offset', () => {
  // Add writes one half per invocation (atomic and/or on the word), Relu a whole vec4 (two words) per
  // invocation. Sums of the exact values below stay exact in f16: any lost or stale half is a wrong value.
  it.each([1, 3, 4, 1023, 4097])('Add and Relu over %i elements are exact, run after run on the same buffers', async (n) => {
    const a = b.alloc([n]), c = b.alloc([n]), sum = b.alloc([n]), relu = b.alloc([n]);
    const add = b.prepare(Add, [a, c], Add.parseAttrs({}), [sum]);
    const act = b.prepare(Relu, [a], Relu.parseAttrs({}), [relu]);
    for (const seed of [1, 2]) {
      const x = exactValues(n, seed), y = exactValues(n, seed * 11 + 5);
      b.write(a, x);
      b.write(c, y);
      const [gotSum, gotRelu] = await b.execute([add, act], [sum, relu]);
      expectClose(gotSum, x.map((v, i) => v + y[i]), EXACT, `Add n=${n} run ${seed}`);
      expectClose(gotRelu, x.map((v) => Math.max(v, 0)), EXACT, `Relu n=${n} run ${seed}`);
    }
  });

  // Each piece is its own dispatch: a piece starting mid-word shares that word with the one before it.
  it.each([[[3], [4], [5]], [[4], [3], [2]], [[1], [1], [1]], [[2, 3], [2, 2], [2, 1]]] as number[][][])(
    'Concat of %j along the last axis (pieces start mid-word and at word boundaries) is exact', async (...shapes) => {
      const xs = shapes.map((s, i) => tensor(s, exactValues(s.reduce((p, d) => p * d, 1), i + 3)));
      const [got] = await runGpu(b, Concat, xs, { axis: -1 }, { constants: [1] });
      const want: number[] = [];
      const rows = shapes[0].length === 1 ? 1 : shapes[0][0];
      for (let r = 0; r < rows; r++) for (const x of xs) { const w = x.shape[x.shape.length - 1]; want.push(...x.data.subarray(r * w, (r + 1) * w)); }
      expectClose(got.data, want, EXACT, `Concat ${JSON.stringify(shapes)}`);
    });

  it('Split reading from mid-word offsets is exact', async () => {
    const x = tensor([2, 9], exactValues(18, 7));
    const got = await runGpu(b, Split, [x], { axis: 1, split: [3, 4, 2] });
    const cols = [[0, 3], [3, 7], [7, 9]];
    got.forEach((t, k) => {
      const [from, to] = cols[k];
      const want = [...x.data.subarray(from, to), ...x.data.subarray(9 + from, 9 + to)];
      expectClose(t.data, want, EXACT, `Split part ${k}`);
    });
  });
});

describeGpu('f16 backend: values an f16 tensor cannot hold as they are', () => {
  const through = async (values: number[]): Promise<Float32Array> => (await runGpu(b, Identity, [tensor([values.length], Float32Array.from(values))]))[0].data;

  it('uploads round to the nearest half, ties to even', async () => {
    const got = await through([1 + 2 ** -11, 1 + 3 * 2 ** -11, 2049, 2051, -2049, 0.1, 1 / 3]);
    expect(Array.from(got)).toEqual([1, 1 + 2 ** -9, 2048, 2052, -2048, 0.0999755859375, 0.333251953125]);
  });

  it('uploads beyond ±65504 saturate there, the largest finite half, rather than become infinite', async () => {
    const got = await through([70000, -70000, 65504, 65519, 65520, 1e30, F32_MAX, -F32_MAX]);
    expect(Array.from(got)).toEqual([F16_MAX, -F16_MAX, F16_MAX, F16_MAX, F16_MAX, F16_MAX, F16_MAX, -F16_MAX]);
  });

  it('tiny uploads become subnormal halves or zero (a device may flush subnormals to zero)', async () => {
    const values = [1e-8, -1e-8, 3e-8, 1e-6, -1e-6, 6e-5, 2 ** -14, 1e-4];
    // Nearest multiples of 2^-24 below 2^-14; normal halves from 2^-14 up.
    const want = [0, -0, 2 ** -24, 17 * 2 ** -24, -17 * 2 ** -24, 1007 * 2 ** -24, 2 ** -14, 1678 * 2 ** -24];
    const got = await through(values);
    want.forEach((w, i) => {
      const subnormal = w !== 0 && Math.abs(w) < 2 ** -14;
      if (subnormal && got[i] === 0) return;
      expect(got[i], `${values[i]}`).toBe(w);
    });
    // Only the subnormals may have been flushed; the normal ones come back bit for bit.
    expect(got[6]).toBe(2 ** -14);
    expect(got[7]).toBe(want[7]);
  });

  // A result beyond the f16 range must not turn into garbage: WGSL leaves pack2x16float of it undefined.
  // Saturating, as uploads do, keeps the f16 backend's one rule for out-of-range values.
  it('a result beyond ±65504 is stored saturated, as uploads are', async () => {
    const [got] = await runGpu(b, Mul, [tensor([4], Float32Array.of(300, -300, 256, 255.875)), tensor([4], Float32Array.of(300, 300, 256, 256))]);
    expect(Array.from(got.data)).toEqual([F16_MAX, -F16_MAX, F16_MAX, F16_MAX]);
  });

  it('a max pool window wholly in the padding stores the lowest half, -65504 (the f32 path stores -F32_MAX)', async () => {
    const x = tensor([1, 1, 1, 2], Float32Array.of(1, -2));
    const [got] = await runGpu(b, MaxPool, [x], { kernel: [1, 1], pads: [1, 1, 1, 1] });
    // 3x3 windows of one pixel each: only the centre one sees the input.
    expect(Array.from(got.data)).toEqual(Array.from({ length: 18 }, (_, i) => (i === 8 ? 1 : i === 9 ? -2 : -F16_MAX)));
  });
});
