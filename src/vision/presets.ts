// Preprocessing presets for well-known model families, as ImagePreprocess metadata.
import type { ImagePreprocess } from '../graph/ir.js';

/**
 * The torchvision / ONNX Model Zoo ImageNet pipeline: RGB, shorter side to 256 (bilinear), centre
 * crop 224, x/255 normalised with the ImageNet mean and std.
 */
export const IMAGENET_PREPROCESS: ImagePreprocess = Object.freeze({
  width: 224,
  height: 224,
  channels: 3,
  colorOrder: 'RGB',
  scale: 1 / 255,
  mean: Object.freeze([0.485, 0.456, 0.406]),
  std: Object.freeze([0.229, 0.224, 0.225]),
  resize: 'shorter-side',
  resizeTo: 256,
  crop: 'center',
});
