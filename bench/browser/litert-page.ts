// The LiteRT.js comparison page (bench/browser-litert.ts drives it): one Coral TFLite classifier run by
// LiteRT.js (its wasm CPU path, XNNPACK, one thread) and, converted to .eim, by edgeinfer (wasm, one
// thread), on the same photo; each timed in alternating passes after a warm-up. LiteRT.js is bundled
// into this script; edgeinfer is the SDK's own browser bundle, imported by URL.
import { loadAndCompile, loadLiteRt, Tensor } from '@litertjs/core';

export interface LiteRtRequest {
  readonly sdkUrl: string;
  readonly tflite: string;
  readonly eim: string;
  /** The photo as the model's uint8 input, [1, size, size, 3]. */
  readonly input: string;
  readonly size: number;
  readonly warmup: number;
  readonly runsPerPass: number;
  readonly passes: number;
}

export interface RuntimeTiming {
  readonly loadMs: number;
  readonly firstRunMs: number;
  /** Each pass's run times, ms. */
  readonly passes: number[][];
  readonly output: number[];
}

export interface LiteRtResult {
  readonly litert: RuntimeTiming;
  readonly edgeinfer: RuntimeTiming & { readonly backend: string; readonly threads: string };
  readonly crossOriginIsolated: boolean;
  readonly userAgent: string;
}

interface Runner { run(): Promise<number[]>; dispose(): void }

async function time(open: () => Promise<Runner>, warmup: number): Promise<{ runner: Runner; loadMs: number; firstRunMs: number; output: number[] }> {
  let t = performance.now();
  const runner = await open();
  const loadMs = performance.now() - t;
  t = performance.now();
  const output = await runner.run();
  const firstRunMs = performance.now() - t;
  for (let i = 0; i < warmup; i++) await runner.run();
  return { runner, loadMs, firstRunMs, output };
}

async function benchLiteRt(req: LiteRtRequest): Promise<LiteRtResult> {
  const bytes = new Uint8Array(await (await fetch(req.input)).arrayBuffer());
  const shape = [1, req.size, req.size, 3];
  const openLiteRt = async (): Promise<Runner> => {
    // The plain SIMD build (no threads, no relaxed SIMD), as LiteRT.js loads it without options.
    await loadLiteRt('/litert/', { threads: false });
    const model = await loadAndCompile(req.tflite, { accelerator: 'wasm', cpuOptions: { numThreads: 1 } });
    return {
      async run() {
        const input = new Tensor(bytes, shape);
        const outputs = await model.run(input);
        input.delete();
        const values = Array.from(outputs[0].toTypedArray() as Uint8Array, (q) => q / 256);
        for (const o of outputs) o.delete();
        return values;
      },
      dispose: () => model.delete(),
    };
  };
  const openEdgeinfer = async (): Promise<Runner & { backend: string; threads: string }> => {
    const sdk = await import(/* @vite-ignore */ req.sdkUrl) as typeof import('../../src/index.js');
    const model = await sdk.load(req.eim, { backend: 'wasm', threads: 1, cache: false });
    // The converted model takes the uint8 input dequantized: (q - 128) / 128.
    const x = Float32Array.from(bytes, (q) => (q - 128) / 128);
    const name = model.inputs[0].name, out = model.outputs[0].name;
    const chosen = model.selection.candidates.find((c) => c.status === 'chosen');
    return {
      backend: model.backend, threads: chosen?.priority === 25 ? 'threaded build' : '1 thread',
      async run() { return Array.from((await model.run({ [name]: { shape, data: x } }))[out].data); },
      dispose: () => model.dispose(),
    };
  };
  const lite = await time(openLiteRt, req.warmup);
  const ours = await time(openEdgeinfer, req.warmup);
  const litePasses: number[][] = [], ourPasses: number[][] = [];
  // Alternating passes, so a slow stretch of the machine falls on both.
  for (let p = 0; p < req.passes; p++) {
    for (const [runner, passes] of [[lite.runner, litePasses], [ours.runner, ourPasses]] as const) {
      const samples: number[] = [];
      for (let i = 0; i < req.runsPerPass; i++) {
        const t = performance.now();
        await runner.run();
        samples.push(performance.now() - t);
      }
      passes.push(samples);
    }
  }
  const { backend, threads } = ours.runner as Runner & { backend: string; threads: string };
  lite.runner.dispose();
  ours.runner.dispose();
  return {
    litert: { loadMs: lite.loadMs, firstRunMs: lite.firstRunMs, passes: litePasses, output: lite.output },
    edgeinfer: { loadMs: ours.loadMs, firstRunMs: ours.firstRunMs, passes: ourPasses, output: ours.output, backend, threads },
    crossOriginIsolated: globalThis.crossOriginIsolated,
    userAgent: navigator.userAgent,
  };
}

(globalThis as unknown as { pageApi: unknown }).pageApi = { benchLiteRt };
