// One prepared plan (one batch size of one model): its values, its steps in order, and, once laid
// out, where each value lives in its arena. Lifetimes come from the order in which steps use values.
import { planArena } from './plan.js';
import type { WasmTensor } from './tensor.js';

export interface Kernel {
  /** One inference's work for one node; reads tensor pointers, allocates nothing. */
  run(): void;
  /** Called once after the arena is laid out, for tables that hold pointers (conv indirection). */
  bind?(): void;
}

interface Span { first: number; last: number }

export class PlanState {
  readonly values: WasmTensor[] = [];
  readonly kernels: Kernel[] = [];
  private readonly spans = new Map<WasmTensor, Span>();
  laidOut = false;
  arenaBytes = 0;

  addValue(t: WasmTensor): void {
    this.values.push(t);
  }

  /** Forgets values (scratch of a step whose prepare failed). */
  dropValues(ts: readonly WasmTensor[]): void {
    for (const t of ts) {
      const i = this.values.indexOf(t);
      if (i >= 0) this.values.splice(i, 1);
    }
  }

  /** Records one step; `writes` are its outputs and scratch blocks, `reads` its inputs. */
  addStep(kernel: Kernel, reads: readonly (WasmTensor | undefined)[], writes: readonly WasmTensor[]): void {
    const index = this.kernels.length;
    this.kernels.push(kernel);
    for (const t of writes) {
      if (t.plan !== this) continue;
      const s = this.spans.get(t);
      if (s) s.last = index; else this.spans.set(t, { first: index, last: index });
    }
    for (const t of reads) {
      if (!t || t.plan !== this) continue;
      const s = this.spans.get(t);
      // A value read before any step wrote it is a graph input: live from before the first step.
      if (s) s.last = index; else this.spans.set(t, { first: -1, last: index });
    }
  }

  /**
   * Gives every value an offset in one arena that `place(bytes)` allocates; the `pinned` values
   * (graph outputs) stay live past the last step. Then binds the kernels that hold pointers.
   */
  layOut(pinned: ReadonlySet<WasmTensor>, place: (bytes: number) => number): void {
    const end = this.kernels.length;
    const lifetimes = this.values.map((t) => {
      const s = this.spans.get(t) ?? { first: -1, last: end };
      return { bytes: t.bytes, first: s.first, last: pinned.has(t) ? end : s.last };
    });
    const { offsets, size } = planArena(lifetimes);
    const base = place(size);
    this.values.forEach((t, i) => { t.ptr = base + offsets[i]; });
    this.arenaBytes = size;
    this.laidOut = true;
    for (const k of this.kernels) k.bind?.();
  }
}
