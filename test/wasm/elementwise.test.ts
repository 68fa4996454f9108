// How the wasm backend plans a broadcasting binary op (the op math on every backend is in
// test/ops/binary.cases.ts): axes collapsed, the scalar-run modes, several calls beyond three outer axes.
import { describe, expect, it } from 'vitest';
import { broadcastPlan } from '../../src/backends/wasm/prepare/elementwise.js';

describe('broadcastPlan', () => {
  it('collapses a per-channel bias to one outer axis and a dense inner run', () => {
    const p = broadcastPlan([2, 4, 4, 8], [8], [2, 4, 4, 8]);
    expect([p.n, p.mode, p.dims, p.sa, p.sb, p.calls.length]).toEqual([8, 0, [1, 1, 32], [0, 0, 8], [0, 0, 0], 1]);
  });
  it('uses a scalar-run mode when one operand is constant along the inner axis', () => {
    const p = broadcastPlan([5, 1], [1, 6], [5, 6]);
    expect([p.n, p.mode, p.dims[2], p.sa[2], p.sb[2]]).toEqual([6, 2, 5, 1, 0]);
  });
  it('walks axes beyond three outer ones with several calls', () => {
    const p = broadcastPlan([2, 1, 3, 1, 5], [2, 4, 1, 6, 1], [2, 4, 3, 6, 5]);
    expect(p.calls.length).toBe(2);
    expect(p.calls[1]).toEqual({ ao: 15, bo: 24, yo: 360 });
  });
});
