// What browser-bench.ts (Node) and the bench page exchange through page.evaluate: plain JSON.
import type { MemoryUse } from '../lib/runtimes.js';

/** One model's bench in a fresh page. URLs are on the bench server. */
export interface ModelRequest {
  readonly sdkUrl: string;
  readonly ortUrl: string;
  readonly batches: readonly number[];
  readonly inputName: string;
  readonly outputName: string;
  /** The IR input shape (dim 0 = batch, filled in per batch). */
  readonly irShape: readonly number[];
  /** onnxruntime's input is transpose(IR input, onnxPerm). */
  readonly onnxPerm: readonly number[];
  readonly eim: string;
  readonly onnx: string;
  readonly int8Onnx?: string;
  readonly tfjsJson: string;
  readonly tfjsWeights: string;
  /** One-node models whose first session measures each engine's instantiation. */
  readonly tiny: { readonly eim: string; readonly onnx: string };
  /** Per batch: the input variants a timed loop cycles through, in IR layout and in onnxruntime's. */
  readonly inputs: Readonly<Record<number, { readonly ir: readonly string[]; readonly ort: readonly string[] }>>;
  /** Runtime ids to run (ort-wasm always: the output reference). */
  readonly runtimes: readonly string[];
  /** Timed milliseconds per case, split over `passes`. */
  readonly budgetMs: number;
  readonly passes: number;
}

export interface InitResult {
  readonly runtime: string;
  readonly status: true | string;
  readonly initMs: number;
}

export interface CaseResult {
  readonly runtime: string;
  readonly batch: number;
  state: 'ready' | 'timed' | 'failed' | 'mismatch';
  note?: string;
  loadMs?: number;
  firstRunMs?: number;
  check?: string;
  memory?: MemoryUse;
  /** Timed samples (ms) of each pass. */
  readonly passes: number[][];
}

export interface PageResult {
  readonly inits: InitResult[];
  readonly cases: CaseResult[];
  /** Which edgeinfer kernel builds the page fetched (relaxed where Chromium has relaxed SIMD). */
  readonly wasmBuilds: string[];
  readonly userAgent: string;
  readonly crossOriginIsolated: boolean;
}
