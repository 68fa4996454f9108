// The camera PWA: the default MobileNetV2 on the best backend here, classifying the camera live (top-3, at most
// 5 times a second, scores smoothed across frames), or a photo when there is no camera or no permission for it.
// sw.js keeps every file it needs, so it also works offline, and tells the page when a new version is waiting.
// "why?" freezes the frame (the pause) and lays over it the heatmap of where the model found its top class.
import { ImageClassifier, setAssetPaths } from '../../dist/browser/index.js';

const MODEL_URL = new URL('../../models/mobilenetv2-12-int8.eim', import.meta.url);
const BUNDLE = new URL('../../dist/browser/', import.meta.url);
const MAX_FPS = 5;
/** Longest side of the frame a heatmap is worked out and drawn on. */
const WHY_SIDE = 640;
const METHOD_NAMES = { cam: 'class activation map (cam)', occlusion: 'occlusion map' };
const TOP_K = 3;
const $ = (id) => document.getElementById(id);
const video = $('camera');
const stage = $('stage');

/** The one thing the stage shows: 'loading' | 'camera' | 'photo' | 'denied' | 'nocamera' | 'busy' | 'error'. */
function setState(state, text = '', { retry = false, pick = false } = {}) {
  stage.dataset.state = state;
  const overlay = state !== 'camera' && state !== 'photo';
  $('state').hidden = !overlay;
  $('state-text').textContent = text;
  $('retry').hidden = !retry;
  $('state-pick').hidden = !pick;
  $('photo').hidden = state !== 'photo';
  $('pause').disabled = state !== 'camera';
  $('explain').disabled = state !== 'camera' && state !== 'photo';
  $('back').hidden = state !== 'photo';
  clearWhy();
}

function show(top, raw = top) {
  $('labels').replaceChildren(...top.map(({ index, label, score }) => {
    const li = document.createElement('li');
    // The frame's own score beside the smoothed one (what the tests and a curious user can compare).
    li.dataset.score = String(score);
    li.dataset.raw = String(raw.find((r) => r.index === index)?.score ?? 0);
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${Math.min(100, score * 100).toFixed(1)}%`;
    const name = document.createElement('span');
    name.textContent = label;
    const pct = document.createElement('span');
    pct.textContent = `${(score * 100).toFixed(1)} %`;
    li.append(bar, name, pct);
    return li;
  }));
}

/** Why the backend is the one it is, in a line, from model.selection. */
function whyChosen(selection) {
  if (!selection) return 'no selection report';
  const ms = (c) => (c.medianMs === undefined ? '' : ` ${c.medianMs.toFixed(1)} ms`);
  // The wasm candidates by their providers' priorities: threaded 25, SIMD 20, scalar 15.
  const name = (c) => (c.name === 'wasm' ? ({ 25: 'wasm threads', 20: 'wasm SIMD', 15: 'wasm scalar' }[c.priority] ?? 'wasm') : c.name);
  const others = selection.candidates.filter((c) => c.status !== 'chosen')
    .map((c) => `${name(c)} ${c.status}${ms(c)}${c.reason && c.status !== 'slower' ? `: ${c.reason}` : ''}`);
  const chosen = selection.candidates.find((c) => c.status === 'chosen');
  const head = {
    auto: `fastest in a trial run on this device${chosen ? ` (${name(chosen)}${ms(chosen)})` : ''}`,
    cached: 'remembered from an earlier trial on this device',
    explicit: 'asked for by the app',
  }[selection.mode] ?? selection.mode;
  const warm = selection.warmStart ? `; the GPU ${selection.warmStart.state === 'switched' ? 'took over once ready' : `warm start: ${selection.warmStart.state}`}` : '';
  const lost = selection.fallbacks?.length ? `; fell back from ${selection.fallbacks.map((f) => `${f.from} (${f.reason})`).join(', ')}` : '';
  return `${head}${others.length ? `; ${others.join('; ')}` : ''}${warm}${lost}`;
}

/**
 * What became of the threaded wasm build (wasm@25 in the selection): chosen, slower than one thread, or why it
 * is unavailable (a page that is not cross-origin isolated). A cached decision lists only what it chose.
 */
function showThreads(selection) {
  const threaded = selection?.candidates.find((c) => c.name === 'wasm' && c.priority === 25);
  const isolation = crossOriginIsolated ? 'page isolated' : 'page not cross-origin isolated';
  $('threads').textContent = threaded
    ? `${isolation}; wasm@25 ${threaded.status}${threaded.reason && threaded.status !== 'chosen' ? ` (${threaded.reason})` : ''}`
    : `${isolation}; wasm@25 not tried (${selection?.mode ?? 'no'} selection)`;
}

function showBackend(classifier) {
  $('backend').textContent = classifier.backend;
  $('why').textContent = whyChosen(classifier.selection);
  showThreads(classifier.selection);
}

/**
 * The threads' worker script from a blob: URL of its bytes, fetched by this page (so from sw.js's cache when
 * offline): Chromium fetches a Worker's script from the network without asking the page's service worker
 * (seen in test/browser/pwa-camera.suite.ts), so offline the workers could not start from their file and the
 * model ran on one thread. A blob: URL has the page's origin and isolation. Online, on failure: the default.
 */
async function workerFromCache() {
  try {
    const res = await fetch(new URL('edgeinfer-worker.js', BUNDLE));
    if (!res.ok) return;
    const worker = URL.createObjectURL(new Blob([await res.arrayBuffer()], { type: 'text/javascript' }));
    const build = (v) => new URL(`edgeinfer-${v}.wasm`, BUNDLE);
    setAssetPaths({
      wasmPaths: {
        simd: build('simd'), scalar: build('scalar'), relaxed: build('relaxed'),
        simdThreads: build('simd-threads'), relaxedThreads: build('relaxed-threads'), worker,
      },
    });
  } catch {
    // Keep edgeinfer-worker.js beside the bundle.
  }
}

async function loadClassifier() {
  await workerFromCache();
  const classifier = await ImageClassifier.create(MODEL_URL.href, {
    onProgress: (loaded, total) => {
      $('backend').textContent = `loading the model… ${total ? `${Math.round((100 * loaded) / total)} %` : `${Math.round(loaded / 1024)} KiB`}`;
    },
  });
  showBackend(classifier);
  // With a GPU, a CPU backend answers first while the GPU prepares; show the switch when it happens.
  classifier.ready.then(() => showBackend(classifier), () => showBackend(classifier));
  return classifier;
}

// ---- service worker: offline cache, "update available" ----

/** Set when the user asked for the waiting version: only then does a new controller reload the page. */
let updateAccepted = false;

function offerUpdate(worker) {
  // No controller: this is the first install, not an update.
  if (!navigator.serviceWorker.controller) return;
  $('update').hidden = false;
  $('update-reload').onclick = () => {
    updateAccepted = true;
    $('update-reload').disabled = true;
    worker.postMessage({ type: 'skip-waiting' });
  };
}

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return 'no service worker support: online only';
  try {
    const reg = await navigator.serviceWorker.register('sw.js');
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (updateAccepted) location.reload();
    });
    if (reg.waiting) offerUpdate(reg.waiting);
    reg.addEventListener('updatefound', () => {
      const worker = reg.installing;
      worker?.addEventListener('statechange', () => {
        if (worker.state === 'installed') offerUpdate(worker);
      });
    });
    await navigator.serviceWorker.ready;
    return 'available offline';
  } catch (e) {
    return `offline cache unavailable: ${e.message}`;
  }
}

// ---- install button ----

let installPrompt;
window.addEventListener('beforeinstallprompt', (event) => {
  // Keep the browser's own mini-infobar away; offer our button instead.
  event.preventDefault();
  installPrompt = event;
  $('install').hidden = false;
});
$('install').addEventListener('click', async () => {
  const prompt = installPrompt;
  installPrompt = undefined;
  $('install').hidden = true;
  if (prompt) await prompt.prompt();
});
window.addEventListener('appinstalled', () => {
  installPrompt = undefined;
  $('install').hidden = true;
});

// ---- camera ----

let stream;
let loop;
const classifierReady = loadClassifier();
// Without it, a failed load would be an unhandled rejection until something awaits it.
classifierReady.catch(() => {});

function stopCamera() {
  clearWhy();
  loop?.stop();
  loop = undefined;
  stream?.getTracks().forEach((t) => t.stop());
  stream = undefined;
  video.srcObject = null;
}

/** The camera's failure as a state the user can act on, never the DOMException's own text alone. */
function cameraFailed(e) {
  const name = e?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    setState('denied', 'Camera access is blocked for this page. Allow it in the browser (the camera icon by the address, or the site settings) and try again, or classify a photo instead.', { retry: true, pick: true });
  } else if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NoCameraError') {
    setState('nocamera', 'No camera found on this device. Connect one and try again, or classify a photo instead.', { retry: true, pick: true });
  } else if (name === 'NotReadableError' || name === 'AbortError') {
    setState('busy', 'The camera could not start: another app may be using it. Close that app and try again, or classify a photo instead.', { retry: true, pick: true });
  } else {
    setState('error', `The camera could not start (${name || 'unknown error'}). Try again, or classify a photo instead.`, { retry: true, pick: true });
  }
}

async function videoInputs() {
  try {
    return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  } catch {
    return [];
  }
}

/**
 * The front/back switch: a phone's track says its facingMode, so ask for the other one (whichever of its back
 * cameras the browser picks); a desktop's (or a fake) says none, so take the next camera in the device list.
 */
async function otherCamera() {
  const settings = stream?.getVideoTracks()[0]?.getSettings() ?? {};
  if (settings.facingMode === 'user' || settings.facingMode === 'environment') {
    return { facingMode: { exact: settings.facingMode === 'user' ? 'environment' : 'user' } };
  }
  const cams = await videoInputs();
  const at = cams.findIndex((c) => c.deviceId === settings.deviceId);
  return { deviceId: { exact: cams[(at + 1) % cams.length].deviceId } };
}

async function startCamera(constraints = { facingMode: 'environment' }) {
  stopCamera();
  setState('loading', 'Opening the camera…');
  $('switch').hidden = true;
  if (!navigator.mediaDevices?.getUserMedia) {
    return cameraFailed({ name: window.isSecureContext ? 'NoCameraError' : 'SecurityError' });
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: constraints, audio: false });
    video.srcObject = stream;
    await video.play();
  } catch (e) {
    stopCamera();
    return cameraFailed(e);
  }
  const track = stream.getVideoTracks()[0];
  stage.classList.toggle('mirrored', track.getSettings().facingMode === 'user');
  // The switch only where there is something to switch to (labels and ids are known once permission is given).
  $('switch').hidden = (await videoInputs()).length < 2;
  // A camera unplugged (or taken by the system) mid-stream.
  track.addEventListener('ended', () => { if (stream?.getVideoTracks()[0] === track) { stopCamera(); cameraFailed({ name: 'NotReadableError' }); } });
  setState('loading', 'Loading the model…');
  let classifier;
  try {
    classifier = await classifierReady;
  } catch (e) {
    return modelFailed(e);
  }
  if (stream?.getVideoTracks()[0] !== track) return; // replaced meanwhile
  setState('camera');
  setPaused(false);
  startLoop(classifier);
}

function modelFailed(e) {
  $('backend').textContent = 'none: the model did not load';
  $('why').textContent = `${e?.name ?? 'Error'}: ${e?.message ?? e}`;
  setState('error', 'The model could not be loaded. Check the connection (the first visit needs it) and reload the page.');
}

let stats = { shown: 0, since: 0 };

function startLoop(classifier) {
  loop?.stop();
  stats = { shown: 0, since: performance.now() };
  const smoothing = Number($('smoothing').value);
  loop = classifier.classifyVideo(video, ({ top, raw, latencyMs, dropped }) => {
    show(top, raw);
    stats.shown++;
    const now = performance.now();
    if (now - stats.since > 1000) {
      $('stats').textContent = `${((stats.shown * 1000) / (now - stats.since)).toFixed(1)} results/s, ${latencyMs.toFixed(0)} ms each, ${dropped} frames skipped`;
      stats = { shown: 0, since: now };
    }
    $('stats').dataset.results = String(Number($('stats').dataset.results ?? 0) + 1);
  }, {
    maxFps: MAX_FPS, topK: TOP_K, smoothing,
    onError: (e) => setState('error', `Classification stopped (${e.name}: ${e.message}). Try the camera again.`, { retry: true, pick: true }),
  });
}

function setPaused(paused) {
  $('pause').textContent = paused ? 'Resume' : 'Pause';
  $('pause').setAttribute('aria-pressed', String(paused));
  $('paused-badge').hidden = !paused;
}

$('pause').addEventListener('click', async () => {
  // A paused <video> presents no new frames, so the loop idles and the picture and labels stay as they are.
  if (video.paused) {
    clearWhy();
    await video.play();
    setPaused(false);
  } else {
    video.pause();
    setPaused(true);
  }
});

// ---- why? ----

/**
 * explain() and heatmapImageData() are in `edgeinfer/advanced` (not in the runtime's index.js): imported on the
 * first "why?" only, from sw.js's cache when offline. It imports this same index.js, so the classifier fits it.
 */
let advanced;
const loadAdvanced = () => (advanced ??= import('../../dist/browser/advanced.js'));
/** Counts "why?" requests: a map that arrives after the user moved on (resumed, another photo) is dropped. */
let whyRun = 0;

function clearWhy() {
  whyRun++;
  $('heat').hidden = true;
  $('heat-caption').hidden = true;
  $('explain').setAttribute('aria-pressed', 'false');
  delete stage.dataset.why;
}

/** What is on the stage as ImageData, at most WHY_SIDE on its longest side: the frozen frame or the photo. */
function stagePixels(source) {
  const w = source.videoWidth ?? source.naturalWidth, h = source.videoHeight ?? source.naturalHeight;
  if (!w || !h) throw new Error('no picture to explain yet');
  const k = Math.min(1, WHY_SIDE / Math.max(w, h));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(w * k));
  canvas.height = Math.max(1, Math.round(h * k));
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

function caption(...parts) {
  $('heat-caption').replaceChildren(...parts);
  $('heat-caption').hidden = false;
}

async function showWhy() {
  const photo = stage.dataset.state === 'photo';
  // Freeze first, as Pause does: the map is of this frame, and the labels stay those of the frames before it.
  if (!photo && !video.paused) {
    video.pause();
    setPaused(true);
  }
  const run = ++whyRun;
  $('explain').setAttribute('aria-pressed', 'true');
  stage.dataset.why = 'working';
  caption('working out why…');
  try {
    const source = photo ? $('photo') : video;
    const frame = stagePixels(source);
    const [classifier, { explain, heatmapImageData }] = await Promise.all([classifierReady, loadAdvanced()]);
    const t0 = performance.now();
    // 'auto': cam on MobileNetV2 (one extra pass); a model without pooling + dense at its end gets occlusion.
    const map = await explain(classifier, frame);
    const ms = performance.now() - t0;
    if (run !== whyRun) return;
    const heat = $('heat');
    heat.width = frame.width;
    heat.height = frame.height;
    // The legend is the caption's, not drawn into the picture: a mirrored front camera would flip it.
    heat.getContext('2d').putImageData(heatmapImageData(map, frame, { legend: false }), 0, 0);
    heat.classList.toggle('mirrored', !photo && stage.classList.contains('mirrored'));
    heat.dataset.method = map.method;
    heat.hidden = false;
    const legend = document.createElement('span');
    legend.className = 'legend';
    const word = (t) => Object.assign(document.createElement('span'), { textContent: t });
    legend.append(word('low'), Object.assign(document.createElement('span'), { className: 'ramp' }), word('high evidence'));
    caption(`Why “${map.label ?? `class ${map.classIndex}`}” (${(map.score * 100).toFixed(1)} %): ${METHOD_NAMES[map.method] ?? map.method}, ${ms.toFixed(0)} ms${photo ? '' : '; Resume to go on'}`, legend);
    stage.dataset.why = 'shown';
  } catch (e) {
    if (run !== whyRun) return;
    caption(`No explanation: ${e?.message ?? e}`);
    stage.dataset.why = 'error';
  }
}

$('explain').addEventListener('click', () => {
  if ($('explain').getAttribute('aria-pressed') === 'true') clearWhy();
  else void showWhy();
});

$('switch').addEventListener('click', async () => {
  $('switch').disabled = true;
  try {
    await startCamera(await otherCamera());
  } finally {
    $('switch').disabled = false;
  }
});

$('retry').addEventListener('click', () => startCamera());
$('back').addEventListener('click', () => startCamera());

$('smoothing').addEventListener('input', async () => {
  $('smoothing-value').textContent = Number($('smoothing').value).toFixed(2);
  // A new loop: the averages start afresh with the new factor.
  if (loop) startLoop(await classifierReady);
});

// ---- a photo instead of the camera ----

$('pick').addEventListener('change', async () => {
  const file = $('pick').files?.[0];
  $('pick').value = '';
  if (!file) return;
  stopCamera();
  $('switch').hidden = true;
  setState('loading', 'Reading the photo…');
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return setState('error', `"${file.name}" is not an image this browser can read. Pick a JPEG, PNG or WebP photo.`, { retry: true, pick: true });
  }
  try {
    const classifier = await classifierReady;
    setState('loading', 'Classifying the photo…');
    const t0 = performance.now();
    const top = await classifier.classify(bitmap, { topK: TOP_K });
    $('stats').textContent = `one photo, ${(performance.now() - t0).toFixed(0)} ms`;
    const url = URL.createObjectURL(file);
    const img = $('photo');
    if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
    img.src = url;
    setState('photo');
    show(top);
  } catch (e) {
    if (!(await classifierReady.then(() => true, () => false))) return modelFailed(e);
    setState('error', `The photo could not be classified (${e.name}: ${e.message}).`, { retry: true, pick: true });
  } finally {
    bitmap.close();
  }
});

// A hidden page gets no frames anyway; stopping also frees the camera for other apps. Back: open it again.
window.addEventListener('pagehide', stopCamera);
window.addEventListener('pageshow', (e) => { if (e.persisted && stage.dataset.state === 'camera') startCamera(); });

classifierReady.catch(modelFailed);
registerServiceWorker().then((s) => { $('status').textContent = s; });
startCamera();
