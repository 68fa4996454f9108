// Runs one case of cases.ts in a child process under a V8 heap cap (--max-old-space-size), a watchdog on
// its resident memory (/proc, polled: typed arrays and wasm memory live outside the V8 heap) and a time
// limit, and reports what the case printed, its peak RSS and whether the watchdog had to end it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CASES = fileURLToPath(new URL('./cases.ts', import.meta.url));

export interface ChildResult {
  /** What the case returned, or the error it threw (name, code, message and the typed fields). */
  outcome?: 'ok' | 'error';
  result?: Record<string, unknown>;
  error?: { name: string; code?: string; message: string; needed?: number; limit?: number };
  /** The case's own time, ms. */
  ms?: number;
  /** Peak resident memory, MiB: the child's maxRSS, or the last poll when it was killed. */
  peakMiB: number;
  killed?: 'memory' | 'timeout';
  /** From spawn to exit, ms. */
  wallMs: number;
  stderr: string;
}

export interface ChildLimits {
  heapMiB?: number;
  rssMiB?: number;
  timeoutMs?: number;
  args?: readonly string[];
}

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function runChild(name: string, limits: ChildLimits = {}): Promise<ChildResult> {
  const { heapMiB = 512, rssMiB: cap = 1024, timeoutMs = 60_000, args = [] } = limits;
  const env = { ...process.env, EDGEINFER_NO_NODE_WEBGPU: '1' };
  const t0 = performance.now();
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMiB}`, '--import', 'tsx', CASES, name, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  let killed: ChildResult['killed'];
  let polled = 0;
  const poll = setInterval(() => {
    const r = rssMiB(child.pid!);
    if (r === undefined) return;
    polled = Math.max(polled, r);
    if (r > cap) { killed = 'memory'; child.kill('SIGKILL'); }
  }, 20);
  const timer = setTimeout(() => { killed ??= 'timeout'; child.kill('SIGKILL'); }, timeoutMs);
  return new Promise((resolve) => {
    child.on('close', () => {
      clearInterval(poll);
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('{"case"'));
      const report = line ? JSON.parse(line) as ChildResult & { maxRssKiB: number } : undefined;
      resolve({ ...report, peakMiB: Math.round(report ? report.maxRssKiB / 1024 : polled), killed, wallMs: Math.round(performance.now() - t0), stderr });
    });
  });
}
