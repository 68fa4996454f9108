// The web-embed page: pictures picked, dropped or pasted become cards in a queue, classified one at a time
// once the model is ready, so nothing given while it loads is lost. A file that is not a picture, or that
// the browser cannot decode, gets its error on its own card; the page goes on. `?backend=wasm` (or webgpu,
// js) picks a backend instead of the automatic choice. Each classified card has a "why?" toggle: the heatmap of
// where the model found its top class, worked out once on the first press and laid over the picture.
import { ImageClassifier } from '../../dist/browser/index.js';

const MODEL = new URL('../../models/mobilenetv2-12-int8.eim', import.meta.url);
const BACKENDS = ['auto', 'webgpu', 'wasm', 'js'];
/** Larger files are refused before the browser decodes them. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** Pictures waiting at once; more are refused, each with its card saying so. */
const MAX_WAITING = 50;
/** Cards kept on the page; the oldest go (and free their picture) beyond this. */
const MAX_CARDS = 30;
const TOP_K = 5;
/** Longest side of the picture a heatmap is drawn over: enough for a card, and a bounded ImageData. */
const WHY_SIDE = 480;
/** How each method is named on the card. */
const METHOD_NAMES = { cam: 'class activation map (cam)', occlusion: 'occlusion map' };

const $ = (id) => document.getElementById(id);
/** Cards waiting for their turn: { file, card }. */
const queue = [];
let classifier;
/** Set when the model failed to load: pictures given after that are refused at once. */
let loadError;
let busy = false;

function setStatus(text, state) {
  $('status').textContent = text;
  document.body.dataset.model = state;
}

function notice(text) {
  $('notice').textContent = text;
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A card for `file`, newest first; its state line says where it is. */
function newCard(file) {
  const card = el('li', 'card');
  const body = el('div');
  body.append(el('div', 'name', file.name || 'pasted picture'), el('div', 'state'), el('ol'));
  card.append(el('img'), body);
  card.querySelector('img').alt = '';
  $('results').prepend(card);
  for (const old of [...$('results').children].slice(MAX_CARDS)) {
    if (old.dataset.url) URL.revokeObjectURL(old.dataset.url);
    old.remove();
  }
  return card;
}

/**
 * explain() and heatmapImageData() live in `edgeinfer/advanced` (not in the 60 KB runtime): fetched on the
 * first "why?" only. advanced.js imports this same index.js, so the classifier is the class it expects.
 */
let advanced;
const loadAdvanced = () => (advanced ??= import('../../dist/browser/advanced.js'));

/** The picture as ImageData, scaled down to WHY_SIDE on its longest side: what the map is drawn over. */
function pixelsOf(img) {
  const k = Math.min(1, WHY_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(img.naturalWidth * k));
  canvas.height = Math.max(1, Math.round(img.naturalHeight * k));
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

/** Whether the model's resize and crop left part of the picture out (renderHeatmap dims that part). */
const cropped = (r, photo) => r.x > 0.5 || r.y > 0.5 || r.width < photo.width - 0.5 || r.height < photo.height - 0.5;

/** The "why?" toggle of a classified card: the first press works the map out, later ones show or hide it. */
async function toggleWhy(card, button) {
  const shown = button.getAttribute('aria-pressed') === 'true';
  button.setAttribute('aria-pressed', String(!shown));
  const figure = card.querySelector('figure');
  if (figure) {
    figure.hidden = shown;
    if (card.dataset.why !== 'working') card.dataset.why = shown ? 'hidden' : 'shown';
    return;
  }
  const canvas = el('canvas');
  const caption = el('figcaption', '', 'working out why…');
  const made = el('figure');
  made.append(canvas, caption);
  card.append(made);
  card.dataset.why = 'working';
  try {
    const { explain, heatmapImageData } = await loadAdvanced();
    const photo = pixelsOf(card.querySelector('img'));
    const t0 = performance.now();
    // 'auto': cam where the model ends in pooling + dense, as MobileNetV2 does (one extra pass), else occlusion.
    const map = await explain(classifier, photo);
    const ms = performance.now() - t0;
    canvas.width = photo.width;
    canvas.height = photo.height;
    canvas.getContext('2d').putImageData(heatmapImageData(map, photo), 0, 0);
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `heatmap of where the model found “${map.label}”`);
    const legend = el('span', 'legend');
    legend.append(el('span', '', 'low'), el('span', 'ramp'), el('span', '', 'high evidence'));
    caption.replaceChildren(
      `Where it found “${map.label ?? `class ${map.classIndex}`}” (${(map.score * 100).toFixed(1)} %): ${METHOD_NAMES[map.method] ?? map.method}, ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms.${cropped(map.region, photo) ? ' The dimmed edges are outside what the model saw.' : ''}`,
      legend,
    );
    made.dataset.method = map.method;
    card.dataset.why = made.hidden ? 'hidden' : 'shown';
  } catch (e) {
    canvas.remove();
    caption.textContent = `no explanation: ${e instanceof Error ? e.message : String(e)}`;
    card.dataset.why = 'error';
  }
}

function setCard(card, state, text) {
  card.dataset.state = state;
  card.querySelector('.state').textContent = text;
}

/** Why `file` cannot be a picture, before anything is decoded; undefined when it may be one. */
function refusal(file) {
  // An empty type is common for pictures from some apps and file systems: decoding decides then.
  if (file.type && !file.type.startsWith('image/')) return `not a picture (${file.type})`;
  if (file.size === 0) return 'the file is empty';
  if (file.size > MAX_FILE_BYTES) return `too large (${(file.size / 2 ** 20).toFixed(0)} MB; at most ${MAX_FILE_BYTES / 2 ** 20} MB)`;
  return undefined;
}

function add(files) {
  notice('');
  for (const file of files) {
    const card = newCard(file);
    const why = refusal(file);
    if (why) { setCard(card, 'error', why); continue; }
    if (loadError) { setCard(card, 'error', 'not classified: the model could not be loaded'); continue; }
    if (queue.length >= MAX_WAITING) { setCard(card, 'error', `not classified: ${MAX_WAITING} pictures are already waiting`); continue; }
    setCard(card, 'waiting', classifier ? 'waiting…' : 'waiting for the model to load…');
    queue.push({ file, card });
  }
  void pump();
}

async function pump() {
  if (busy || !classifier) return;
  busy = true;
  while (queue.length > 0) {
    const { file, card } = queue.shift();
    await classifyCard(file, card);
  }
  busy = false;
}

async function classifyCard(file, card) {
  setCard(card, 'working', 'classifying…');
  const img = card.querySelector('img');
  card.dataset.url = img.src = URL.createObjectURL(file);
  try {
    await img.decode();
  } catch {
    img.removeAttribute('src');
    setCard(card, 'error', 'cannot read this file as a picture: it is damaged, or in a format this browser does not decode');
    return;
  }
  try {
    const t0 = performance.now();
    const top = await classifier.classify(img, { topK: TOP_K });
    const ms = performance.now() - t0;
    card.dataset.ms = ms.toFixed(1);
    card.querySelector('ol').replaceChildren(...top.map(({ label, score }) => {
      const li = el('li');
      li.append(el('span', 'label', label), el('span', 'score', `${(score * 100).toFixed(1)} %`));
      return li;
    }));
    setCard(card, 'done', `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms on ${classifier.backend}, ${img.naturalWidth}×${img.naturalHeight}`);
    const why = el('button', 'why-toggle', 'why?');
    why.type = 'button';
    why.setAttribute('aria-pressed', 'false');
    why.title = 'Show where in the picture the model found its top class';
    why.addEventListener('click', () => void toggleWhy(card, why));
    card.querySelector('ol').after(why);
  } catch (e) {
    // The SDK's typed errors (InputError for a picture it cannot use, BackendLostError...) say what went wrong.
    setCard(card, 'error', `not classified: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The files in a drop or paste; the items' files where `files` is empty (some browsers, some sources). */
function filesOf(data) {
  if (!data) return [];
  if (data.files.length > 0) return [...data.files];
  return [...data.items].filter((i) => i.kind === 'file').map((i) => i.getAsFile()).filter(Boolean);
}

const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');

$('file').addEventListener('change', () => {
  add([...$('file').files]);
  $('file').value = '';                              // picking the same file again is a change again
});
// Anywhere on the page takes a drop; the zone shows that it will.
document.addEventListener('dragover', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  $('drop').classList.add('over');
});
document.addEventListener('dragleave', (e) => {
  if (e.relatedTarget === null) $('drop').classList.remove('over');
});
document.addEventListener('drop', (e) => {
  $('drop').classList.remove('over');
  if (!hasFiles(e)) return;                          // dropped text or a link: the browser's own handling
  e.preventDefault();
  const files = filesOf(e.dataTransfer);
  if (files.length === 0) notice('Nothing to classify in what was dropped: drop picture files.');
  else add(files);
});
document.addEventListener('paste', (e) => {
  const files = filesOf(e.clipboardData);
  if (files.length === 0) {
    notice('The clipboard holds no picture: copy one (or a picture file), then paste.');
    return;
  }
  e.preventDefault();
  add(files);
});

const asked = new URLSearchParams(location.search).get('backend') ?? 'auto';
const backend = BACKENDS.includes(asked) ? asked : 'auto';
if (backend !== asked) notice(`Unknown backend "${asked}" in the address: using auto (one of ${BACKENDS.join(', ')}).`);
setStatus('Loading the model…', 'loading');
ImageClassifier.create(MODEL, {
  backend,
  onProgress: (loaded, total) => setStatus(`Loading the model… ${total ? `${Math.round(100 * loaded / total)} %` : `${(loaded / 2 ** 20).toFixed(1)} MB`}`, 'loading'),
}).then((c) => {
  classifier = c;
  setStatus(`Ready: MobileNetV2 (1000 ImageNet classes) on ${c.backend}.`, 'ready');
  // With a GPU, a CPU backend answers first while the GPU is timed; say when the GPU takes over.
  c.ready.then(() => setStatus(`Ready: MobileNetV2 (1000 ImageNet classes) on ${c.backend}.`, 'ready'), () => {});
  void pump();
}, (e) => {
  loadError = e;
  setStatus(`The model could not be loaded: ${e instanceof Error ? e.message : String(e)}. Reload to try again.`, 'failed');
  for (const { card } of queue.splice(0)) setCard(card, 'error', 'not classified: the model could not be loaded');
});
