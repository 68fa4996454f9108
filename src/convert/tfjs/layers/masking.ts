// Keras Masking -> a graph input of sequence lengths. A masked step leaves every recurrent state as it
// was, so skipping the masked steps equals running the recurrence over the others moved to the front:
// the classifier compacts each sequence and feeds the count, which every recurrent node after the mask
// reads as sequence_lens (recurrent.ts); convert.ts refuses layers for which that would not hold.
import type { Value } from '../builder.js';
import type { LayerContext } from '../context.js';

export function masking(ctx: LayerContext): Value[] {
  const x = ctx.input(), b = ctx.b;
  if (b.mask) ctx.unsupported(`a second Masking layer (the model has one already, "${b.mask.layer}")`);
  if (!b.inputNames.has(x.name) || x.shape.length !== 3) {
    ctx.unsupported('a Masking layer that does not read a [batch, steps, features] model input directly (the classifier finds missing steps in the input)');
  }
  const value = ctx.cfg.number('mask_value', 0);
  const lengths = b.input(`${ctx.outName}/lengths`, [1]);
  // Its own node, so that convert can tell whether anything else reads the unmasked input.
  const y = ctx.emit1('Identity', [x], {});
  b.mask = { layer: ctx.layer.name, source: x, lengths, value };
  b.masked.set(y.name, lengths);
  return [y];
}
