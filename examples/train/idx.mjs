// Reads the gzip'd idx files of (Fashion-)MNIST: magic 0x803 = uint8 images [n, rows, cols],
// 0x801 = uint8 labels [n]. Every size is checked against the header before use.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const IMAGES_MAGIC = 0x803;
const LABELS_MAGIC = 0x801;

/** Parses one idx buffer (already gunzipped); `what` names it in errors. */
export function parseIdx(bytes, what) {
  if (bytes.length < 8) throw new Error(`${what}: ${bytes.length} bytes, too short for an idx header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== IMAGES_MAGIC && magic !== LABELS_MAGIC) {
    throw new Error(`${what}: magic 0x${magic.toString(16)}, expected 0x803 (images) or 0x801 (labels)`);
  }
  const rank = magic & 0xff;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new Error(`${what}: ${bytes.length} bytes, header needs ${headerBytes}`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, d) => a * d, 1);
  if (bytes.length !== headerBytes + count) {
    throw new Error(`${what}: dims [${dims}] need ${headerBytes + count} bytes, file has ${bytes.length}`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

export function readIdxGz(path) {
  return parseIdx(gunzipSync(readFileSync(path)), path);
}

/**
 * One split ('train' | 't10k') from `dir`: images as uint8 [n*28*28] and labels uint8 [n].
 * Throws with the install command when the Debian package is missing.
 */
export function loadFashion(split, dir = FASHION_DIR) {
  const imagesPath = join(dir, `${split}-images-idx3-ubyte.gz`);
  const labelsPath = join(dir, `${split}-labels-idx1-ubyte.gz`);
  for (const p of [imagesPath, labelsPath]) {
    if (!existsSync(p)) {
      throw new Error(`${p} not found: install the Fashion-MNIST data with\n  sudo apt-get install dataset-fashion-mnist`);
    }
  }
  const images = readIdxGz(imagesPath);
  const labels = readIdxGz(labelsPath);
  if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28) {
    throw new Error(`${imagesPath}: dims [${images.dims}], expected [n, 28, 28]`);
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
    throw new Error(`${labelsPath}: dims [${labels.dims}], expected [${images.dims[0]}] to match the images`);
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i] > 9) throw new Error(`${labelsPath}: label ${labels.data[i]} at ${i} is not a class 0..9`);
  }
  return { count: images.dims[0], images: images.data, labels: labels.data };
}
