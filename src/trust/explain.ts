// explain(classifier, image): why did the model say that? A saliency map over the model's input for one class
// (by default the top one), by class activation mapping where the model's last layers allow it (one forward
// pass) or by occlusion (one run per patch position, batched) for any model. In `edgeinfer/advanced`, not in
// the classifier itself: the browser runtime's size budget pays nothing for it (docs/api.md).
import { InputError, UnsupportedOpError } from '../errors.js';
import { AbortError } from '../runtime/abort.js';
import { check, checkOptions, describe, type Session } from '../runtime/session.js';
import type { Graph } from '../graph/ir.js';
import type { Tensor } from '../tensor.js';
import type { ClassifierInput, ImageClassifier } from '../vision/classifier.js';
import { IMAGE_KINDS, imageSourcePixels } from '../vision/image-source.js';
import { preprocessGeometry, type PreprocessOptions } from '../vision/preprocess.js';
import { preprocessImage } from '../vision/preprocess-tensors.js';
import { softmax } from '../vision/topk.js';
import { camMap, camTarget, type CamTarget } from './cam.js';
import type { ExplainMethod, Heatmap, Region } from './heatmap.js';
import { occlusionGeometry, occlusionMap } from './occlusion.js';
import { twinSession } from './twin-session.js';

export interface ExplainProgress {
  /** Model runs done and to do (cam: 1). */
  readonly done: number;
  readonly total: number;
}

export interface ExplainOptions {
  /** The class to explain (default: the top class on this image). */
  readonly classIndex?: number;
  /** 'auto' (default): 'cam' where the model qualifies (see camAvailable), else 'occlusion'. */
  readonly method?: ExplainMethod | 'auto';
  /** occlusion: the patch's side in model input pixels (default 1/8 of the shorter side, at least 1). */
  readonly patch?: number;
  /** occlusion: the step between patch positions (default half the patch). */
  readonly stride?: number;
  /**
   * occlusion: the value written into the model's input under the patch, after preprocessing (default 0: the
   * mean colour for a model normalised by mean and std, black for one that only scales pixels to 0..1).
   */
  readonly fill?: number;
  /** Called after each model run. */
  readonly onProgress?: (progress: ExplainProgress) => void;
  /** Stops an occlusion map between two runs (AbortError). */
  readonly signal?: AbortSignal;
  /** How pixels become the model's input (e.g. a background for transparent images), as the classifier's own option. */
  readonly pixels?: PreprocessOptions;
}

const METHODS = ['auto', 'cam', 'occlusion'];

/** A model's cam target, or why it has none: read once per graph. */
const targets = new WeakMap<Graph, CamTarget | UnsupportedOpError>();

function targetOf(session: Session): CamTarget | UnsupportedOpError {
  let t = targets.get(session.graph);
  if (!t) {
    const plan = session.prepared.plan(1, 'ir');
    try {
      t = camTarget(session.graph, session.prepared.nodes, (name) => plan.values.find((v) => v.name === name)?.shape);
    } catch (e) {
      if (!(e instanceof UnsupportedOpError)) throw e;
      t = e;
    }
    targets.set(session.graph, t);
  }
  return t;
}

/** true when explain() can use 'cam' on this classifier's model; else the reason (which method 'cam' throws as UnsupportedOpError). */
export function camAvailable(classifier: ImageClassifier): true | string {
  const t = targetOf(classifier.session);
  return t instanceof UnsupportedOpError ? t.message : true;
}

/** One image as the model's NHWC input (item 0), and where it lies on the image. */
function modelInput(classifier: ImageClassifier, image: ClassifierInput, pixels?: PreprocessOptions): { data: Float32Array; region: Region } {
  const pre = classifier.preprocess;
  const [H, W, C] = [pre.height, pre.width, pre.channels];
  if (typeof image === 'object' && image !== null && 'shape' in image && image.data instanceof Float32Array) {
    const t = image as Tensor;
    const dims = Array.isArray(t.shape) && t.shape.length === 4 && t.shape[0] === 1 ? t.shape.slice(1) : t.shape;
    const fits = Array.isArray(dims) && dims.length === 3 && dims[0] === H && dims[1] === W && dims[2] === C && t.data.length === H * W * C;
    if (!fits) throw new InputError('image: preprocessed tensor has the wrong shape (NHWC)', { expected: `[1,${H},${W},${C}]`, received: `[${Array.isArray(t.shape) ? t.shape : describe(t.shape)}] with ${t.data.length} values` });
    return { data: t.data, region: { x: 0, y: 0, width: W, height: H } };
  }
  const px = imageSourcePixels(image, 'image');
  if (!px) throw new InputError('image is not an image', { expected: IMAGE_KINDS, received: describe(image) });
  const { data } = preprocessImage(px, pre, pixels);
  const { resized, region } = preprocessGeometry(px.width, px.height, pre);
  const sx = px.width / resized.width, sy = px.height / resized.height;
  return { data, region: { x: region.x * sx, y: region.y * sy, width: region.width * sx, height: region.height * sy } };
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/**
 * A heatmap of where in `image` the classifier found the evidence for a class (options.classIndex, by default its
 * top class). 'cam': a class activation map from one forward pass that also returns the last feature map, for
 * models ending in global average pooling + dense (MobileNetV2 and most ImageNet classifiers); UnsupportedOpError
 * naming the op found where a model does not. 'occlusion': any model, one run per patch position, `classifier.batch`
 * at a time. InputError for options or an image of the wrong kind; AbortError when options.signal fires.
 */
export async function explain(classifier: ImageClassifier, image: ClassifierInput, options: ExplainOptions = {}): Promise<Heatmap> {
  checkOptions(options);
  const { classIndex, method = 'auto', fill = 0, onProgress, signal } = options;
  check(METHODS.includes(method), 'options.method', "'auto' | 'cam' | 'occlusion'", method);
  check(classIndex === undefined || (Number.isInteger(classIndex) && classIndex >= 0 && classIndex < classifier.classes), 'options.classIndex', `an integer in 0..${classifier.classes - 1}`, classIndex);
  check(typeof fill === 'number' && Number.isFinite(fill), 'options.fill', 'a finite number', fill);
  check(onProgress === undefined || typeof onProgress === 'function', 'options.onProgress', 'a function', onProgress);
  check(signal === undefined || signal instanceof AbortSignal, 'options.signal', 'an AbortSignal', signal);
  const { height: H, width: W, channels: C } = classifier.preprocess;
  // Checked before any run: a bad patch or stride fails at once.
  const geometry = method === 'cam' ? undefined : occlusionGeometry(H, W, options.patch, options.stride);
  if (signal?.aborted) throw new AbortError('explain', { cause: signal.reason });
  const { data, region } = modelInput(classifier, image, options.pixels);
  const target = method === 'occlusion' ? undefined : targetOf(classifier.session);
  if (method === 'cam' && target instanceof UnsupportedOpError) throw target;
  const label = (j: number) => classifier.labels?.[j];

  if (target && !(target instanceof UnsupportedOpError)) {
    const { scores, feature } = await camRun(classifier, target, data);
    const j = classIndex ?? argmax(scores);
    onProgress?.({ done: 1, total: 1 });
    return { width: W, height: H, data: camMap(target, feature, j, W, H), classIndex: j, label: label(j), method: 'cam', score: scores[j], region };
  }
  const [base] = await logScores(classifier, [data]);
  const j = classIndex ?? argmax(base);
  const map = await occlusionMap({
    input: data, H, W, C, geometry: geometry!, fill, base: base[j], batch: classifier.batch, onProgress, signal,
    score: async (inputs) => (await logScores(classifier, inputs)).map((p) => p[j]),
  });
  return { width: W, height: H, data: map, classIndex: j, label: label(j), method: 'occlusion', score: Math.exp(base[j]), region };
}

/**
 * Each input's log-probabilities, `classifier.batch` inputs per run: from the logits (log-softmax in double
 * precision) where the model outputs logits. A confident class (p = 0.9999) keeps its ranks of evidence, which
 * probabilities rounded to f32 flatten.
 */
async function logScores(classifier: ImageClassifier, inputs: readonly Float32Array[]): Promise<Float64Array[]> {
  const n = classifier.classes, out: Float64Array[] = [];
  for (let start = 0; start < inputs.length; start += classifier.batch) {
    const chunk = inputs.slice(start, start + classifier.batch);
    const rows = await classifier.use(async (session) => {
      const input = session.graph.inputs[0], batch = input.shape[0] === -1 ? chunk.length : input.shape[0];
      const feed = new Float32Array(batch * chunk[0].length);
      chunk.forEach((x, i) => feed.set(x, i * x.length));
      return (await session.run({ [input.name]: feed }, { layout: 'ir' }))[session.graph.outputs[0].name].data;
    });
    for (let i = 0; i < chunk.length; i++) out.push(logSoftmax(rows.subarray(i * n, (i + 1) * n), classifier.outputKind === 'logits'));
  }
  return out;
}

function logSoftmax(row: Float32Array, logits: boolean): Float64Array {
  if (!logits) return Float64Array.from(row, (p) => Math.log(Math.max(p, 1e-45)));
  let max = -Infinity, sum = 0;
  for (const v of row) max = Math.max(max, v);
  for (const v of row) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(row, (v) => v - lse);
}

/** One run of the classifier's model that also returns the feature map: the class probabilities and item 0's features. */
async function camRun(classifier: ImageClassifier, target: CamTarget, data: Float32Array): Promise<{ scores: Float32Array; feature: Float32Array }> {
  return classifier.use(async (session) => {
    const twin = twinSession(session, [target.feature]);
    const input = session.graph.inputs[0], batch = input.shape[0] === -1 ? 1 : input.shape[0];
    const feed = batch === 1 ? data : new Float32Array(batch * data.length);
    if (feed !== data) feed.set(data);
    const out = await twin.run({ [input.name]: feed }, { layout: 'ir' });
    const row = out[session.graph.outputs[0].name].data.subarray(0, classifier.classes);
    return { scores: classifier.outputKind === 'logits' ? softmax(row) : Float32Array.from(row), feature: out[target.feature].data };
  });
}
