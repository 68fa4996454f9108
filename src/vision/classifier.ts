// ImageClassifier: pixels in, ranked {index, label, score} out, driven by the model's own metadata
// (preprocessing, labels, whether the output is logits). Browser-safe: no Node imports.
// Models open through load() (backend chosen automatically unless named) and run through the LoadedModel,
// so a fallback or a warm start's switch reaches the classifier; it disposes the model only when it opened it.
import { InputError } from '../errors.js';
import type { GlobalType } from '../globals.js';
import type { Calibration, ImagePreprocess } from '../graph/ir.js';
import type { BackendName } from '../backends/backend.js';
import { LoadedModel, type LoadOptions } from '../runtime/load.js';
import type { FrameInput, Session, StagedRun } from '../runtime/session.js';
import type { ModelSource } from '../runtime/source.js';
import { checkOptions, describe } from '../runtime/session.js';
import { shapeToString, type Tensor } from '../tensor.js';
import { ModelClassifier, openClassifier, type ClassifierSource } from './model-classifier.js';
import { IMAGE_KINDS, imageSourcePixels, type BrowserImageSource } from './image-source.js';
import { imagePreprocessor, validatePreprocess, type ImagePreprocessor, type PixelImage, type PreprocessOptions } from './preprocess.js';
import { makeRanker, type Classification, type ClassifyOptions } from './ranking.js';
import { classLabel, resolveClasses } from './labels.js';
import { classifyVideo, type FrameClassify, type VideoClassifyOptions, type VideoLoop, type VideoResultCallback } from './video.js';

export type { Classification, ClassifyOptions };

export type { ClassifierSource };

/**
 * What classify() takes: 8-bit pixels (ImageData works as is), a browser image source (<img>, <canvas>,
 * <video>, OffscreenCanvas, ImageBitmap, VideoFrame: read at full size, see image-source.ts), or a
 * tensor that is already preprocessed: f32 NHWC [1, H, W, C] or [H, W, C], as preprocessImage() makes it.
 */
export type ClassifierInput = PixelImage | BrowserImageSource | Tensor;

/**
 * Load options (backend: 'auto' by default, progress, abort, fetch...) apply when the classifier
 * opens the model itself; they are ignored for a LoadedModel or Session.
 */
export interface ClassifierOptions extends LoadOptions {
  /** Opens models; the Node entry passes its own load(), which also reads file paths. */
  readonly loader?: (source: ModelSource, options: LoadOptions) => Promise<LoadedModel>;
  /** Default number of results per image (5). */
  readonly topK?: number;
  /** Overrides the model's preprocessing metadata (needed when the model has none). */
  readonly preprocess?: ImagePreprocess;
  /** Overrides the model's labels; must have one label per class. */
  readonly labels?: readonly string[];
  /** Overrides the model's outputKind: 'logits' get a softmax, 'probabilities' are used as they are. */
  readonly outputKind?: 'logits' | 'probabilities';
  /** Pixels handling, e.g. a background colour for transparent images. */
  readonly pixels?: PreprocessOptions;
  /** Most images per model run in classifyBatch (default 8): bounds memory on large batches. */
  readonly maxBatch?: number;
  /** Replaces the model's metadata.calibration (temperature scaling, `edgeinfer calibrate`); false: none. */
  readonly calibration?: Calibration | false;
  /** The deployment's class frequencies (label shift): scores are re-weighted from the training priors to these. */
  readonly priors?: readonly number[];
  /** Per-class least score of the top class, replacing the model's metadata.thresholds; below it classify() returns []. */
  readonly thresholds?: readonly number[];
}

/**
 * Largest still image (pixels) classify() sends down the fused path: a backend keeps its frame buffer at the
 * largest size it has seen (wasm memory never shrinks), so a one-off large photo goes the JS path instead.
 */
const FUSED_STILL_PIXELS = 1 << 21;

/** Pixels the fused path takes as they are: RGBA bytes of a valid size (anything else gets classifyBatch's checks and errors). */
function isRgba({ width, height, data, format }: PixelImage): boolean {
  return (data instanceof Uint8Array || data instanceof Uint8ClampedArray) && Number.isInteger(width) && Number.isInteger(height)
    && width > 0 && height > 0 && width * height <= FUSED_STILL_PIXELS && data.length === width * height * 4 && (format === undefined || format === 'RGBA');
}

export class ImageClassifier extends ModelClassifier<ClassifierInput> {
  readonly preprocess: ImagePreprocess;
  /** NHWC shape of one image, as the IR holds it. */
  readonly #itemShape: readonly [number, number, number];
  readonly #pixelOptions: PreprocessOptions;
  /** The preprocessing, checked and tabulated once for every image and for the stages. */
  readonly #preprocessor: ImagePreprocessor;
  /** classifyVideo's fused path, on the session it was made for (run undefined: none there). */
  #frames: { readonly session: Session; readonly run: StagedRun | undefined } | undefined;

  private constructor(model: Session | LoadedModel, owned: boolean, options: ClassifierOptions) {
    super(model, owned, options, 8);
    const graph = model.graph;
    const meta = graph.metadata;
    if (graph.inputs.length !== 1) {
      throw new InputError(`model "${meta.name ?? '?'}" is not an image classifier: it has ${graph.inputs.length} inputs`, {
        expected: 'one image input', received: graph.inputs.map((v) => `${v.name} ${shapeToString(v.shape)}`).join(', ') || 'no inputs',
      });
    }
    const input = graph.inputs[0];
    const pre = options.preprocess ?? meta.preprocess;
    if (!pre) {
      throw new InputError(`model "${meta.name ?? '?'}" has no image preprocessing metadata: pass options.preprocess (e.g. IMAGENET_PREPROCESS), or store it with edgeinfer convert --preprocess imagenet|FILE.json`, {
        expected: 'metadata.preprocess or options.preprocess', received: 'none',
      });
    }
    this.#preprocessor = imagePreprocessor(pre);
    const want = [pre.height, pre.width, pre.channels];
    if (input.shape.length !== 4 || input.shape.slice(1).some((d, i) => d !== want[i])) {
      throw new InputError(`input "${input.name}" of model "${meta.name ?? '?'}" does not take ${pre.width}x${pre.height}x${pre.channels} images (IR layout NHWC)`, {
        expected: shapeToString([input.shape[0], ...want]), received: shapeToString(input.shape),
      });
    }
    this.preprocess = pre;
    this.#itemShape = [pre.height, pre.width, pre.channels];
    this.#pixelOptions = options.pixels ?? {};
  }

  /** Opens a model for classification; checks its input against the preprocessing once, here. */
  static async create(source: ClassifierSource, options: ClassifierOptions = {}): Promise<ImageClassifier> {
    if (options?.preprocess) validatePreprocess(options.preprocess);
    return openClassifier(source, options, (model, owned) => new ImageClassifier(model, owned, options));
  }

  /**
   * The ranked classes for one image. RGBA pixels (ImageData, or a browser source read through a canvas) take
   * the fused path where the session has one: the backend's preprocess and rank stages around the model in
   * one run, only the top k coming back (the same preprocessing bit for bit, the same ranking). Other pixels,
   * images over 2 megapixels, tensors and pixels.background go as classifyBatch does.
   */
  async classify(image: ClassifierInput, options: ClassifyOptions = {}): Promise<Classification[]> {
    const fused = this.#fused(options);
    let input = image;
    if (!this.#pixelOptions.background && typeof image === 'object' && image !== null && !('shape' in image && image.data instanceof Float32Array)) {
      // Read once here (a browser source through the canvas, with classifyBatch's errors), used by either path.
      const px = imageSourcePixels(image, 'image 0');
      if (px && isRgba(px)) {
        const ranked = await fused(() => ({ width: px.width, height: px.height, rgba: px.data }));
        if (ranked) return ranked.top;
      }
      input = px ?? image;
    }
    return (await this.classifyBatch([input], options))[0];
  }

  /** Every class's score (probabilities) for each image, in runs of `batch` images, each read (a browser source drawn) as its run is built. */
  scoresBatch(images: readonly ClassifierInput[]): Promise<Float32Array[]> {
    const [H, W, C] = this.#itemShape;
    return this.scores(images, 'images', H * W * C, (img, nhwc, slot, index) => this.#fill(img, nhwc, slot, index));
  }

  /**
   * Classifies a playing <video> live, one frame at a time (frames arriving meanwhile are dropped,
   * not queued), at most options.maxFps per second; see video.ts. Browser only.
   */
  classifyVideo(video: GlobalType<'HTMLVideoElement', never>, onResult: VideoResultCallback, options: VideoClassifyOptions = {}): VideoLoop {
    return classifyVideo(async (frame, o) => (await this.classifyBatch([frame], o))[0], video, onResult, options, (o) => this.#frameClassify(o));
  }

  /**
   * classifyVideo's fused path: webgpu copies the video itself; the CPU backends take its RGBA bytes, read
   * through a canvas (which refuses a video with no frame yet with an InputError, as does the GPU copy for
   * its 0x0 size).
   */
  #frameClassify(options: ClassifyOptions): FrameClassify {
    const fused = this.#fused(options);
    return (video) => fused((sources) => {
      if (sources) return { width: video.videoWidth, height: video.videoHeight, source: video };
      const px = imageSourcePixels(video, 'video frame')!;
      return { width: px.width, height: px.height, rgba: px.data };
    });
  }

  /**
   * The fused path for these options (validated here, once): each image goes to the staged run of the
   * session of the moment, as `frame(sources)` gives it (sources: the backend copies browser sources itself);
   * undefined, or a promise of it, where that session has none (the caller then takes the JS path).
   */
  #fused(options: ClassifyOptions): (frame: (sources: boolean) => FrameInput) => Promise<{ top: Classification[]; backend: BackendName } | undefined> | undefined {
    checkOptions(options);
    makeRanker(options, this.topK, this.labels, this.classes);
    const { classes, labels } = this;
    const { allowlist: a, denylist: d, scoreThreshold: min } = options;
    let keep: Uint32Array | undefined;
    if (a || d) {
      const allow = a && resolveClasses(a, labels, classes, 'allowlist'), deny = d && resolveClasses(d, labels, classes, 'denylist');
      keep = new Uint32Array(Math.ceil(classes / 32));
      for (let i = 0; i < classes; i++) if ((!allow || allow.has(i)) && !deny?.has(i)) keep[i >> 5] |= 1 << i;
    }
    const k = Math.min(options.topK ?? this.topK, classes);
    // A LoadedModel's use() holds its queue's turn: the run goes at once; a bare Session queues it.
    const inTurn = this.model instanceof LoadedModel;
    return (frameOf) => {
      // The stages rank the model's own scores: calibrated or thresholded ones take the JS path.
      if (this.calibration || this.priors || this.thresholds || !this.#stagedRun(this.session)) return undefined;
      // In the model's queue, like run(): no switch to another backend mid-frame, and a lost GPU falls back.
      return this.use(async (session) => {
        const run = this.#stagedRun(session);
        if (!run) return undefined; // the backend changed for one without a fused path
        const frame = frameOf(run.sources);
        const { indices, scores } = await (inTurn ? run.execute(frame, k, keep) : run.run(frame, k, keep));
        const top = indices
          .map((index, j) => ({ index, label: classLabel(labels, index), score: scores[j] }))
          // Scores come best first, so this keeps a prefix, as the canvas path's threshold does.
          .filter((c) => min === undefined || c.score >= min);
        return { top, backend: run.backend };
      });
    };
  }

  /** `session`'s staged run, made at its first use; none where it has none or pixels.background asks for compositing. */
  #stagedRun(session: Session): StagedRun | undefined {
    if (this.#frames?.session !== session) {
      this.#frames?.run?.dispose();
      let run: StagedRun | undefined;
      try {
        if (!this.#pixelOptions.background) {
          run = session.stagedRun({ preprocess: this.#preprocessor.stage, rank: { classes: this.classes, softmax: this.outputKind === 'logits' } });
        }
      } catch {
        // The canvas path still works; VideoResult.path says which one ran.
      }
      this.#frames = { session, run };
    }
    return this.#frames.run;
  }

  /** Releases the fused path, and the model when this classifier opened it. */
  override dispose(): void {
    this.#frames?.run?.dispose();
    super.dispose();
  }

  /** Writes image `index` of the caller's list into batch slot `slot` of `nhwc`; errors name it by `index`. */
  #fill(img: ClassifierInput, nhwc: Float32Array, slot: number, index: number): void {
    const [H, W, C] = this.#itemShape;
    const item = H * W * C;
    if (typeof img !== 'object' || img === null) {
      throw new InputError(`image ${index} is not an image`, { expected: IMAGE_KINDS, received: describe(img) });
    }
    if ('shape' in img && img.data instanceof Float32Array) {
      const shape = Array.isArray(img.shape) ? img.shape : [describe(img.shape)];
      const fits = (shape.length === 4 && shape[0] === 1 && shape[1] === H && shape[2] === W && shape[3] === C)
        || (shape.length === 3 && shape[0] === H && shape[1] === W && shape[2] === C);
      if (!fits || img.data.length !== item) {
        throw new InputError(`image ${index}: preprocessed tensor has the wrong shape (NHWC)`, {
          expected: shapeToString([1, H, W, C]), received: `${shapeToString(shape)} with ${img.data.length} values`,
        });
      }
      nhwc.set(img.data, slot * item);
      return;
    }
    const pixels = imageSourcePixels(img, `image ${index}`);
    if (!pixels) throw new InputError(`image ${index} is not an image`, { expected: IMAGE_KINDS, received: describe(img) });
    this.#preprocessor.into(pixels, nhwc, slot, this.#pixelOptions, `image ${index}`);
  }
}
