// The header's metadata section: model description, labels and image preprocessing, type-checked
// field by field. Unknown keys are ignored (a newer minor version may add some).
import type { Calibration, ImagePreprocess, ImportedFrom, ModelMetadata } from '../graph/ir.js';
import { array, fail, finite, has, integer, object, oneOf, string, stringArray, type JsonObject } from './json-check.js';

const MAX_IMAGE_SIDE = 16384;

function numbers(v: unknown, where: string, length: number, positive: boolean): number[] {
  const a = array(v, where, length);
  if (a.length !== length) fail(`expected ${length} numbers (one per channel)`, where, v);
  return a.map((x, i) => {
    const n = finite(x, `${where}[${i}]`);
    if (positive && !(n > 0)) fail('expected a number > 0', `${where}[${i}]`, n);
    return n;
  });
}

export function validatePreprocess(v: unknown, where: string): ImagePreprocess {
  const o = object(v, where);
  const channels = integer(o.channels, `${where}.channels`, 1, 3);
  if (channels === 2) fail('expected 1 or 3 channels', `${where}.channels`, channels);
  const colorOrder = oneOf(o.colorOrder, ['RGB', 'BGR', 'GRAY'] as const, `${where}.colorOrder`);
  if ((colorOrder === 'GRAY') !== (channels === 1)) fail(`colorOrder ${colorOrder} does not fit ${channels} channel(s)`, `${where}.colorOrder`);
  const p: ImagePreprocess = {
    width: integer(o.width, `${where}.width`, 1, MAX_IMAGE_SIDE),
    height: integer(o.height, `${where}.height`, 1, MAX_IMAGE_SIDE),
    channels: channels as 1 | 3,
    colorOrder,
    scale: finite(o.scale, `${where}.scale`),
    mean: numbers(o.mean, `${where}.mean`, channels, false),
    std: numbers(o.std, `${where}.std`, channels, true),
    resize: oneOf(o.resize, ['shorter-side', 'stretch'] as const, `${where}.resize`),
    crop: oneOf(o.crop, ['center', 'none'] as const, `${where}.crop`),
  };
  return has(o, 'resizeTo') ? { ...p, resizeTo: integer(o.resizeTo, `${where}.resizeTo`, 1, MAX_IMAGE_SIDE) } : p;
}

/** `importedFrom`: format required (any non-empty string), opset and version optional, unknown keys ignored. */
export function validateImportedFrom(v: unknown, where: string): ImportedFrom {
  const o = object(v, where);
  const format = string(o.format, `${where}.format`, { nonEmpty: true });
  const r: ImportedFrom = { format };
  if (has(o, 'opset')) r.opset = integer(o.opset, `${where}.opset`, 0, 2 ** 31 - 1);
  const version = optionalString(o, 'version', where);
  if (version !== undefined) r.version = version;
  return r;
}

function optionalString(o: JsonObject, key: string, where: string): string | undefined {
  return has(o, key) ? string(o[key], `${where}.${key}`) : undefined;
}

export function validateMetadata(v: unknown, where: string): ModelMetadata {
  const o = object(v, where);
  const m: ModelMetadata = {};
  const name = optionalString(o, 'name', where);
  if (name !== undefined) m.name = name;
  const producer = optionalString(o, 'producer', where);
  if (producer !== undefined) m.producer = producer;
  const source = optionalString(o, 'source', where);
  if (source !== undefined) m.source = source;
  const description = optionalString(o, 'description', where);
  if (description !== undefined) m.description = description;
  if (has(o, 'labels')) m.labels = stringArray(o.labels, `${where}.labels`);
  if (has(o, 'preprocess')) m.preprocess = validatePreprocess(o.preprocess, `${where}.preprocess`);
  if (has(o, 'outputKind')) m.outputKind = oneOf(o.outputKind, ['logits', 'probabilities'] as const, `${where}.outputKind`);
  if (has(o, 'importedFrom')) m.importedFrom = validateImportedFrom(o.importedFrom, `${where}.importedFrom`);
  // Their numbers are checked by the classifiers, which know the class count.
  if (has(o, 'calibration')) m.calibration = object(o.calibration, `${where}.calibration`) as unknown as Calibration;
  if (has(o, 'thresholds')) m.thresholds = array(o.thresholds, `${where}.thresholds`) as number[];
  if (has(o, 'mask')) {
    const k = object(o.mask, where += '.mask');
    m.mask = { input: string(k.input, where), value: finite(k.value, where) };
  }
  return m;
}
