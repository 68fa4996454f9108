// The wasm backend's stages (src/backends/stages.ts): preprocess_u8 and topk_f32 (assembly/kernels/) on
// blocks of the backend's linear memory taken once: the level table, the rank scratch and read-back, and
// for frames a byte buffer and a taps table that grow only when a larger frame comes. Per frame: its bytes
// copied in (the one copy a CPU kernel needs) and, when its size changed, its taps.
import { InputError } from '../../errors.js';
import type { Step } from '../backend.js';
import {
  checkPreprocessInput, checkRank, checkRankInput, frameTaps, readTopK, rgbaOf,
  type FrameInput, type PreprocessSpec, type PreprocessStage, type RankSpec, type RankStage,
} from '../stages.js';
import type { WasmContext } from './context.js';
import { WasmTensor } from './tensor.js';

/** A byte view of the backend's memory, made again only after memory.grow replaced the buffer. */
function bytesOf(b: WasmContext): () => Uint8Array {
  let view = new Uint8Array(b.k.memory.buffer);
  return () => (view.buffer === b.k.memory.buffer ? view : (view = new Uint8Array(b.k.memory.buffer)));
}

/** A persistent block of at least `bytes`, kept while it is large enough (the allocator never frees). */
function growable(b: WasmContext): (bytes: number) => number {
  let ptr = 0, capacity = 0;
  return (bytes) => {
    if (bytes > capacity) {
      capacity = Math.max(bytes, Math.ceil(capacity * 1.5));
      ptr = b.persistent(capacity);
    }
    return ptr;
  };
}

export function wasmPreprocessStage(b: WasmContext, input: WasmTensor, spec: PreprocessSpec): PreprocessStage {
  const kern = b.k;
  const { H, W } = checkPreprocessInput(input, spec);
  const C = spec.channels;
  const lut = b.persistent(C * 256 * 4);
  b.mem.write(lut, spec.lut.subarray(0, C * 256));
  const order = spec.order[0] | ((spec.order[1] ?? 0) << 8) | ((spec.order[2] ?? 0) << 16);
  const frameBlock = growable(b), tapsBlock = growable(b);
  const u8 = bytesOf(b);
  let size = { width: 0, height: 0 };
  let src = 0, taps = 0, xStride = 0, yBase = 0, yStride = 0, ready = false, disposed = false;
  const step: Step = () => {
    if (!ready || disposed) throw new InputError('preprocess stage ran without a frame');
    kern.preprocess_u8(src, size.width * 4, taps, W, H, xStride, yBase, yStride, C, order, lut, input.ptr);
  };
  return {
    step,
    sources: false,
    set: async (f: FrameInput) => {
      const rgba = rgbaOf(f, 'wasm');
      if (f.width !== size.width || f.height !== size.height) {
        ready = false;
        const packed = frameTaps(spec, W, H, f.width, f.height);
        taps = tapsBlock(packed.taps.byteLength);
        b.mem.i32.set(packed.taps, taps >> 2);
        ({ yBase, xStride, yStride } = packed);
        src = frameBlock(f.width * f.height * 4);
        size = { width: f.width, height: f.height };
      }
      u8().set(rgba, src);
      ready = true;
    },
    dispose: () => { disposed = true; },
  };
}

export function wasmRankStage(b: WasmContext, scores: WasmTensor, spec: RankSpec): RankStage {
  const kern = b.k;
  checkRankInput(scores, spec);
  const n = spec.classes;
  const words = Math.ceil(n / 32);
  const probs = spec.softmax ? b.persistent(n * 4) : 0;
  const best = b.persistent(n * 4);
  const keepPtr = b.persistent(words * 4);
  const out = b.persistent(2 * n * 4);
  const views = new Map<number, WasmTensor>();
  let k = 1, filtered = false, disposed = false;
  const step: Step = () => {
    if (disposed) throw new InputError('rank stage ran after dispose');
    kern.topk_f32(scores.ptr, n, k, filtered ? keepPtr : 0, spec.softmax, probs, best, out);
  };
  return {
    step,
    set: (kk, keep) => {
      checkRank(kk, n, keep);
      k = kk;
      filtered = keep !== undefined;
      // Uint32 into Int32 keeps every bit (ToInt32 wraps).
      if (keep) b.mem.i32.set(keep.length === words ? keep : keep.subarray(0, words), keepPtr >> 2);
      let view = views.get(kk);
      if (!view) {
        views.set(kk, view = new WasmTensor([2 * kk], 2 * kk, undefined));
        view.ptr = out;
      }
      return view;
    },
    read: readTopK,
    dispose: () => { disposed = true; },
  };
}
