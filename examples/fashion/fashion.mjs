// What the Fashion-MNIST CLI and page share, for browsers and Node alike: the models and which is
// best, turning any picture into what the models saw in training (28x28 gray, a light garment on a
// black background, pixel / 255), and one classifier over the CNN ([28,28,1] images) and the RNNs
// (28 steps of 28 pixels). `sdk` is the edgeinfer module (browser bundle or Node entry).

/** The trained models under models/fashion/, best first (test accuracy, models/fashion/README.md). */
export const MODELS = ['cnn', 'lstm', 'gru', 'simplernn'];
export const SIZE = 28;

/**
 * The SDK preprocessing to 28x28 gray, pixel / 255 (x = (p * scale - mean) / std); inverted, the
 * same with x = 1 - p / 255, so a dark garment on a light ground becomes a light one on black.
 */
export function fashionPreprocess(invert) {
  return {
    width: SIZE, height: SIZE, channels: 1, colorOrder: 'GRAY',
    scale: invert ? -1 / 255 : 1 / 255, mean: [invert ? -1 : 0], std: [1], resize: 'stretch', crop: 'none',
  };
}

const BYTES_PER_PIXEL = { RGBA: 4, RGB: 3, GRAY: 1 };

/** 8-bit RGBA / RGB / GRAY pixels → gray, transparency composited onto white (Pillow's 601-2 luma). */
export function toGray(image) {
  const { width, height, data } = image;
  const n = width * height;
  const format = image.format ?? Object.keys(BYTES_PER_PIXEL).find((f) => data.length === n * BYTES_PER_PIXEL[f]);
  const step = BYTES_PER_PIXEL[format];
  if (!step || data.length !== n * step) throw new Error(`${width}x${height} image: ${data.length} bytes fit no pixel format (RGBA, RGB, GRAY)`);
  const gray = new Uint8Array(n);
  for (let i = 0, p = 0; i < n; i++, p += step) {
    if (step === 1) { gray[i] = data[p]; continue; }
    const y = (data[p] * 19595 + data[p + 1] * 38470 + data[p + 2] * 7471 + 0x8000) >> 16;
    gray[i] = step === 4 ? Math.round(y * (data[p + 3] / 255) + 255 * (1 - data[p + 3] / 255)) : y;
  }
  return { width, height, data: gray, format: 'GRAY' };
}

/** The median level (0..255) of a gray image's outermost rows and columns: its background. */
export function borderLevel(gray) {
  const { width: w, height: h, data } = gray;
  const counts = new Uint32Array(256);
  let n = 0;
  for (let y = 0; y < h; y++) {
    const step = y === 0 || y === h - 1 ? 1 : Math.max(1, w - 1);
    for (let x = 0; x < w; x += step) { counts[data[y * w + x]]++; n++; }
  }
  for (let v = 0, seen = 0; v < 256; v++) {
    seen += counts[v];
    if (seen * 2 >= n) return v;
  }
  return 255;
}

/**
 * The inversion rule: 'auto' inverts when the background (the border's median level) is lighter than
 * mid-gray, i.e. a photo or drawing of a dark garment on a light ground; 'yes' and 'no' force it.
 */
export function shouldInvert(gray, mode = 'auto') {
  if (mode === 'yes' || mode === true) return true;
  if (mode === 'no' || mode === false) return false;
  if (mode !== 'auto') throw new Error(`invert must be auto, yes or no, not ${JSON.stringify(mode)}`);
  return borderLevel(gray) > 127;
}

/**
 * Crops a gray image to what differs from the background level by more than 16 (so JPEG noise and
 * faint shadows stay out): Fashion-MNIST's images were trimmed to the garment before resizing.
 */
export function trimToContent(gray, background) {
  const { width: w, height: h, data } = gray;
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (Math.abs(data[y * w + x] - background) <= 16) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return gray; // nothing but background
  const cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  const out = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++) out.set(data.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + cw), y * cw);
  return { width: cw, height: ch, data: out, format: 'GRAY' };
}

/** Centres a gray image on a square of the background level, so resizing keeps its proportions. */
export function padToSquare(gray, background) {
  const { width: w, height: h } = gray;
  if (w === h) return gray;
  const side = Math.max(w, h);
  const data = new Uint8Array(side * side).fill(background);
  const x0 = (side - w) >> 1, y0 = (side - h) >> 1;
  for (let y = 0; y < h; y++) data.set(gray.data.subarray(y * w, (y + 1) * w), (y0 + y) * side + x0);
  return { width: side, height: side, data, format: 'GRAY' };
}

/**
 * Any picture (8-bit pixels) → the 784 model values, with whether it was inverted: gray, trimmed to
 * the garment, centred on a square of its background, then the SDK's preprocessImage does the
 * antialiased (Pillow-bilinear) resize to 28x28 and the scaling (and inversion).
 */
export function pictureInput(sdk, image, invert = 'auto') {
  const gray = toGray(image);
  const background = borderLevel(gray);
  const inverted = shouldInvert(gray, invert);
  const square = padToSquare(trimToContent(gray, background), background);
  const { data } = sdk.preprocessImage(square, fashionPreprocess(inverted));
  return { data, inverted };
}

/** Test-set pixels (0..255, 784 per image) → model values, as in training. */
export function testImageInput(pixels) {
  return Float32Array.from(pixels, (v) => v / 255);
}

/**
 * The occlusion patch for the 28x28 CNN: 6 pixels (a fifth of a garment's width) moved 2 at a time, 12 x 12 = 144
 * occluded inputs, three runs of 64; stride 1 would take 529, the default (patch 4, stride 2) blurs less but
 * scatters more on thin strokes.
 */
export const OCCLUSION = { patch: 6, stride: 2 };

/**
 * Opens a Fashion-MNIST .eim (a URL, bytes, or in Node a path) on `options.backend` (default 'auto').
 * classifyBatch takes 784-value inputs and returns each one's ranked {index, label, score}. explain(input, options)
 * makes the occlusion map of one input for its top class (the CNN; the SDK's explain() takes image classifiers
 * only), and `explainable` says why not where it is undefined.
 */
export async function openFashionModel(sdk, source, options = {}) {
  const model = await sdk.load(source, options);
  try {
    const shape = model.inputs[0].shape;
    let classifier, wrap, image = false;
    if (shape.length === 3 && shape[1] * shape[2] === SIZE * SIZE) {
      classifier = await sdk.SequenceClassifier.create(model, { maxBatch: 64 });
      wrap = (data) => data;
    } else if (shape.length === 4 && shape[1] === SIZE && shape[2] === SIZE && shape[3] === 1) {
      classifier = await sdk.ImageClassifier.create(model, { preprocess: fashionPreprocess(false), maxBatch: 64 });
      wrap = (data) => ({ shape: [1, SIZE, SIZE, 1], data });
      image = true;
    } else {
      throw new Error(`not a Fashion-MNIST model: input [${shape}], expected [N,28,28] (RNN) or [N,28,28,1] (CNN)`);
    }
    return {
      // A getter: with a GPU, a CPU backend answers until the GPU is ready (model.ready).
      get backend() { return model.backend; },
      ready: model.ready,
      labels: classifier.labels,
      classifyBatch: (inputs, topK = 3) => classifier.classifyBatch(inputs.map(wrap), { topK }),
      // The fill 0 is the models' black background: a patch of it takes that part of the garment away.
      explain: image ? (data, options = {}) => sdk.explain(classifier, wrap(data), { method: 'occlusion', ...OCCLUSION, fill: 0, ...options }) : undefined,
      explainable: image ? true : 'the occlusion map is made for the CNN only: explain() takes image classifiers, and this model reads the picture as 28 rows in sequence',
      dispose: () => model.dispose(),
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** "Trouser 99.1%, Dress 0.6%, Coat 0.1%" */
export function formatTop(top) {
  return top.map(({ label, score }) => `${label} ${(score * 100).toFixed(1)}%`).join(', ');
}
