#!/usr/bin/env node
// An edge box's classifier: watches a folder and appends one JSON line per new picture to a log (the
// classes with their scores, or why the file could not be classified), on the fastest backend this
// machine has. `--once` classifies what is there and exits. Bad files are logged and skipped; SIGINT
// and SIGTERM finish the picture in hand, close the log and exit 0. See README.md beside this file.
// Run from the repository root:  node examples/node-classify/classify.mjs --log seen.jsonl incoming/
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEntry } from '../../bin/load-entry.js';
import { candidateName, fileKey, FolderWatch } from './folder-watch.mjs';
import { JsonlLog } from './jsonl-log.mjs';

const USAGE = `usage: node examples/node-classify/classify.mjs [options] FOLDER|IMAGE...

  Classifies each file in each FOLDER (then keeps watching it for new ones) and each IMAGE named,
  and appends one JSON line per file to the log: its classes, or why it is not a JPEG or PNG
  picture that could be classified.

  --once           classify what is there now and exit (exit code 1 when a file could not be classified)
  --log FILE       the JSONL log to append to (default: stdout); files it already holds, unchanged
                   since, are not classified again
  --top K          classes per picture (default 3)
  --model FILE     a .eim model (default: the bundled MobileNetV2, ImageNet)
  --backend NAME   auto | wasm | js | webgpu (default auto)
  --settle MS      a new file counts as complete once its size stayed the same this long (default 300)
  --rescan MS      list the folders again this often, in case a change event was missed (default 10000)`;

const BACKENDS = ['auto', 'wasm', 'js', 'webgpu'];

/**
 * Text from outside (a path, a model's name inside an error message) made safe for a terminal: control
 * characters and bidirectional overrides as visible escapes (as the edgeinfer CLI does).
 */
function shown(text) {
  return String(text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One line on stderr, never a stack trace (EDGEINFER_DEBUG=1 adds it). */
function say(message) {
  process.stderr.write(`node-classify: ${message}\n`);
}

function fail(message, code = 1, error = undefined) {
  say(message);
  if (error !== undefined && process.env.EDGEINFER_DEBUG) console.error(error);
  process.exit(code);
}

process.on('uncaughtException', (e) => fail(`stopped: ${shown(e instanceof Error ? e.message : e)}`, 1, e));
process.on('unhandledRejection', (e) => fail(`stopped: ${shown(e instanceof Error ? e.message : e)}`, 1, e));

function intOption(value, name, min, dflt) {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got "${value}"\n${USAGE}`, 2);
  return n;
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      once: { type: 'boolean' }, log: { type: 'string' }, top: { type: 'string' }, model: { type: 'string' },
      backend: { type: 'string' }, settle: { type: 'string' }, rescan: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
} catch (e) {
  fail(`${shown(e.message)}\n${USAGE}`, 2);
}
if (args.values.help) { console.log(USAGE); process.exit(0); }
const { once = false, log: logPath, model, backend = 'auto' } = args.values;
if (args.positionals.length === 0) fail(USAGE, 2);
if (!BACKENDS.includes(backend)) fail(`--backend must be one of ${BACKENDS.join(', ')}, got "${backend}"`, 2);
const topK = intOption(args.values.top, 'top', 1, 3);
const settleMs = intOption(args.values.settle, 'settle', 10, 300);
const rescanMs = intOption(args.values.rescan, 'rescan', 100, 10_000);

// Folders and files, checked before the model loads: a typo should not wait for it.
const folders = [], images = [];
for (const path of args.positionals) {
  let st;
  try { st = statSync(path); } catch (e) { fail(`cannot read "${shown(path)}": ${e.code ?? shown(e.message)}`); }
  (st.isDirectory() ? folders : images).push(path);
}

/** The log's own notes name its path: shown safely. */
const note = (message) => say(shown(message));
let log;
try {
  log = new JsonlLog(logPath, note);
} catch (e) {
  fail(`cannot open the log "${shown(logPath)}": ${e.code ?? shown(e.message)}`);
}
// The log itself may sit in a watched folder: never classify it.
const logReal = logPath === undefined ? undefined : realpathSync(logPath);
const isLog = (path) => { try { return realpathSync(path) === logReal; } catch { return false; } };

/** path → fileKey of every file logged already (from an earlier run too), so it is not classified twice. */
const handled = new Map();
for (const r of JsonlLog.records(logPath, note)) {
  if (typeof r?.file === 'string' && r.size !== undefined) handled.set(resolve(r.file), `${r.size}:${r.mtimeMs}`);
}

const { NodeImageClassifier, InputError } = await loadEntry(
  new URL('../../dist/node/index.js', import.meta.url), new URL('../../src/node.ts', import.meta.url), process.env.EDGEINFER_SDK, 'dist/node/index.js');

let classifier;
try {
  classifier = model === undefined ? await NodeImageClassifier.create(undefined, { backend }) : await NodeImageClassifier.create(model, { backend });
} catch (e) {
  fail(`cannot load the model: ${shown(e.message)}`, 1, e);
}
say(`model loaded, backend ${classifier.backend}; ${once ? 'classifying' : 'watching'} ${[...folders, ...images].map((p) => `"${shown(p)}"`).join(', ')}`);

/** Files waiting, in arrival order; one is classified at a time. */
const queue = [];
let working = false, stopping = false, classified = 0, failures = 0;
let idle = Promise.resolve();

async function classifyOne(path, st) {
  const record = { time: new Date().toISOString(), file: path, size: st.size, mtimeMs: st.mtimeMs };
  const t0 = performance.now();
  try {
    const top = await classifier.classify(path, { topK });
    Object.assign(record, {
      backend: classifier.backend,
      ms: Math.round((performance.now() - t0) * 10) / 10,
      top: top.map(({ label, score, index }) => ({ label, score: Math.round(score * 1e5) / 1e5, index })),
    });
    classified++;
  } catch (e) {
    // A picture that cannot be read or decoded is the SDK's InputError; anything else is logged too,
    // so one odd file never stops the box.
    failures++;
    Object.assign(record, { error: e instanceof Error ? e.message : String(e), code: e instanceof InputError ? e.code : (e?.code ?? 'ERROR') });
  }
  log.write(record);
  handled.set(resolve(path), fileKey(st));
}

function enqueue(path, st) {
  if (stopping) return;
  queue.push({ path, st });
  if (!working) idle = drain();
}

async function drain() {
  working = true;
  while (queue.length > 0 && !stopping) {
    const { path, st } = queue.shift();
    await classifyOne(path, st);
  }
  working = false;
}

/** Stops taking files, lets the picture in hand finish (its line written), closes the log, exits. */
async function finish(why, code) {
  if (stopping) return;
  stopping = true;
  for (const w of watches) w.close();
  await idle;
  await log.close();
  classifier.dispose();
  const left = queue.length ? `, ${queue.length} queued file(s) left for the next run` : '';
  say(`${why}: ${classified} classified, ${failures} not (their reasons are in the log)${left}`);
  process.exit(code);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    // A second signal while the picture in hand finishes: go now (every line written is whole).
    if (stopping) process.exit(130);
    void finish(sig, 0);
  });
}

const watches = [];
if (once) {
  // What is in each folder now, in name order; no settle time.
  for (const dir of folders) {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (!candidateName(name) || isLog(path)) continue;
      const st = statOrUndefined(path);
      if (st?.isFile() && handled.get(resolve(path)) !== fileKey(st)) enqueue(path, st);
    }
  }
} else {
  for (const dir of folders) {
    const w = new FolderWatch(dir, {
      settleMs, rescanMs, ignore: isLog,
      handled: { get: (path) => handled.get(resolve(path)), set: (path, key) => handled.set(resolve(path), key) },
      onFile: enqueue,
      onError: (e) => { say(`cannot watch "${shown(dir)}" any more: ${e.code ?? shown(e.message)}`); void finish('stopped', 1); },
    });
    watches.push(w);
    void w.scan();
  }
}
for (const path of images) {
  const st = statOrUndefined(path);
  if (st) enqueue(path, st);
}
if (once || folders.length === 0) {
  await idle;
  await finish('done', failures ? 1 : 0);
}

function statOrUndefined(path) {
  try { return statSync(path); } catch { return undefined; }
}
