// Arena planning: every intermediate of one prepared plan gets an offset in one block, and two
// tensors share bytes only when their lifetimes (step index ranges, inclusive) do not overlap.
import { alignUp } from './memory.js';

export interface Lifetime {
  readonly bytes: number;
  /** First and last step that touch the tensor; -1 = written before the first step. */
  readonly first: number;
  readonly last: number;
}

export interface ArenaPlan {
  readonly offsets: number[];
  readonly size: number;
}

/**
 * Greedy best-fit by decreasing size (the usual heuristic for offline buffer sharing): each tensor
 * takes the lowest aligned offset not overlapping any already placed tensor that is live with it.
 */
export function planArena(items: readonly Lifetime[], align = 64): ArenaPlan {
  const order = items.map((_, i) => i).sort((i, j) => items[j].bytes - items[i].bytes || items[i].first - items[j].first);
  const offsets = new Array<number>(items.length).fill(0);
  const placed: number[] = [];
  let size = 0;
  for (const i of order) {
    const it = items[i];
    const bytes = alignUp(it.bytes, align);
    const live = placed
      .filter((j) => items[j].first <= it.last && it.first <= items[j].last)
      .sort((a, b) => offsets[a] - offsets[b]);
    let at = 0;
    for (const j of live) {
      if (at + bytes <= offsets[j]) break;
      at = Math.max(at, offsets[j] + alignUp(items[j].bytes, align));
    }
    offsets[i] = at;
    placed.push(i);
    size = Math.max(size, at + bytes);
  }
  return { offsets, size };
}
