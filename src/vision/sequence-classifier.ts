// SequenceClassifier: a short sequence of feature frames in (e.g. 28 rows of 28 pixels, sensor
// windows), ranked {index, label, score} out, for recurrent (RNN/LSTM/GRU) and other models whose
// one input is [batch, steps, features]. Browser-safe: no Node imports.
import { InputError } from '../errors.js';
import type { LoadedModel } from '../runtime/load.js';
import type { Session } from '../runtime/session.js';
import { shapeToString } from '../tensor.js';
import type { SequenceMask } from '../graph/ir.js';
import type { ClassifierOptions } from './classifier.js';
import { ModelClassifier, openClassifier, type ClassifierSource } from './model-classifier.js';
import type { Classification, ClassifyOptions } from './ranking.js';

/** Load options as for ImageClassifier, less the image ones. */
export type SequenceClassifierOptions = Omit<ClassifierOptions, 'preprocess' | 'pixels'>;

/** One sequence: `steps` frames of `features` values each, or all of them flat (frame after frame). */
export type Sequence = readonly ArrayLike<number>[] | Float32Array;

/** Missing frames need a mask, which the TF.js importer makes from a Keras Masking layer. */
const NO_MASK = ' (the model has no Keras Masking)';

export class SequenceClassifier extends ModelClassifier<Sequence> {
  /** Frames per sequence and values per frame, as the model takes them. */
  readonly steps: number;
  readonly features: number;
  /**
   * The model's metadata.mask, else undefined. With one, a frame equal to it in every
   * value, a frame holding a NaN, and the frames a short sequence lacks at its end are missing: skipped by
   * every recurrent layer, state unchanged (Keras Masking).
   */
  readonly #mask: SequenceMask | undefined;
  /** Each slot's count of present frames, for the mask's input of lengths. */
  readonly #counts: Float32Array;

  private constructor(model: Session | LoadedModel, owned: boolean, options: SequenceClassifierOptions) {
    super(model, owned, options, 32);
    const graph = model.graph, mask = graph.metadata.mask;
    const [input, lengths] = graph.inputs;
    // A second input only as the mask's lengths.
    if (graph.inputs[2] || input?.shape.length !== 3 || lengths?.name !== mask?.input) {
      throw new InputError(`model "${graph.metadata.name ?? '?'}" is not a sequence classifier: it needs one input of [batch, steps, features]`, {
        expected: '[batch, steps, features]', received: graph.inputs.map((v) => `${v.name} ${shapeToString(v.shape)}`).join(', ') || 'no inputs',
      });
    }
    [, this.steps, this.features] = input.shape;
    this.#mask = mask;
    this.#counts = new Float32Array(this.batch);
  }

  static async create(source: ClassifierSource, options: SequenceClassifierOptions = {}): Promise<SequenceClassifier> {
    return openClassifier(source, options, (model, owned) => new SequenceClassifier(model, owned, options));
  }

  async classify(sequence: Sequence, options: ClassifyOptions = {}): Promise<Classification[]> {
    return (await this.classifyBatch([sequence], options))[0];
  }

  /** Every class's probability for each sequence. */
  scoresBatch(sequences: readonly Sequence[]): Promise<Float32Array[]> {
    const item = this.steps * this.features;
    return this.scores(sequences, 'sequences', item, (...args) => this.#fill(...args));
  }

  /**
   * Copies one sequence into slot `slot` of the batch, checking its shape and values. With a mask, only the
   * present frames, moved to the front in order, then zeros; their count goes to the lengths input.
   */
  #fill(seq: Sequence, data: Float32Array, slot: number, index: number): void {
    const { steps, features } = this, k = this.#mask, m = k && Math.fround(k.value), flat = seq instanceof Float32Array, offset = slot * steps * features;
    const expected = `${steps} frames of ${features} values (or ${steps * features} flat)`;
    if (!flat && !Array.isArray(seq)) throw new InputError(`sequence ${index} is not a sequence`, { expected, received: typeof seq });
    const n = flat ? seq.length / features : seq.length;
    // A masked sequence may lack frames at its end; a partial last frame fails the size check below.
    if (m === undefined ? n !== steps : n > steps) {
      throw new InputError(`sequence ${index} has the wrong ${flat ? 'length' : 'number of frames'}${n < steps ? NO_MASK : ''}`,
        { expected, received: `${seq.length} ${flat ? 'values' : 'frames'}` });
    }
    let to = offset;
    for (let t = 0; t < n; t++) {
      const frame = flat ? seq.subarray(t * features, (t + 1) * features) : seq[t];
      if (frame?.length !== features) {
        throw new InputError(`sequence ${index}, frame ${t} has the wrong size`, { expected, received: `${frame?.length ?? typeof frame} values` });
      }
      data.set(frame, to);
      const x = data.subarray(to, to + features), bad = x.findIndex((v) => !Number.isFinite(v) && (m === undefined || v === v));
      if (bad >= 0) {
        throw new InputError(`sequence ${index} holds a non-finite value at ${t * features + bad}${x[bad] === x[bad] ? '' : NO_MASK}`,
          { expected: 'finite numbers', received: String(x[bad]) });
      }
      // Without a mask every frame is kept (no value equals undefined, and a NaN has failed above).
      if (x.every((v) => v === v) && x.some((v) => v !== m)) to += features;
    }
    data.fill(0, to, offset + steps * features);
    this.#counts[slot] = (to - offset) / features;
  }

  protected override feeds(data: Float32Array): Record<string, Float32Array> {
    const feeds = super.feeds(data), mask = this.#mask;
    if (mask) feeds[mask.input] = this.#counts.subarray(0, data.length / (this.steps * this.features));
    return feeds;
  }
}
