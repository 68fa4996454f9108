// SequenceClassifier: a short sequence of feature frames in (e.g. 28 rows of 28 pixels, sensor
// windows), ranked {index, label, score} out, for recurrent (RNN/LSTM/GRU) and other models whose
// one input is [batch, steps, features]. Browser-safe: no Node imports.
import { InputError } from '../errors.js';
import type { LoadedModel } from '../runtime/load.js';
import type { Session } from '../runtime/session.js';
import { shapeToString } from '../tensor.js';
import type { ClassifierOptions } from './classifier.js';
import { ModelClassifier, openClassifier, type ClassifierSource } from './model-classifier.js';
import { checkPositiveInt, makeRanker, type Classification, type ClassifyOptions } from './ranking.js';
import { softmax } from './topk.js';

/** Load options as for ImageClassifier, less the image ones. */
export type SequenceClassifierOptions = Omit<ClassifierOptions, 'preprocess' | 'pixels'>;

/** One sequence: `steps` frames of `features` values each, or all of them flat (frame after frame). */
export type Sequence = readonly ArrayLike<number>[] | Float32Array;

export class SequenceClassifier extends ModelClassifier {
  readonly labels: readonly string[] | undefined;
  readonly outputKind: 'logits' | 'probabilities';
  readonly classes: number;
  readonly topK: number;
  /** Frames per sequence and values per frame, as the model takes them. */
  readonly steps: number;
  readonly features: number;
  readonly #inputName: string;
  readonly #outputName: string;
  readonly #runBatch: number;
  readonly #batchFree: boolean;

  private constructor(model: Session | LoadedModel, owned: boolean, options: SequenceClassifierOptions) {
    super(model, owned);
    const graph = model.graph;
    const name = graph.metadata.name ?? '?';
    this.topK = checkPositiveInt(options.topK ?? 5, 'topK');
    const maxBatch = checkPositiveInt(options.maxBatch ?? 32, 'maxBatch');
    const input = graph.inputs[0];
    if (graph.inputs.length !== 1 || input.shape.length !== 3) {
      throw new InputError(`model "${name}" is not a sequence classifier: it needs one input of [batch, steps, features]`, {
        expected: '[batch, steps, features]', received: graph.inputs.map((v) => `${v.name} ${shapeToString(v.shape)}`).join(', ') || 'no inputs',
      });
    }
    [, this.steps, this.features] = input.shape;
    this.#inputName = input.name;
    this.#batchFree = input.shape[0] === -1;
    this.#runBatch = this.#batchFree ? maxBatch : input.shape[0];
    const out = model.outputs[0];
    this.#outputName = out.name;
    this.classes = out.shape.slice(1).reduce((a, b) => a * b, 1);
    const labels = options.labels ?? graph.metadata.labels;
    if (labels && labels.length !== this.classes) {
      throw new InputError(`labels do not match output "${out.name}" of model "${name}"`, { expected: `${this.classes} labels`, received: `${labels.length}` });
    }
    this.labels = labels;
    const last = graph.nodes.find((n) => n.outputs.includes(out.name));
    this.outputKind = options.outputKind ?? graph.metadata.outputKind ?? (last?.op === 'Softmax' ? 'probabilities' : 'logits');
  }

  static async create(source: ClassifierSource, options: SequenceClassifierOptions = {}): Promise<SequenceClassifier> {
    checkPositiveInt(options.topK ?? 5, 'topK');
    checkPositiveInt(options.maxBatch ?? 32, 'maxBatch');
    return openClassifier(source, options, (model, owned) => new SequenceClassifier(model, owned, options));
  }

  async classify(sequence: Sequence, options: ClassifyOptions = {}): Promise<Classification[]> {
    return (await this.classifyBatch([sequence], options))[0];
  }

  async classifyBatch(sequences: readonly Sequence[], options: ClassifyOptions = {}): Promise<Classification[][]> {
    const rank = makeRanker(options, this.topK, this.labels, this.classes);
    return (await this.scoresBatch(sequences)).map(rank);
  }

  /** Every class's probability for each sequence. */
  async scoresBatch(sequences: readonly Sequence[]): Promise<Float32Array[]> {
    if (!Array.isArray(sequences)) throw new InputError('sequences must be an array', { expected: 'Sequence[]', received: typeof sequences });
    const item = this.steps * this.features;
    const results: Float32Array[] = [];
    for (let start = 0; start < sequences.length; start += this.#runBatch) {
      const chunk = sequences.slice(start, start + this.#runBatch);
      const n = this.#batchFree ? chunk.length : this.#runBatch;
      const data = new Float32Array(n * item);
      chunk.forEach((seq, i) => this.#fill(seq, data, i * item, start + i));
      const out = (await this.model.run({ [this.#inputName]: data }, { layout: 'ir' }))[this.#outputName].data;
      for (let i = 0; i < chunk.length; i++) {
        const row = out.subarray(i * this.classes, (i + 1) * this.classes);
        results.push(this.outputKind === 'logits' ? softmax(row) : Float32Array.from(row));
      }
    }
    return results;
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
