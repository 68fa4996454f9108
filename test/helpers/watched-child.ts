// A child Node process under a V8 heap cap (--max-old-space-size), a watchdog on its resident memory
// (polled from /proc: typed arrays and wasm memory live outside the V8 heap) and a time limit: what the
// hostile-input and resource-limit suites run each case in.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface WatchLimits {
  heapMiB: number;
  rssMiB: number;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

export interface WatchedRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Highest resident memory the watchdog saw, MiB. */
  polledMiB: number;
  /** Why the watchdog ended it; undefined when it exited by itself. */
  killed?: 'memory' | 'timeout';
  /** From spawn to exit. */
  wallMs: number;
}

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `script` (TypeScript, through tsx) with `args` from the repository root under `limits`. */
export function runWatched(script: string, args: readonly string[], limits: WatchLimits): Promise<WatchedRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [`--max-old-space-size=${limits.heapMiB}`, '--import', 'tsx', script, ...args], {
    cwd: ROOT, env: limits.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  let killed: WatchedRun['killed'];
  let polledMiB = 0;
  const poll = setInterval(() => {
    const r = rssMiB(child.pid!);
    if (r === undefined) return;
    polledMiB = Math.max(polledMiB, r);
    if (r > limits.rssMiB) { killed = 'memory'; child.kill('SIGKILL'); }
  }, 20);
  const timer = setTimeout(() => { killed ??= 'timeout'; child.kill('SIGKILL'); }, limits.timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (exitCode) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr, polledMiB, killed, wallMs: Math.round(performance.now() - t0) });
    });
  });
}
