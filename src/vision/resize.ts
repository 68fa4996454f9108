// Pillow-compatible BILINEAR resampling of interleaved uint8 pixels (any channel count), pure and
// browser-safe: separable triangle filter widened by the downscale factor (antialiased), horizontal
// pass then vertical pass, 22-bit fixed-point weights and uint8 rounding after each pass, as Pillow's
// Resample.c does, so results equal `Image.resize(size, Image.BILINEAR)` bit for bit.

/** A rectangle of the resized image, in output pixels. */
export interface ResizeRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

// Pillow keeps 8 bits of pixel, 2 bits of headroom and 22 fractional bits in a 32-bit accumulator.
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);
const MAX_ACC = ONE * 256;

/** Fixed-point taps of one axis: for output index i, source taps start[i] .. start[i] + count[i] - 1. */
interface AxisTaps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  /** weights[i * stride + k]: weight of source start[i] + k, in units of 2^-22. */
  readonly weights: Int32Array;
  readonly stride: number;
}

function triangle(x: number): number {
  const a = x < 0 ? -x : x;
  return a < 1 ? 1 - a : 0;
}

/**
 * Taps for output indices first .. first + n - 1 of an inSize → outSize resample. The double-precision
 * steps, their order and the truncating casts follow Pillow's precompute_coeffs/normalize_coeffs_8bpc,
 * so the integer weights are the same as Pillow's.
 */
export function axisTaps(inSize: number, outSize: number, first: number, n: number): AxisTaps {
  const scale = inSize / outSize;
  const filterScale = scale < 1 ? 1 : scale;
  const support = filterScale; // the triangle's support (1) widened when downscaling
  const stride = Math.ceil(support) * 2 + 1;
  const inv = 1 / filterScale;
  const start = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Int32Array(n * stride);
  const w = new Float64Array(stride);
  for (let i = 0; i < n; i++) {
    const center = (first + i + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    const k = hi - lo;
    let total = 0;
    for (let t = 0; t < k; t++) { w[t] = triangle((t + lo - center + 0.5) * inv); total += w[t]; }
    for (let t = 0; t < k; t++) {
      const v = (total !== 0 ? w[t] / total : w[t]) * ONE;
      weights[i * stride + t] = Math.trunc(v < 0 ? v - 0.5 : v + 0.5);
    }
    start[i] = lo;
    count[i] = k;
  }
  return { start, count, weights, stride };
}

function clip8(acc: number): number {
  if (acc <= 0) return 0;
  if (acc >= MAX_ACC) return 255;
  return acc >> PRECISION_BITS;
}

/** Rows row0 .. row0 + nRows - 1 of src, each resampled horizontally to the region's columns. */
function horizontalPass(
  src: ArrayLike<number>, width: number, channels: number, row0: number, nRows: number, taps: AxisTaps,
): Uint8Array {
  const outW = taps.start.length;
  const dst = new Uint8Array(outW * nRows * channels);
  for (let y = 0; y < nRows; y++) {
    const srcRow = (row0 + y) * width * channels;
    const dstRow = y * outW * channels;
    for (let x = 0; x < outW; x++) {
      const s = taps.start[x], k = taps.count[x], wo = x * taps.stride;
      for (let c = 0; c < channels; c++) {
        let acc = HALF;
        let p = srcRow + s * channels + c;
        for (let t = 0; t < k; t++, p += channels) acc += src[p] * taps.weights[wo + t];
        dst[dstRow + x * channels + c] = clip8(acc);
      }
    }
  }
  return dst;
}

/** Vertical resample of rows that start at source row `row0` (taps index absolute source rows). */
function verticalPass(
  src: ArrayLike<number>, width: number, channels: number, row0: number, taps: AxisTaps,
): Uint8Array {
  const outH = taps.start.length;
  const rowLen = width * channels;
  const dst = new Uint8Array(outH * rowLen);
  for (let y = 0; y < outH; y++) {
    const s = taps.start[y] - row0, k = taps.count[y], wo = y * taps.stride;
    const dstRow = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let acc = HALF;
      let p = s * rowLen + i;
      for (let t = 0; t < k; t++, p += rowLen) acc += src[p] * taps.weights[wo + t];
      dst[dstRow + i] = clip8(acc);
    }
  }
  return dst;
}

function copyRegion(
  src: ArrayLike<number>, width: number, channels: number, r: ResizeRegion,
): Uint8Array {
  const dst = new Uint8Array(r.width * r.height * channels);
  const rowLen = r.width * channels;
  for (let y = 0; y < r.height; y++) {
    const from = ((r.y + y) * width + r.x) * channels;
    for (let i = 0; i < rowLen; i++) dst[y * rowLen + i] = src[from + i];
  }
  return dst;
}

function checkDims(what: string, w: number, h: number): void {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) {
    throw new RangeError(`${what} must be positive integers, got ${w}x${h}`);
  }
}

/**
 * Resizes `src` (height x width x channels, row-major, interleaved) to outWidth x outHeight and returns
 * the pixels of `region` of that output (the whole output by default). Computing only a region gives
 * exactly the same pixels as resizing everything and cropping afterwards, for less work: each output
 * pixel depends only on its own taps. An axis whose size does not change is copied, not filtered.
 */
export function resizeBilinear(
  src: ArrayLike<number>, width: number, height: number, channels: number,
  outWidth: number, outHeight: number, region?: ResizeRegion,
): Uint8Array {
  checkDims('source size', width, height);
  checkDims('output size', outWidth, outHeight);
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`channels must be a positive integer, got ${channels}`);
  if (src.length !== width * height * channels) {
    throw new RangeError(`pixel buffer has ${src.length} values, ${width}x${height}x${channels} needs ${width * height * channels}`);
  }
  const r = region ?? { x: 0, y: 0, width: outWidth, height: outHeight };
  checkDims('region size', r.width, r.height);
  if (!Number.isInteger(r.x) || !Number.isInteger(r.y) || r.x < 0 || r.y < 0
    || r.x + r.width > outWidth || r.y + r.height > outHeight) {
    throw new RangeError(`region ${r.width}x${r.height}+${r.x}+${r.y} is outside the ${outWidth}x${outHeight} output`);
  }
  const doH = outWidth !== width, doV = outHeight !== height;
  if (!doH && !doV) return copyRegion(src, width, channels, r);
  if (!doV) {
    return horizontalPass(src, width, channels, r.y, r.height, axisTaps(width, outWidth, r.x, r.width));
  }
  const vTaps = axisTaps(height, outHeight, r.y, r.height);
  // Only the source rows the vertical taps reach go through the horizontal pass (as Pillow does).
  const row0 = vTaps.start[0];
  const rowEnd = vTaps.start[r.height - 1] + vTaps.count[r.height - 1];
  if (doH) {
    const mid = horizontalPass(src, width, channels, row0, rowEnd - row0, axisTaps(width, outWidth, r.x, r.width));
    return verticalPass(mid, r.width, channels, row0, vTaps);
  }
  const cols = copyRegion(src, width, channels, { x: r.x, y: row0, width: r.width, height: rowEnd - row0 });
  return verticalPass(cols, r.width, channels, row0, vTaps);
}

/**
 * Offset of a centred crop of length `crop` in a length `size`: floor(size / 2) - floor(crop / 2), the
 * reference pipeline's `size // 2 - crop // 2`. It puts the crop's middle pixel on the source's middle
 * pixel, so when size - crop is odd the spare pixel falls before the crop if size is even, after it if odd.
 */
export function centerCropStart(size: number, crop: number): number {
  if (!Number.isInteger(size) || !Number.isInteger(crop) || crop < 1 || crop > size) {
    throw new RangeError(`cannot centre-crop ${crop} pixels out of ${size}`);
  }
  return Math.floor(size / 2) - Math.floor(crop / 2);
}

/**
 * Output size when the shorter side becomes `target` and the aspect ratio is kept; the longer side is
 * rounded to the nearest integer (halves up), as the reference pipeline does.
 */
export function shorterSideSize(width: number, height: number, target: number): { width: number; height: number } {
  checkDims('source size', width, height);
  if (!Number.isInteger(target) || target < 1) throw new RangeError(`shorter-side target must be a positive integer, got ${target}`);
  if (width === height) return { width: target, height: target };
  const ratio = target / Math.min(width, height);
  return width < height
    ? { width: target, height: Math.round(ratio * height) }
    : { width: Math.round(ratio * width), height: target };
}
