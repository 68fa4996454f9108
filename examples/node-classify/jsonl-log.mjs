// An append-only JSONL log that is never left with half a line: each record is one write() of one whole
// line to a file opened for appending (a signal is handled between JavaScript statements, never inside
// that write), and a log torn by a power cut (its last line without a newline) is trimmed back to its
// last whole line when it is opened again. Without a path the lines go to stdout.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, statSync, truncateSync, writeSync } from 'node:fs';

/** How far back a torn last line is looked for, and the most of an old log read to resume from. */
const MAX_LINE = 1 << 20;
const MAX_RESUME_BYTES = 64 << 20;

export class JsonlLog {
  #fd;
  #path;

  /** `path`: the log file, created when missing; undefined for stdout. `warn` gets one line per repair. */
  constructor(path, warn) {
    this.#path = path;
    if (path === undefined) return;
    trimTornLine(path, warn);
    this.#fd = openSync(path, 'a', 0o644);
    if (!fstatSync(this.#fd).isFile()) {
      closeSync(this.#fd);
      throw new Error(`the log ${path} is not a regular file`);
    }
  }

  /** Appends `record` as one line. */
  write(record) {
    const line = Buffer.from(`${JSON.stringify(record)}\n`);
    if (this.#fd === undefined) { process.stdout.write(line); return; }
    let at = 0;
    // One write() in practice; a short write (a full disk) is finished, or fails, here.
    while (at < line.length) at += writeSync(this.#fd, line, at);
  }

  /** Flushes to disk and closes (stdout: waits until what was written has left the process). */
  async close() {
    if (this.#fd === undefined) {
      if (process.stdout.writableNeedDrain) await new Promise((resolve) => process.stdout.once('drain', resolve));
      return;
    }
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** The records already in the log (to skip files classified before a restart); none for stdout. */
  static records(path, warn) {
    if (path === undefined) return [];
    let size;
    try { size = statSync(path).size; } catch { return []; }
    if (size > MAX_RESUME_BYTES) {
      warn(`the log ${path} is over ${MAX_RESUME_BYTES >> 20} MiB: not read to resume, files already in it are classified again`);
      return [];
    }
    const fd = openSync(path, 'r');
    try {
      const bytes = Buffer.alloc(size);
      readSync(fd, bytes, 0, size, 0);
      return bytes.toString('utf8').split('\n').filter(Boolean).flatMap((line) => {
        try { return [JSON.parse(line)]; } catch { return []; }
      });
    } finally {
      closeSync(fd);
    }
  }
}

/** Cuts a last line that has no newline (a write cut short by a power loss), so the log stays valid JSONL. */
function trimTornLine(path, warn) {
  let fd;
  try { fd = openSync(path, 'r'); } catch { return; }
  try {
    const { size } = fstatSync(fd);
    if (size === 0) return;
    const n = Math.min(size, MAX_LINE);
    const tail = Buffer.alloc(n);
    readSync(fd, tail, 0, n, size - n);
    if (tail[n - 1] === 0x0a) return;
    const cut = tail.lastIndexOf(0x0a);
    const keep = cut < 0 ? (n === size ? 0 : size - n) : size - n + cut + 1;
    truncateSync(path, keep);
    warn(`the log ${path} ended in a torn line: dropped its last ${size - keep} bytes`);
  } finally {
    closeSync(fd);
  }
}
