// Runs one case of cases.ts in a child process with a V8 heap cap (--max-old-space-size), a watchdog on
// its resident memory (polled from /proc, killed past the limit: typed arrays live outside the V8
// heap) and a time limit; reports what the child printed, its peak RSS and whether it exited by itself.
import { mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWatched } from '../helpers/watched-child.js';

const CASES = fileURLToPath(new URL('./cases.ts', import.meta.url));

export interface CaseResult {
  case: string;
  outcome?: 'ok' | 'error';
  error?: { name?: string; code?: string; message: string };
  result?: unknown;
  /** Time the case itself took, as the child measured it. */
  ms?: number;
  /** Peak resident memory of the child, MiB (its own maxRSS, or the last poll when it was killed). */
  maxRssMiB: number;
  /** Why the watchdog ended it; undefined when it exited by itself. */
  killed?: 'timeout' | 'memory';
  exitCode: number | null;
  wallMs: number;
  stderr: string;
  /** Every file left in the case's scratch folder, relative to it (the folder is its XDG_CACHE_HOME and TMPDIR). */
  files: string[];
  dir: string;
}

export interface Limits {
  heapMiB?: number;
  rssMiB?: number;
  timeoutMs?: number;
  /** The input file of an image case (from prepareInputs), as $HOSTILE_INPUT. */
  input?: string;
  /** More environment for the child. */
  env?: Record<string, string>;
}

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const rel = relative(base, p);
    // tsx's compile cache (under TMPDIR) is not the case's doing.
    if (/^tmp\/tsx-/.test(rel)) continue;
    if (e.isDirectory()) out.push(...listFiles(p, base));
    else out.push(rel);
  }
  return out.sort();
}

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgeinfer-hostile-'));
  mkdirSync(join(dir, 'tmp'));
  return dir;
}

/** Writes every image case's input (<dir>/<case>.input) in one unmeasured process; returns the folder. */
export async function prepareInputs(): Promise<string> {
  const dir = scratch();
  const made = await spawnCase('prepare', dir, { heapMiB: 4096, rssMiB: 4096, timeoutMs: 120_000 });
  if (made.outcome !== 'ok') throw new Error(`cannot prepare the inputs: ${made.error?.message ?? made.killed ?? made.stderr}`);
  return dir;
}

export async function runCase(name: string, limits: Limits = {}): Promise<CaseResult> {
  return { ...(await spawnCase(name, scratch(), limits)), case: name };
}

async function spawnCase(name: string, dir: string, limits: Limits): Promise<CaseResult> {
  const { heapMiB = 256, rssMiB = 1024, timeoutMs = 30_000 } = limits;
  const env = {
    ...process.env, EDGEINFER_NO_NODE_WEBGPU: '1', XDG_CACHE_HOME: join(dir, 'cache'), TMPDIR: join(dir, 'tmp'), EDGEINFER_DEBUG: '',
    HOSTILE_INPUT: limits.input ?? '', ...limits.env,
  };
  const run = await runWatched(CASES, [name, dir], { heapMiB, rssMiB, timeoutMs, env });
  const lines = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const report = lines.find((l) => 'case' in l) ?? {};
  const rss = lines.find((l) => 'maxRssKiB' in l)?.maxRssKiB as number | undefined;
  let files: string[] = [];
  try { if (statSync(dir).isDirectory()) files = listFiles(dir); } catch { /* gone */ }
  return {
    ...(report as Partial<CaseResult>),
    case: name,
    maxRssMiB: Math.round(rss !== undefined ? rss / 1024 : run.polledMiB),
    killed: run.killed,
    exitCode: run.exitCode,
    wallMs: run.wallMs,
    stderr: run.stderr,
    files,
    dir,
  };
}
