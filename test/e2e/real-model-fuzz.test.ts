// fuzzEim on .eim files converted from the real staged models: every truncation, byte flip and
// forged header must be refused with a ModelFormatError, or (flips with a recomputed checksum only)
// give a graph that validates, or is refused by validateGraph / Session with a typed error.
import { beforeAll, describe, expect, it } from 'vitest';
import { EdgeInferError } from '../../src/errors.js';
import type { Graph } from '../../src/graph/ir.js';
import { quantizeWeights } from '../../src/graph/quantize.js';
import { optimize } from '../../src/graph/optimize.js';
import { validateGraph } from '../../src/graph/validate.js';
import { readPreamble } from '../../src/format/layout.js';
import { readEim } from '../../src/format/reader.js';
import { writeEim } from '../../src/format/writer.js';
import { Session } from '../../src/runtime/session.js';
import { fuzzEim, type FuzzCounts, type FuzzOptions } from '../format/fuzz.js';
import { mnistDigits } from '../helpers/mnist.js';
import { loadMnist8Graph, loadOnnxFixture } from '../helpers/models.js';

interface Outcome {
  counts: FuzzCounts;
  /** Resealed flips readEim accepted: how many validateGraph then passed or refused (typed). */
  valid: number;
  refusedByValidation: number;
  /** Copies of the accepted files, when asked for (small models only). */
  accepted: Uint8Array[];
  ms: number;
}

/**
 * Runs fuzzEim with a reader that also validates what readEim accepts: a typed refusal there is
 * fine, anything else (TypeError, RangeError...) escapes and fuzzEim reports it as a bad case.
 */
function fuzz(bytes: Uint8Array, opts: FuzzOptions, keepAccepted: boolean): Outcome {
  const out: Outcome = { counts: undefined as unknown as FuzzCounts, valid: 0, refusedByValidation: 0, accepted: [], ms: 0 };
  const read = (b: Uint8Array): Graph => {
    const g = readEim(b);
    try {
      validateGraph(g);
      out.valid++;
    } catch (e) {
      if (!(e instanceof EdgeInferError)) throw e;
      out.refusedByValidation++;
    }
    if (keepAccepted) out.accepted.push(b.slice());
    return g;
  };
  const t0 = performance.now();
  out.counts = fuzzEim(bytes, { ...opts, read });
  out.ms = performance.now() - t0;
  return out;
}

function report(name: string, size: number, o: Outcome): void {
  const c = o.counts;
  console.log(`fuzz ${name} (${size.toLocaleString('en-US')} B) in ${o.ms.toFixed(0)} ms: truncated ${c.truncated}, flipped ${c.flipped}, `
    + `resealed rejected ${c.resealedRejected}, resealed accepted ${c.resealedAccepted} (validate: ${o.valid} ok, ${o.refusedByValidation} typed refusal), `
    + `forged ${c.forged}, slowest case ${c.slowestMs} ms`);
}

function expectCounts(bytes: Uint8Array, o: Outcome, trials: number, minForged: number): void {
  const c = o.counts;
  // Every byte of preamble and header is a truncation point.
  expect(c.truncated).toBeGreaterThan(readPreamble(bytes).dataOffset);
  // Half the trials are plain flips (a flip that changes nothing is not counted, hence the slack).
  expect(c.flipped).toBeGreaterThan(0.45 * trials);
  expect(c.resealedRejected + c.resealedAccepted).toBeGreaterThan(0.45 * trials);
  expect(c.resealedRejected).toBeGreaterThan(c.resealedAccepted);
  expect(o.valid + o.refusedByValidation).toBe(c.resealedAccepted);
  expect(c.forged).toBeGreaterThanOrEqual(minForged);
}

/** A resealed file readEim accepted must run, or be refused with a typed error. */
async function runsOrRefusesTyped(files: readonly Uint8Array[]): Promise<{ ran: number; refused: number }> {
  const { images } = mnistDigits(1);
  let ran = 0, refused = 0;
  for (const f of files) {
    try {
      const s = await Session.create(readEim(f), { backend: 'js' });
      const out = await s.run({ [s.inputs[0].name]: images.slice() });
      expect(out[s.outputs[0].name].data.length).toBeGreaterThan(0);
      s.dispose();
      ran++;
    } catch (e) {
      if (!(e instanceof EdgeInferError)) throw e;
      refused++;
    }
  }
  return { ran, refused };
}

describe('fuzzEim on real converted models', () => {
  let mnist8: Graph;
  beforeAll(() => { mnist8 = optimize(loadMnist8Graph()); });
  const TRIALS_SMALL = 4_000;

  for (const weights of ['f32', 'int8'] as const) {
    it(`mnist-8 (${weights}): all truncations, ${TRIALS_SMALL} flips, every forgery; accepted files run or refuse typed`, async () => {
      const bytes = writeEim(quantizeWeights(mnist8, weights));
      const o = fuzz(bytes, { seed: weights === 'f32' ? 8 : 88, trials: TRIALS_SMALL }, true);
      report(`mnist-8 ${weights}`, bytes.length, o);
      expectCounts(bytes, o, TRIALS_SMALL, 400);
      const t0 = performance.now();
      const r = await runsOrRefusesTyped(o.accepted);
      console.log(`  ${o.accepted.length} accepted files through Session: ${r.ran} ran, ${r.refused} refused (typed), ${(performance.now() - t0).toFixed(0)} ms`);
      expect(r.ran + r.refused).toBe(o.accepted.length);
    }, 120_000);
  }

  // 3.6 MB: every forged file and every resealed flip re-checksums the whole file (~10-20 ms each
  // here), so it gets fewer flips and an even spread of 150 of its ~530 forgeries.
  it('mobilenetv2-12-int8: all header truncations, 150 flips, 150 forgeries spread over every section', () => {
    const bytes = writeEim(optimize(loadOnnxFixture('mobilenetv2-12-int8')));
    const trials = 150;
    // Under a loaded 2-core machine one case of 3.6 MB has taken 200 ms: give it room, a hang is still caught.
    const o = fuzz(bytes, { seed: 12, trials, forged: 150, dataCuts: 100, maxMsPerCase: 2_000 }, false);
    report('mobilenetv2-12-int8', bytes.length, o);
    expectCounts(bytes, o, trials, 150);
    expect(o.counts.forged).toBe(150);
  }, 120_000);
});
