// One prepared plan (one batch size of one model): its values, its steps in order, and, once laid
// out, where each value lives in its arena. Lifetimes come from the order in which steps use values;
// values that share bytes (a Reshape's output and its input) are placed once, live for their union.
import { planArena } from '../../graph/arena.js';
import type { WasmTensor } from './tensor.js';

export interface Kernel {
  /** One inference's work for one node; reads tensor pointers, allocates nothing. A promise: its threads are finishing. */
  run(): void | Promise<void>;
  /** Called once after the arena is laid out, for tables that hold pointers (conv indirection). */
  bind?(): void;
}

interface Span { first: number; last: number }

export class PlanState {
  readonly values: WasmTensor[] = [];
  readonly kernels: Kernel[] = [];
  private readonly spans = new Map<WasmTensor, Span>();
  /** A value that shares the bytes of another (Reshape's output) -> the value that owns them. */
  private readonly owners = new Map<WasmTensor, WasmTensor>();
  /** Values whose lifetimes came from the prepared graph's plan: steps do not extend them. */
  private readonly planned = new Set<WasmTensor>();
  laidOut = false;
  arenaBytes = 0;

  /** A value of the prepared graph's plan, with the lifetime the plan gives it. */
  addPlanned(t: WasmTensor, first: number, last: number): void {
    this.values.push(t);
    this.spans.set(t, { first, last });
    this.planned.add(t);
  }

  /** Whether `t` shares the bytes of `of` (or of what `of` shares). */
  shares(t: WasmTensor, of: WasmTensor): boolean {
    const owner = this.owners.get(of) ?? of;
    return this.owners.get(t) === owner;
  }

  isPlanned(t: WasmTensor): boolean {
    return this.planned.has(t);
  }

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

  /** Makes `t` share the bytes of `of` (or of whatever `of` shares); both must be values of this plan. */
  share(t: WasmTensor, of: WasmTensor): void {
    this.owners.set(t, this.owners.get(of) ?? of);
  }

  /** Records one step; `writes` are its outputs and scratch blocks, `reads` its inputs. */
  addStep(kernel: Kernel, reads: readonly (WasmTensor | undefined)[], writes: readonly WasmTensor[]): void {
    const index = this.kernels.length;
    this.kernels.push(kernel);
    for (const t of writes) {
      if (t.plan !== this || this.planned.has(t)) continue;
      const s = this.spans.get(t);
      if (s) s.last = index; else this.spans.set(t, { first: index, last: index });
    }
    for (const t of reads) {
      if (!t || t.plan !== this || this.planned.has(t)) continue;
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
    // An owner lives from its first use to the last use of any value sharing its bytes.
    const life = new Map<WasmTensor, Span>();
    for (const t of this.values) {
      const s = this.spans.get(t) ?? { first: -1, last: end };
      const owner = this.owners.get(t) ?? t;
      const l = life.get(owner);
      const last = pinned.has(t) ? end : s.last;
      if (l) { l.first = Math.min(l.first, s.first); l.last = Math.max(l.last, last); } else life.set(owner, { first: s.first, last });
    }
    const owners = [...life.keys()];
    const bytes = new Map(owners.map((t) => [t, t.bytes]));
    for (const [t, owner] of this.owners) bytes.set(owner, Math.max(bytes.get(owner)!, t.bytes));
    const { offsets, size } = planArena(owners.map((t) => ({ bytes: bytes.get(t)!, ...life.get(t)! })));
    const base = place(size);
    owners.forEach((t, i) => { t.ptr = base + offsets[i]; });
    for (const [t, owner] of this.owners) t.ptr = owner.ptr;
    this.arenaBytes = size;
    this.laidOut = true;
    for (const k of this.kernels) k.bind?.();
  }
}
