// SequenceClassifier: a short sequence of feature frames in (e.g. 28 rows of 28 pixels, sensor
// windows), ranked {index, label, score} out, for recurrent (RNN/LSTM/GRU) and other models whose
// one input is [batch, steps, features]. Browser-safe: no Node imports.
import { InputError } from '../errors.js';
import type { LoadedModel } from '../runtime/load.js';
import type { Session } from '../runtime/session.js';
import { shapeToString } from '../tensor.js';
import type { ClassifierOptions } from './classifier.js';
import { ModelClassifier, openClassifier, type ClassifierSource } from './model-classifier.js';
import type { Classification, ClassifyOptions } from './ranking.js';

/** Load options as for ImageClassifier, less the image ones. */
export type SequenceClassifierOptions = Omit<ClassifierOptions, 'preprocess' | 'pixels'>;

/** One sequence: `steps` frames of `features` values each, or all of them flat (frame after frame). */
export type Sequence = readonly ArrayLike<number>[] | Float32Array;

export class SequenceClassifier extends ModelClassifier<Sequence> {
  /** Frames per sequence and values per frame, as the model takes them. */
  readonly steps: number;
  readonly features: number;

  private constructor(model: Session | LoadedModel, owned: boolean, options: SequenceClassifierOptions) {
    super(model, owned, options, 32);
    const graph = model.graph;
    const input = graph.inputs[0];
    if (graph.inputs.length !== 1 || input.shape.length !== 3) {
      throw new InputError(`model "${graph.metadata.name ?? '?'}" is not a sequence classifier: it needs one input of [batch, steps, features]`, {
        expected: '[batch, steps, features]', received: graph.inputs.map((v) => `${v.name} ${shapeToString(v.shape)}`).join(', ') || 'no inputs',
      });
    }
    [, this.steps, this.features] = input.shape;
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
    return this.scores(sequences, 'sequences', item, (seq, data, slot, index) => this.#fill(seq, data, slot * item, index));
  }

  /** Copies one sequence into the batch at `offset`, checking its shape and values. */
  #fill(seq: Sequence, data: Float32Array, offset: number, index: number): void {
    const { steps, features } = this;
    const expected = `${steps} frames of ${features} values (or ${steps * features} flat)`;
    if (seq instanceof Float32Array) {
      if (seq.length !== steps * features) throw new InputError(`sequence ${index} has the wrong length`, { expected, received: `${seq.length} values` });
      data.set(seq, offset);
    } else if (Array.isArray(seq)) {
      if (seq.length !== steps) throw new InputError(`sequence ${index} has the wrong number of frames`, { expected, received: `${seq.length} frames` });
      seq.forEach((frame, t) => {
        if (frame?.length !== features) {
          throw new InputError(`sequence ${index}, frame ${t} has the wrong size`, { expected, received: `${frame?.length ?? typeof frame} values` });
        }
        for (let f = 0; f < features; f++) data[offset + t * features + f] = frame[f];
      });
    } else {
      throw new InputError(`sequence ${index} is not a sequence`, { expected, received: typeof seq });
    }
    for (let i = offset; i < offset + steps * features; i++) {
      if (!Number.isFinite(data[i])) throw new InputError(`sequence ${index} holds a non-finite value at ${i - offset}`, { expected: 'finite numbers', received: String(data[i]) });
    }
  }
}
