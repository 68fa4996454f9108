// What ImageClassifier and SequenceClassifier share: the model they run on, kept as given (a
// LoadedModel follows fallbacks and warm-start switches; a Session is used as it is), and whether they
// opened it, which decides whether dispose() releases it; the classes, labels and output kind read from
// the model; the runs of at most `batch` items, each read only when its run is built. Browser-safe.
import type { BackendName, GpuPrecision } from '../backends/backend.js';
import { InputError } from '../errors.js';
import type { Calibration } from '../graph/ir.js';
import { load, LoadedModel } from '../runtime/load.js';
import type { Selection } from '../runtime/select.js';
import { check, checkNumber, checkOptions, Session } from '../runtime/session.js';
import type { ModelSource } from '../runtime/source.js';
import type { ClassifierOptions } from './classifier.js';
import { makeRanker, type Classification, type ClassifyOptions } from './ranking.js';
import { softmax } from './topk.js';

/** Anything load() takes (URL, bytes, Blob, Response, Graph), or a model already loaded (LoadedModel, Session). */
export type ClassifierSource = ModelSource | LoadedModel | Session;

/**
 * Opens `source` (loading it, with the load options among `options`, unless it is a model already) and
 * builds a classifier on it with `make`; a model opened here is released again when `make` throws.
 * Option mistakes are found first, before the model is fetched and a backend chosen (seconds, at times).
 */
export async function openClassifier<C>(
  source: ClassifierSource, options: ClassifierOptions, make: (model: Session | LoadedModel, owned: boolean) => C,
): Promise<C> {
  checkOptions(options);
  checkNumber(options.topK, 'topK', 1, true);
  checkNumber(options.maxBatch, 'maxBatch', 1, true);
  if (source instanceof Session || source instanceof LoadedModel) return make(source, false);
  // calibration, priors and thresholds ride along: no load option has their names.
  const { loader = load, topK: _k, preprocess: _p, labels: _l, outputKind: _o, pixels: _x, maxBatch: _m, ...loadOptions } = options;
  const model = await loader(source, loadOptions);
  try {
    return make(model, true);
  } catch (e) {
    model.dispose();
    throw e;
  }
}

export abstract class ModelClassifier<T> {
  /** Labels, one per class (undefined when neither the model nor the options have any). */
  readonly labels: readonly string[] | undefined;
  /** 'logits' get a softmax, 'probabilities' are used as they are. */
  readonly outputKind: 'logits' | 'probabilities';
  /** Number of classes: the per-item size of the first output. */
  readonly classes: number;
  readonly topK: number;
  /**
   * Items per model run: the model's fixed batch, or maxBatch when its batch is free. classifyBatch reads
   * (decodes, preprocesses) this many items at a time, so its memory does not grow with the list.
   */
  readonly batch: number;
  /** The calibration every score gets (the model's metadata.calibration, or options.calibration); undefined: none. */
  readonly calibration: Calibration | undefined;
  /**
   * options.priors: each class's score is multiplied by its entry and the scores renormalised (label shift: the
   * deployment's class frequencies over the training set's); undefined: none.
   */
  readonly priors: readonly number[] | undefined;
  /** Per-class least score of the top class (options.thresholds or the model's); below it the result is [] ("unknown"). */
  readonly thresholds: readonly number[] | undefined;
  readonly #free: boolean;
  readonly #input: string;
  readonly #output: string;
  /** softmax(score' / temperature + offset), score' = the logit or log(probability). */
  readonly #offset: Float64Array | undefined;

  /** `maxBatch`: the default of options.maxBatch. */
  protected constructor(protected readonly model: Session | LoadedModel, private readonly owned: boolean, options: ClassifierOptions, maxBatch: number) {
    const { graph } = model;
    const meta = graph.metadata;
    const input = graph.inputs[0];
    // Checked by openClassifier, the constructors' only caller.
    this.topK = options.topK ?? 5;
    this.#free = input?.shape[0] === -1;
    this.#input = input?.name;
    this.batch = this.#free ? options.maxBatch ?? maxBatch : input?.shape[0];
    const out = model.outputs[0];
    if (!out) throw new InputError(`model "${meta.name ?? '?'}" has no outputs`, { expected: 'one output of class scores' });
    this.#output = out.name;
    this.classes = out.shape.slice(1).reduce((a, b) => a * b, 1);
    const labels = options.labels ?? meta.labels;
    if (labels && labels.length !== this.classes) {
      throw new InputError(`${options.labels ? 'options.labels' : 'the model\'s labels'} do not match output "${out.name}"`, {
        expected: `${this.classes} labels`, received: `${labels.length}`,
      });
    }
    this.labels = labels;
    const last = graph.nodes.find((n) => n.outputs.includes(out.name));
    this.outputKind = options.outputKind ?? meta.outputKind ?? (last?.op === 'Softmax' ? 'probabilities' : 'logits');
    const n = this.classes;
    const cal = options.calibration === false ? undefined : options.calibration ?? meta.calibration;
    const { priors } = options, thresholds = options.thresholds ?? meta.thresholds;
    checkNumber(cal?.temperature, 'calibration.temperature', 1e-9);
    // Bayes' rule for a shift of the class priors (Saerens et al. 2002): p'(k) ∝ p(k) · priors[k].
    const offset = Float64Array.from({ length: n }, (_, k) => (cal?.bias?.[k] ?? 0) + (priors ? Math.log(priors[k]) : 0));
    // Checked here, where the class count is known (the metadata's too). NaN: a negative or non-numeric entry.
    check([priors, cal?.bias, thresholds].every((v) => !v || v.length === n) && offset.every((x) => x < Infinity) && offset.some((x) => x > -Infinity),
      'priors, thresholds or calibration', `${n} numbers, priors >= 0`, priors ?? thresholds ?? cal);
    this.calibration = cal;
    this.priors = priors;
    this.thresholds = thresholds;
    this.#offset = cal || priors ? offset : undefined;
  }

  /** The session classifications run on now (it changes when a loaded model falls back or switches to the GPU). */
  get session(): Session {
    return this.model instanceof LoadedModel ? this.model.session : this.model;
  }

  /** How the backend was chosen (and changed since), when the model went through load(). */
  get selection(): Selection | undefined {
    return this.model instanceof LoadedModel ? this.model.selection : undefined;
  }

  get backend(): BackendName {
    return this.model.backend;
  }

  get precision(): GpuPrecision {
    return this.model.precision;
  }

  /**
   * Resolves with the final selection once a warm start has settled (the GPU took over, or why not),
   * at once otherwise; undefined for a bare Session.
   */
  get ready(): Promise<Selection | undefined> {
    return this.model instanceof LoadedModel ? this.model.ready : Promise.resolve(undefined);
  }

  /** The ranked classes for each item, in order; items run through the model `batch` at a time. */
  async classifyBatch(items: readonly T[], options: ClassifyOptions = {}): Promise<Classification[][]> {
    checkOptions(options);
    const rank = makeRanker(options, this.topK, this.labels, this.classes, this.thresholds);
    return (await this.scoresBatch(items)).map(rank);
  }

  /** Every class's score (probabilities) for each item: what classifyBatch ranks. */
  abstract scoresBatch(items: readonly T[]): Promise<Float32Array[]>;

  /**
   * scoresBatch's runs: `fill` writes item `index` of `items` (`what`: images, sequences) into slot `slot` of a
   * run's input, `size` values per item, and throws InputError naming it by `index`.
   */
  protected async scores(items: readonly T[], what: string, size: number, fill: (item: T, data: Float32Array, slot: number, index: number) => void): Promise<Float32Array[]> {
    check(Array.isArray(items), what, 'an array', items);
    const results: Float32Array[] = [];
    for (let start = 0; start < items.length; start += this.batch) {
      const chunk = items.slice(start, start + this.batch);
      // A fixed-batch model gets exactly its batch; unused slots stay zero and their scores are dropped.
      const data = new Float32Array((this.#free ? chunk.length : this.batch) * size);
      chunk.forEach((item, i) => fill(item, data, i, start + i));
      // In the runtime's layout: no permute on either side, whatever the source model's layout.
      const out = (await this.model.run(this.feeds(data), { layout: 'ir' }))[this.#output].data;
      for (let i = 0; i < chunk.length; i++) {
        const row = out.subarray(i * this.classes, (i + 1) * this.classes);
        const logits = this.outputKind === 'logits', offset = this.#offset;
        results.push(offset ? softmax(row.map((v, k) => (logits ? v : Math.log(v)) / (this.calibration?.temperature ?? 1) + offset[k]))
          : logits ? softmax(row) : Float32Array.from(row));
      }
    }
    return results;
  }

  /** The inputs of a run whose items `scores` has filled into `data` (SequenceClassifier adds the lengths of masked sequences). */
  protected feeds(data: Float32Array): Record<string, Float32Array> {
    return { [this.#input]: data };
  }

  /**
   * Runs `work` on the session of the moment, in the model's queue when it is a LoadedModel (no backend
   * switch meanwhile; a lost backend falls back and `work` runs again on the next one).
   * @internal Public for src/trust (explain), which runs sessions of its own on the classifier's backend.
   */
  use<R>(work: (session: Session) => Promise<R>): Promise<R> {
    return this.model instanceof LoadedModel ? this.model.use(work) : work(this.model);
  }

  /** Releases the model when this classifier opened it. */
  dispose(): void {
    if (this.owned) this.model.dispose();
  }
}
