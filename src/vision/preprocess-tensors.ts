// The tensor-level preprocessing of `edgeinfer/advanced` (one image, a batch, into a reusable buffer),
// over the same plan and pixel loop as the classifiers' preprocessor (preprocess.ts). Apart from it so that
// the browser runtime, whose classifiers do not call these, does not carry them.
import { InputError } from '../errors.js';
import type { ImagePreprocess } from '../graph/ir.js';
import type { Tensor } from '../tensor.js';
import { plan, writeInto, type PixelImage, type PreprocessOptions } from './preprocess.js';

/** The [1, H, W, C] NHWC shape that preprocessImage produces for this metadata. */
export function preprocessedShape(pre: ImagePreprocess): [number, number, number, number] {
  const p = plan(pre);
  return [1, pre.height, pre.width, p.channels];
}

/** One image → a [1, H, W, C] NHWC f32 tensor in the model's channel order. */
export function preprocessImage(image: PixelImage, pre: ImagePreprocess, options: PreprocessOptions = {}): Tensor {
  const p = plan(pre);
  const shape = [1, pre.height, pre.width, p.channels];
  const data = new Float32Array(pre.height * pre.width * p.channels);
  writeInto(image, p, data, 0, options, 'image');
  return { shape, data };
}

/**
 * Writes one image as batch item `index` of an [N, H, W, C] NHWC buffer (`out` holds N whole items),
 * so callers can fill a reusable batch buffer without copies.
 */
export function preprocessInto(
  image: PixelImage, pre: ImagePreprocess, out: Float32Array, index: number, options: PreprocessOptions = {},
): void {
  const p = plan(pre);
  const item = pre.height * pre.width * p.channels;
  if (out.length === 0 || out.length % item !== 0) {
    throw new InputError('batch buffer length is not a whole number of images', { expected: `a positive multiple of ${item}`, received: `${out.length}` });
  }
  const n = out.length / item;
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new InputError('batch index out of range', { expected: `0..${n - 1}`, received: `${index}` });
  }
  writeInto(image, p, out, index * item, options, `image ${index}`);
}

/** Several images → one [N, H, W, C] NHWC tensor, image i at batch index i. */
export function preprocessBatch(images: readonly PixelImage[], pre: ImagePreprocess, options: PreprocessOptions = {}): Tensor {
  const p = plan(pre);
  if (images.length === 0) throw new InputError('no images to preprocess', { expected: 'at least 1 image', received: '0' });
  const item = pre.height * pre.width * p.channels;
  const data = new Float32Array(images.length * item);
  images.forEach((img, i) => writeInto(img, p, data, i * item, options, `image ${i}`));
  return { shape: [images.length, pre.height, pre.width, p.channels], data };
}
