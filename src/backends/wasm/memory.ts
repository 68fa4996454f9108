// One module instance's linear memory seen from the host: a 64-byte-aligned allocator above the module's
// static data (weights, indirection tables, the arena block plans share), grown on demand, with typed-array
// views recreated whenever memory.grow has detached the old buffer. Freed blocks (a dropped plan's tables,
// an arena block outgrown) go to a free list, coalesced, and are reused first fit; linear memory itself
// never shrinks.
import { ResourceError } from '../../errors.js';

export const ALIGN = 64;
const PAGE = 65536;
/** Bytes kept addressable past the last block: tile epilogues may load (never store) a few lanes past a row. */
const SLACK = 64;
/** What wasm32 addresses, and a non-shared memory may grow to. */
export const WASM32_BYTES = 2 ** 32;

export function alignUp(n: number, a = ALIGN): number {
  return Math.ceil(n / a) * a;
}

interface Block { ptr: number; bytes: number }

export class LinearMemory {
  #top: number;
  #used: number;
  /** Free blocks below #top, by address, none adjacent to another. */
  readonly #free: Block[] = [];
  #buffer: ArrayBuffer;
  #f32View: Float32Array;
  #i32View: Int32Array;

  /** `maxBytes`: what the memory may grow to (a shared memory's declared maximum). */
  constructor(private readonly memory: WebAssembly.Memory, heapBase: number, readonly maxBytes = WASM32_BYTES) {
    this.#top = this.#used = alignUp(heapBase);
    this.#buffer = memory.buffer;
    this.#f32View = new Float32Array(this.#buffer);
    this.#i32View = new Int32Array(this.#buffer);
  }

  /** Bytes handed out and not freed, static data included. */
  get used(): number {
    return this.#used;
  }

  /** A block of `bytes` (contents undefined), until free(). ResourceError when the memory cannot grow to it. */
  alloc(bytes: number): number {
    const size = alignUp(Math.max(bytes, 0));
    const i = this.#free.findIndex((f) => f.bytes >= size);
    if (size > 0 && i >= 0) {
      const f = this.#free[i];
      const p = f.ptr;
      if (f.bytes === size) this.#free.splice(i, 1);
      else { f.ptr += size; f.bytes -= size; }
      this.#used += size;
      return p;
    }
    const p = this.#top;
    this.#reach(p + size);
    this.#top = p + size;
    this.#used += size;
    return p;
  }

  /** Gives back a block alloc() returned, with the size it was asked for. */
  free(ptr: number, bytes: number): void {
    const size = alignUp(Math.max(bytes, 0));
    if (size === 0) return;
    this.#used -= size;
    let i = this.#free.findIndex((f) => f.ptr > ptr);
    if (i < 0) i = this.#free.length;
    const block = { ptr, bytes: size };
    const before = this.#free[i - 1], after = this.#free[i];
    if (after && ptr + size === after.ptr) { block.bytes += after.bytes; this.#free.splice(i, 1); }
    if (before && before.ptr + before.bytes === ptr) { before.bytes += block.bytes; } else this.#free.splice(i, 0, block);
    // A free block that ends at the top lowers it: the next block there may grow in place.
    const last = this.#free.at(-1);
    if (last && last.ptr + last.bytes === this.#top) { this.#top = last.ptr; this.#free.pop(); }
  }

  /** Makes [0, end + SLACK) addressable, growing the memory by whole pages. */
  #reach(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end + SLACK <= have) return;
    const pages = Math.ceil((end + SLACK - have) / PAGE);
    try {
      if (have + pages * PAGE > this.maxBytes) throw new RangeError(`the memory's maximum is ${this.maxBytes} bytes`);
      this.memory.grow(pages);
    } catch (e) {
      throw new ResourceError('OUT_OF_MEMORY', `wasm out of memory: cannot grow linear memory to ${end} bytes: ${(e as Error).message}`, end, this.maxBytes, { cause: e });
    }
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
