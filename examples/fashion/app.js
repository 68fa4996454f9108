// The Fashion-MNIST page: opens a model with the browser bundle, classifies 12 test images at a time
// (read from the committed gzip'd idx files), the drawing on #draw after each stroke, and a chosen
// picture; every result shows the class names. Beside the drawing, its occlusion map (the CNN): where covering it
// costs the top class most. URL options: ?model=NAME&backend=auto|webgpu|wasm|js&int8=1
// advanced: pictureInput (fashion.mjs) runs preprocessImage itself, and explain() lives there.
import * as sdk from '../../dist/browser/advanced.js';
import { formatTop, MODELS, OCCLUSION, openFashionModel, pictureInput, SIZE, testImageInput } from './fashion.mjs';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const BACKEND = params.get('backend') ?? 'auto';
const SUFFIX = params.get('int8') === '1' ? '-int8.eim' : '.eim';
const modelUrl = (name) => new URL(`../../models/fashion/${name}${SUFFIX}`, import.meta.url);
const TEST_SET = new URL('../../test/fixtures/fashion-mnist/', import.meta.url);
const PAGE = 12;
/** The occlusion map is drawn this many times the model's 28x28, each input pixel a square, the map smooth over them. */
const WHY_SCALE = 6;

let model;
let test;
let offset = 0;

/** An idx file (magic 0x803 images, 0x801 labels), gzip'd or already inflated by the server. */
async function fetchIdx(name) {
  const res = await fetch(new URL(name, TEST_SET));
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
  let bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    bytes = new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const rank = magic & 0xff;
  if (magic !== 0x803 && magic !== 0x801) throw new Error(`${name}: magic 0x${magic.toString(16)} is not an idx file`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const data = bytes.subarray(4 + 4 * rank);
  if (data.length !== dims.reduce((a, d) => a * d, 1)) throw new Error(`${name}: dims [${dims}] do not match its ${data.length} bytes`);
  return { dims, data };
}

/** Draws 784 model values (0..1) on a 28x28 canvas. */
function show(canvas, data) {
  const img = new ImageData(SIZE, SIZE);
  data.forEach((v, i) => {
    img.data.fill(Math.round(Math.min(1, Math.max(0, v)) * 255), i * 4, i * 4 + 3);
    img.data[i * 4 + 3] = 255;
  });
  canvas.getContext('2d').putImageData(img, 0, 0);
}

function showResult(list, top) {
  list.replaceChildren(...top.map((t) => {
    const li = document.createElement('li');
    li.textContent = `${t.label} ${(t.score * 100).toFixed(1)}%`;
    li.dataset.label = t.label;
    return li;
  }));
}

async function showTests() {
  const indexes = Array.from({ length: PAGE }, (_, k) => (offset + k) % test.labels.length);
  const inputs = indexes.map((i) => testImageInput(test.images.subarray(i * SIZE * SIZE, (i + 1) * SIZE * SIZE)));
  const results = await model.classifyBatch(inputs, 3);
  let right = 0;
  $('tests').replaceChildren(...indexes.map((i, k) => {
    const li = document.createElement('li');
    const canvas = Object.assign(document.createElement('canvas'), { width: SIZE, height: SIZE, className: 'pixels' });
    show(canvas, inputs[k]);
    const [best] = results[k];
    const truth = model.labels[test.labels[i]];
    if (best.label === truth) right++;
    else li.className = 'wrong';
    const predicted = Object.assign(document.createElement('span'), { className: 'predicted', textContent: best.label });
    const note = Object.assign(document.createElement('small'), { textContent: `#${i}, true: ${truth}`, title: formatTop(results[k]) });
    li.dataset.index = String(i);
    li.dataset.predicted = best.label;
    li.append(canvas, predicted, note);
    return li;
  }));
  $('score').textContent = `${right} of ${PAGE} right`;
}

// Drawing: a dark pen on white, like pen on paper; the 'auto' rule inverts it for the model.
const pad = $('draw');
const pen = pad.getContext('2d', { willReadFrequently: true });
function clearPad() {
  pen.fillStyle = '#fff';
  pen.fillRect(0, 0, pad.width, pad.height);
  $('draw-result').replaceChildren();
  show($('draw-input'), new Float32Array(SIZE * SIZE));
  clearWhy('draw something');
}

// ---- why: the drawing's occlusion map ----

/** The map being made: a new stroke (or clear, or another model) aborts it. */
let whyAbort;

function clearWhy(text) {
  whyAbort?.abort();
  whyAbort = undefined;
  const canvas = $('draw-why');
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
  delete canvas.dataset.method;
  delete canvas.dataset.state;
  $('draw-why-status').textContent = text;
}

/** The model's input (784 values, 0..1) as gray bytes, WHY_SCALE times larger, each pixel a square. */
function enlarged(data) {
  const side = SIZE * WHY_SCALE;
  const gray = new Uint8ClampedArray(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) gray[y * side + x] = Math.round(data[Math.floor(y / WHY_SCALE) * SIZE + Math.floor(x / WHY_SCALE)] * 255);
  }
  return { width: side, height: side, data: gray };
}

/** The occlusion map of the drawing's model input, over that input, with progress; the CNN only. */
async function explainDrawing(data) {
  const canvas = $('draw-why');
  if (!model.explain) return clearWhy(model.explainable);
  clearWhy('occlusion map: starting…');
  const abort = (whyAbort = new AbortController());
  canvas.dataset.state = 'working';
  const t0 = performance.now();
  try {
    const map = await model.explain(data, {
      signal: abort.signal,
      onProgress: ({ done, total }) => { $('draw-why-status').textContent = `occlusion map: ${done} of ${total} runs…`; },
    });
    if (abort.signal.aborted) return;
    const picture = enlarged(data);
    // The map lies on the whole 28x28 input; drawn on its enlargement, its region is the enlargement's.
    const overlay = sdk.heatmapImageData({ ...map, region: { x: 0, y: 0, width: picture.width, height: picture.height } }, picture, { legend: false });
    canvas.getContext('2d').putImageData(overlay, 0, 0);
    canvas.dataset.method = map.method;
    canvas.dataset.state = 'done';
    const positions = Math.ceil((SIZE - OCCLUSION.patch) / OCCLUSION.stride + 1) ** 2;
    $('draw-why-status').textContent = `${map.label} (${(map.score * 100).toFixed(1)} %): occlusion, a ${OCCLUSION.patch}x${OCCLUSION.patch} patch at ${positions} positions, ${Math.round(performance.now() - t0)} ms`;
  } catch (e) {
    if (e?.name === 'AbortError') return;
    canvas.dataset.state = 'error';
    $('draw-why-status').textContent = `no occlusion map: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    if (whyAbort === abort) whyAbort = undefined;
  }
}
function padPoint(e) {
  const r = pad.getBoundingClientRect();
  return [(e.clientX - r.left) * (pad.width / r.width), (e.clientY - r.top) * (pad.height / r.height)];
}
pad.addEventListener('pointerdown', (e) => {
  pad.setPointerCapture(e.pointerId);
  Object.assign(pen, { strokeStyle: '#000', lineWidth: 22, lineCap: 'round', lineJoin: 'round' });
  pen.beginPath();
  pen.moveTo(...padPoint(e));
  pen.lineTo(...padPoint(e));
  pen.stroke();
});
pad.addEventListener('pointermove', (e) => {
  if (!(e.buttons & 1)) return;
  pen.lineTo(...padPoint(e));
  pen.stroke();
});
pad.addEventListener('pointerup', () => classifyPicture(pen.getImageData(0, 0, pad.width, pad.height), 'auto', 'draw').catch(report));

/** Classifies 8-bit pixels (ImageData) into the `which` panel: "draw" or "file". */
async function classifyPicture(pixels, invert, which) {
  if (!model) return;
  const { data } = pictureInput(sdk, pixels, invert);
  show($(`${which}-input`), data);
  const [top] = await model.classifyBatch([data], 3);
  showResult($(`${which}-result`), top);
  if (which === 'draw') await explainDrawing(data);
}

async function classifyFile() {
  const file = $('file').files[0];
  if (!file || !model) return;
  const bitmap = await createImageBitmap(file);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  await classifyPicture(ctx.getImageData(0, 0, canvas.width, canvas.height), $('invert').value, 'file');
}

async function openModel(name) {
  $('status').textContent = `loading ${name}…`;
  clearWhy($('draw-result').childElementCount ? 'waiting for the model…' : 'draw something');
  model?.dispose();
  model = undefined;
  model = await openFashionModel(sdk, modelUrl(name), { backend: BACKEND });
  const showBackend = () => { $('status').textContent = `${name}${SUFFIX === '.eim' ? '' : ' (int8)'} on ${model.backend}`; };
  showBackend();
  const opened = model;
  opened.ready.then(() => { if (model === opened) showBackend(); });
  await showTests();
  if ($('draw-result').childElementCount) await classifyPicture(pen.getImageData(0, 0, pad.width, pad.height), 'auto', 'draw');
  await classifyFile();
}

function report(e) {
  $('status').textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
  console.error(e);
}

clearPad();
$('clear').addEventListener('click', clearPad);
$('file').addEventListener('change', () => classifyFile().catch(report));
$('invert').addEventListener('change', () => classifyFile().catch(report));
$('next').addEventListener('click', () => {
  offset += PAGE;
  showTests().catch(report);
});
$('model').addEventListener('change', () => openModel($('model').value).catch(report));

try {
  // The models that are there (the CNN may not be converted yet), best first.
  const present = (await Promise.all(MODELS.map(async (m) => ((await fetch(modelUrl(m), { method: 'HEAD' })).ok ? m : undefined)))).filter(Boolean);
  if (!present.length) throw new Error(`no model found under models/fashion/ (${MODELS.join(', ')})`);
  $('model').replaceChildren(...present.map((m) => new Option(m, m)));
  const wanted = params.get('model');
  if (wanted && !present.includes(wanted)) throw new Error(`model ${wanted} not found (there are: ${present.join(', ')})`);
  $('model').value = wanted ?? present[0];
  const [images, labels] = await Promise.all([fetchIdx('t10k-images-idx3-ubyte.gz'), fetchIdx('t10k-labels-idx1-ubyte.gz')]);
  test = { images: images.data, labels: labels.data };
  await openModel($('model').value);
  $('next').disabled = false;
} catch (e) {
  report(e);
}
