// The soak of soak.test.ts on the webgpu backend (Node, Dawn; SwiftShader here): classifications of real
// digits through ImageClassifier must not grow the GPU buffers edgeinfer holds (count and bytes, counted
// both by the device's ledger and by a wrapper on the device itself), its textures, nor the JS heap, and must keep
// giving the js backend's answers. Without an adapter it skips, except under CI, where it fails (gpu.ts).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WebGpuBackend } from '../../src/backends/webgpu/backend.js';
import { webgpuDeviceProvider } from '../../src/backends/webgpu/provider.js';
import { ledgerOf } from '../../src/backends/webgpu/ledger.js';
import type { Graph } from '../../src/graph/ir.js';
import { optimize } from '../../src/graph/optimize.js';
import { Session } from '../../src/runtime/session.js';
import { ImageClassifier, type Classification } from '../../src/vision/classifier.js';
import { mnistDigits } from '../helpers/mnist.js';
import { loadMnist8Graph } from '../helpers/models.js';
import { describeGpu, gpu } from '../webgpu/gpu.js';

// 5,000 as on wasm and js: SwiftShader runs mnist-8 at ~15 ms a classification on this 2-core
// machine, so this file takes ~75 s; each classification is a submit, uniform writes and a read-back.
const WARM_UP = 100;
const SOAK = 5_000;
/** Buffer state is sampled this often, so a slow drift shows up as well as a final difference. */
const SAMPLE_EVERY = 250;
const IMAGES = 50;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc(); gc();
  return process.memoryUsage().heapUsed;
}

/** What edgeinfer holds on `device`, seen from outside the backend: live buffers (with their sizes) and textures. */
interface Watched { readonly buffers: Map<GPUBuffer, number>; readonly textures: Set<GPUTexture> }

/** Calls `onDestroy` when `o` is destroyed, before destroying it. */
function onDestroy(o: { destroy(): void }, then: () => void): void {
  const destroy = o.destroy.bind(o);
  Object.defineProperty(o, 'destroy', { configurable: true, value: () => { then(); destroy(); } });
}

/** Wraps the device's createBuffer and createTexture, and each result's destroy. */
function watchDevice(device: GPUDevice): Watched {
  const watched: Watched = { buffers: new Map(), textures: new Set() };
  const createBuffer = device.createBuffer.bind(device);
  const createTexture = device.createTexture.bind(device);
  Object.defineProperty(device, 'createBuffer', {
    configurable: true,
    value: (d: GPUBufferDescriptor) => {
      const b = createBuffer(d);
      watched.buffers.set(b, d.size);
      onDestroy(b, () => watched.buffers.delete(b));
      return b;
    },
  });
  Object.defineProperty(device, 'createTexture', {
    configurable: true,
    value: (d: GPUTextureDescriptor) => {
      const t = createTexture(d);
      watched.textures.add(t);
      onDestroy(t, () => watched.textures.delete(t));
      return t;
    },
  });
  return watched;
}

function mnistForClassifier(): Graph {
  const graph = optimize(loadMnist8Graph());
  // Gray 28x28 digits as the model takes them: pixel / 255, no resize.
  graph.metadata.preprocess = {
    width: 28, height: 28, channels: 1, colorOrder: 'GRAY', scale: 1 / 255, mean: [0], std: [1], resize: 'stretch', crop: 'none',
  };
  return graph;
}

function digitImages(n: number) {
  const { images } = mnistDigits(n);
  return Array.from({ length: n }, (_, i) => ({
    width: 28, height: 28, format: 'GRAY' as const, data: Uint8Array.from(images.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)),
  }));
}

interface GpuState { ledger: number; watched: number; bytes: number; owned: number; textures: number }

describeGpu(`soak on webgpu: ${SOAK.toLocaleString('en-US')} classifications`, () => {
  let device: GPUDevice;
  let live: Watched;
  const images = digitImages(IMAGES);
  /** The js backend's top-3 for each image: what every GPU classification must repeat. */
  let want: Classification[][];

  beforeAll(async () => {
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('requestAdapter() returned null although gpu.ts found an adapter');
    // The app's own device (as in lifecycle.test.ts), so its createBuffer/createTexture are watched from the start.
    device = await adapter.requestDevice();
    live = watchDevice(device);
    const js = await ImageClassifier.create(await Session.create(mnistForClassifier(), { backend: 'js' }), { topK: 3 });
    want = [];
    for (const image of images) want.push(await js.classify(image));
    js.dispose();
  });
  afterAll(() => device?.destroy());

  it('GPU buffers (count and bytes), textures and the JS heap stay flat; results stay those of js', async () => {
    const ledger = ledgerOf(device);
    const empty: GpuState = { ledger: ledger.live, watched: live.buffers.size, bytes: 0, owned: 0, textures: live.textures.size };
    const backend = await webgpuDeviceProvider(device).create() as WebGpuBackend;
    const session = await Session.create(mnistForClassifier(), { backend });
    const classifier = await ImageClassifier.create(session, { topK: 3 });
    const state = (): GpuState => ({
      ledger: ledger.live, watched: live.buffers.size, bytes: [...live.buffers.values()].reduce((a, s) => a + s, 0), owned: backend.bufferCount,
      textures: live.textures.size,
    });
    let worstScore = 0;
    const classify = async (i: number) => {
      const k = i % IMAGES;
      const top = await classifier.classify(images[k]);
      expect(top.map((c) => c.index), `classification ${i} (image ${k})`).toEqual(want[k].map((c) => c.index));
      for (let j = 0; j < 3; j++) worstScore = Math.max(worstScore, Math.abs(top[j].score - want[k][j].score));
    };

    for (let i = 0; i < WARM_UP; i++) await classify(i);
    const heap0 = heapAfterGc();
    const warm = state();
    // The plan is built: it holds buffers, and the ledger and the device agree on how many.
    expect(warm.ledger - empty.ledger).toBeGreaterThan(10);
    expect(warm.watched - empty.watched).toBe(warm.ledger - empty.ledger);
    expect(warm.owned).toBe(warm.watched - empty.watched);
    const samples: GpuState[] = [];
    for (let i = 0; i < SOAK; i++) {
      await classify(WARM_UP + i);
      if ((i + 1) % SAMPLE_EVERY === 0) samples.push(state());
    }
    const heap1 = heapAfterGc();
    const end = state();
    console.log(`webgpu (${backend.adapter}) soak of ${SOAK} classifications after ${WARM_UP} warm-up: GPU buffers ${warm.watched} -> ${end.watched} `
      + `(ledger ${warm.ledger} -> ${end.ledger}, backend ${warm.owned} -> ${end.owned}), bytes ${warm.bytes} -> ${end.bytes}, textures ${warm.textures} -> ${end.textures}; `
      + `JS heap ${(heap0 / 2 ** 20).toFixed(1)} -> ${(heap1 / 2 ** 20).toFixed(1)} MiB; worst score diff vs js ${worstScore.toExponential(2)}`);
    for (const s of samples) expect(s).toEqual(warm);
    expect(end).toEqual(warm);
    expect(worstScore).toBeLessThan(1e-4);
    expect(heap1 - heap0).toBeLessThan(2 * 2 ** 20);

    classifier.dispose();
    session.dispose();
    // Everything the session took is given back to the (shared, still alive) device.
    expect(state()).toEqual(empty);
  }, 300_000);
});
