// Memory planning from value lifetimes, for every backend: two values share memory only when their
// lifetimes (step index ranges, inclusive) do not overlap. Two layouts of the same lifetimes:
// offsets in one block (wasm's linear memory) and slots, whole buffers reused whole (WebGPU).

export interface Lifetime {
  readonly bytes: number;
  /** First and last step that touch the value; -1 = written before the first step. */
  readonly first: number;
  readonly last: number;
}

export interface ArenaPlan {
  readonly offsets: number[];
  readonly size: number;
}

export interface SlotPlan {
  /** items[i] lives in slot slotOf[i]. */
  readonly slotOf: number[];
  /** Each slot's size in bytes: the largest item it holds. */
  readonly slotBytes: number[];
}

export function alignTo(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

const overlaps = (a: Lifetime, b: Lifetime): boolean => a.first <= b.last && b.first <= a.last;

/** Largest first, ties by first use: the usual order of offline buffer-sharing heuristics. */
function bySize(items: readonly Lifetime[]): number[] {
  return items.map((_, i) => i).sort((i, j) => items[j].bytes - items[i].bytes || items[i].first - items[j].first);
}

/**
 * Greedy best-fit by decreasing size: each item takes the lowest aligned offset not overlapping any
 * already placed item that is live with it.
 */
export function planArena(items: readonly Lifetime[], align = 64): ArenaPlan {
  const offsets = new Array<number>(items.length).fill(0);
  const placed: number[] = [];
  let size = 0;
  for (const i of bySize(items)) {
    const it = items[i];
    const bytes = alignTo(it.bytes, align);
    const live = placed.filter((j) => overlaps(items[j], it)).sort((a, b) => offsets[a] - offsets[b]);
    let at = 0;
    for (const j of live) {
      if (at + bytes <= offsets[j]) break;
      at = Math.max(at, offsets[j] + alignTo(items[j].bytes, align));
    }
    offsets[i] = at;
    placed.push(i);
    size = Math.max(size, at + bytes);
  }
  return { offsets, size };
}

/**
 * Largest first, each item into the smallest existing slot that is free for its whole lifetime and
 * large enough; else a new slot. Slots never grow, so a slot's size is its first (largest) item's.
 */
export function planSlots(items: readonly Lifetime[]): SlotPlan {
  const slotOf = new Array<number>(items.length).fill(-1);
  const slotBytes: number[] = [];
  const members: number[][] = [];
  for (const i of bySize(items)) {
    const it = items[i];
    let best = -1;
    for (let s = 0; s < slotBytes.length; s++) {
      if (slotBytes[s] < it.bytes || members[s].some((j) => overlaps(items[j], it))) continue;
      if (best < 0 || slotBytes[s] < slotBytes[best]) best = s;
    }
    if (best < 0) {
      best = slotBytes.length;
      slotBytes.push(it.bytes);
      members.push([]);
    }
    slotOf[i] = best;
    members[best].push(i);
  }
  return { slotOf, slotBytes };
}
