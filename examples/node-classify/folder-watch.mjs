// Watches one folder for files to classify. fs.watch says that a name changed, not that a file is
// complete (a copy, a camera upload or an scp arrives in pieces), so each name it reports is probed:
// `settleMs` after its last event, then again after as long, and handed on only once its size and
// modification time stayed the same between two probes. fs.watch can also miss events (a full inotify
// queue, network file systems), so the folder is listed again every `rescanMs`; a file whose size and
// time were already handed on is not handed on again. Hidden files and names of downloads in progress
// (.part, .tmp, .crdownload, ~) are left alone; so is whatever `ignore(path)` refuses.
import { watch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const IN_PROGRESS = /(^\.|\.(part|partial|tmp|crdownload|download)$|~$)/i;

/** `name` could be a finished file worth classifying (not hidden, not a download in progress). */
export function candidateName(name) {
  return !IN_PROGRESS.test(name);
}

/** A file's identity for "already handled": same path, same size, same modification time. */
export function fileKey(st) {
  return `${st.size}:${st.mtimeMs}`;
}

export class FolderWatch {
  #dir;
  #onFile;
  #onError;
  #settleMs;
  #ignore;
  #handled;
  /** name → { timer, key } while a name is being probed. */
  #probing = new Map();
  #watcher;
  #rescan;
  #closed = false;

  /**
   * `onFile(path, stats)`: a file that stopped changing. `onError(error)`: the folder became unusable
   * (removed, unreadable). `handled`: Map of path → fileKey of files already handed on (kept up to date).
   */
  constructor(dir, { onFile, onError, settleMs = 300, rescanMs = 10_000, ignore = () => false, handled = new Map() }) {
    this.#dir = dir;
    this.#onFile = onFile;
    this.#onError = onError;
    this.#settleMs = settleMs;
    this.#ignore = ignore;
    this.#handled = handled;
    this.#watcher = watch(dir, { persistent: true }, (_event, name) => {
      // Some platforms give no name: then only a listing can tell what changed.
      if (name) this.#touch(name.toString()); else this.scan();
    });
    this.#watcher.on('error', (e) => this.#fail(e));
    this.#rescan = setInterval(() => this.scan(), rescanMs);
  }

  /** Lists the folder and probes every name that is new or changed since it was handed on. */
  async scan() {
    let entries;
    try {
      entries = await readdir(this.#dir, { withFileTypes: true });
    } catch (e) {
      this.#fail(e);
      return;
    }
    for (const e of entries) {
      if (e.isDirectory() || this.#probing.has(e.name)) continue;
      const path = join(this.#dir, e.name);
      if (!candidateName(e.name) || this.#ignore(path)) continue;
      const st = await stat(path).catch(() => undefined);
      if (st?.isFile() && this.#handled.get(path) !== fileKey(st)) this.#touch(e.name);
    }
  }

  close() {
    this.#closed = true;
    this.#watcher.close();
    clearInterval(this.#rescan);
    for (const { timer } of this.#probing.values()) clearTimeout(timer);
    this.#probing.clear();
  }

  /** An event for `name`: (re)start its settle time. */
  #touch(name) {
    if (this.#closed || !candidateName(name) || this.#ignore(join(this.#dir, name))) return;
    const probe = this.#probing.get(name);
    if (probe) clearTimeout(probe.timer);
    this.#probing.set(name, { key: probe?.key, timer: setTimeout(() => this.#probe(name), this.#settleMs) });
  }

  async #probe(name) {
    const path = join(this.#dir, name);
    const probe = this.#probing.get(name);
    const st = await stat(path).catch(() => undefined);
    // Closed meanwhile, or a newer event restarted this name's settle time.
    if (this.#closed || this.#probing.get(name) !== probe) return;
    // Gone, a folder, a FIFO...: nothing to classify (a link to a regular file is followed).
    if (!st?.isFile()) { this.#probing.delete(name); return; }
    const key = fileKey(st);
    if (probe.key !== key) {
      this.#probing.set(name, { key, timer: setTimeout(() => this.#probe(name), this.#settleMs) });
      return;
    }
    this.#probing.delete(name);
    if (this.#handled.get(path) === key) return;
    this.#handled.set(path, key);
    this.#onFile(path, st);
  }

  #fail(e) {
    if (this.#closed) return;
    this.close();
    this.#onError(e);
  }
}
