// One module instance's linear memory seen from the host: a 64-byte-aligned bump allocator above the
// module's static data (weights, indirection tables, then each plan's arena), grown on demand, with
// typed-array views recreated whenever memory.grow has detached the old buffer.
import { BackendLostError } from '../../errors.js';

export const ALIGN = 64;
const PAGE = 65536;
/** Bytes kept addressable past the last block: tile epilogues may load (never store) a few lanes past a row. */
const SLACK = 64;

export function alignUp(n: number, a = ALIGN): number {
  return Math.ceil(n / a) * a;
}

export class LinearMemory {
  #top: number;
  #buffer: ArrayBuffer;
  #f32View: Float32Array;
  #i32View: Int32Array;

  constructor(private readonly memory: WebAssembly.Memory, heapBase: number) {
    this.#top = alignUp(heapBase);
    this.#buffer = memory.buffer;
    this.#f32View = new Float32Array(this.#buffer);
    this.#i32View = new Int32Array(this.#buffer);
  }

  /** Bytes handed out so far, static data included. */
  get used(): number {
    return this.#top;
  }

  /** A fresh block of `bytes` (contents undefined); never freed before the instance is dropped. */
  alloc(bytes: number): number {
    const p = alignUp(this.#top);
    const end = p + Math.max(bytes, 0);
    const have = this.memory.buffer.byteLength;
    if (end + SLACK > have) {
      try {
        this.memory.grow(Math.ceil((end + SLACK - have) / PAGE));
      } catch (e) {
        throw new BackendLostError('wasm', `out of memory: cannot grow linear memory to ${end} bytes`, { cause: e });
      }
    }
    this.#top = end;
    return p;
  }

  /** The whole memory as f32; index = byte offset / 4. Re-read after any alloc. */
  get f32(): Float32Array {
    this.#refresh();
    return this.#f32View;
  }

  get i32(): Int32Array {
    this.#refresh();
    return this.#i32View;
  }

  write(ptr: number, data: Float32Array): void {
    this.f32.set(data, ptr >> 2);
  }

  read(ptr: number, n: number): Float32Array {
    return this.f32.slice(ptr >> 2, (ptr >> 2) + n);
  }

  #refresh(): void {
    if (this.#buffer !== this.memory.buffer) {
      this.#buffer = this.memory.buffer;
      this.#f32View = new Float32Array(this.#buffer);
      this.#i32View = new Int32Array(this.#buffer);
    }
  }
}
