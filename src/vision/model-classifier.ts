// What ImageClassifier and SequenceClassifier share: the model they run on, kept as given (a
// LoadedModel follows fallbacks and warm-start switches; a Session is used as it is), and whether they
// opened it, which decides whether dispose() releases it. Browser-safe.
import type { BackendName, GpuPrecision } from '../backends/backend.js';
import { load, LoadedModel } from '../runtime/load.js';
import type { Selection } from '../runtime/select.js';
import { Session } from '../runtime/session.js';
import type { ModelSource } from '../runtime/source.js';
import type { ClassifierOptions } from './classifier.js';

/** Anything load() takes (URL, bytes, Blob, Response, Graph), or a model already loaded (LoadedModel, Session). */
export type ClassifierSource = ModelSource | LoadedModel | Session;

/**
 * Opens `source` (loading it, with the load options among `options`, unless it is a model already) and
 * builds a classifier on it with `make`; a model opened here is released again when `make` throws.
 */
export async function openClassifier<C>(
  source: ClassifierSource, options: ClassifierOptions, make: (model: Session | LoadedModel, owned: boolean) => C,
): Promise<C> {
  if (source instanceof Session || source instanceof LoadedModel) return make(source, false);
  const { loader = load, topK: _k, preprocess: _p, labels: _l, outputKind: _o, pixels: _x, maxBatch: _m, ...loadOptions } = options;
  const model = await loader(source, loadOptions);
  try {
    return make(model, true);
  } catch (e) {
    model.dispose();
    throw e;
  }
}

export abstract class ModelClassifier {
  protected constructor(protected readonly model: Session | LoadedModel, private readonly owned: boolean) {}

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

  /**
   * Runs `work` on the session of the moment, in the model's queue when it is a LoadedModel (no backend
   * switch meanwhile; a lost backend falls back and `work` runs again on the next one).
   */
  protected use<T>(work: (session: Session) => Promise<T>): Promise<T> {
    return this.model instanceof LoadedModel ? this.model.use(work) : work(this.model);
  }

  /** Releases the model when this classifier opened it. */
  dispose(): void {
    if (this.owned) this.model.dispose();
  }
}
