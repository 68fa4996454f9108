// Runs one case of cases.ts in a child process with a V8 heap cap (--max-old-space-size), a watchdog on
// its resident memory (polled from /proc, killed past the limit: typed arrays live outside the V8
// heap) and a time limit; reports what the child printed, its peak RSS and whether it exited by itself.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
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

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
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

function spawnCase(name: string, dir: string, limits: Limits): Promise<CaseResult> {
  const { heapMiB = 256, rssMiB: rssLimit = 1024, timeoutMs = 30_000 } = limits;
  const env = {
    ...process.env, EDGEINFER_NO_NODE_WEBGPU: '1', XDG_CACHE_HOME: join(dir, 'cache'), TMPDIR: join(dir, 'tmp'), EDGEINFER_DEBUG: '',
    HOSTILE_INPUT: limits.input ?? '', ...limits.env,
  };
  const t0 = performance.now();
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMiB}`, '--import', 'tsx', CASES, name, dir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  let killed: CaseResult['killed'];
  let polled = 0;
  const poll = setInterval(() => {
    const r = rssMiB(child.pid!);
    if (r !== undefined) polled = Math.max(polled, r);
    if (r !== undefined && r > rssLimit) { killed = 'memory'; child.kill('SIGKILL'); }
  }, 25);
  const timer = setTimeout(() => { killed ??= 'timeout'; child.kill('SIGKILL'); }, timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const report = lines.find((l) => 'case' in l) ?? {};
      const rss = lines.find((l) => 'maxRssKiB' in l)?.maxRssKiB as number | undefined;
      let files: string[] = [];
      try { if (statSync(dir).isDirectory()) files = listFiles(dir); } catch { /* gone */ }
      resolve({
        ...(report as Partial<CaseResult>),
        case: name,
        maxRssMiB: Math.round(rss !== undefined ? rss / 1024 : polled),
        killed,
        exitCode: code,
        wallMs: Math.round(performance.now() - t0),
        stderr,
        files,
        dir,
      });
    });
  });
}
