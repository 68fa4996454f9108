// Runs one case of cases.ts in a child process under a V8 heap cap (--max-old-space-size), a watchdog on
// its resident memory (/proc, polled: typed arrays and wasm memory live outside the V8 heap) and a time
// limit, and reports what the case printed, its peak RSS and whether the watchdog had to end it.
import { fileURLToPath } from 'node:url';
import { runWatched } from '../helpers/watched-child.js';

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

export async function runChild(name: string, limits: ChildLimits = {}): Promise<ChildResult> {
  const { heapMiB = 512, rssMiB = 1024, timeoutMs = 60_000, args = [] } = limits;
  const run = await runWatched(CASES, [name, ...args], { heapMiB, rssMiB, timeoutMs, env: { ...process.env, EDGEINFER_NO_NODE_WEBGPU: '1' } });
  const line = run.stdout.split('\n').find((l) => l.startsWith('{"case"'));
  const report = line ? JSON.parse(line) as ChildResult & { maxRssKiB: number } : undefined;
  return { ...report, peakMiB: Math.round(report ? report.maxRssKiB / 1024 : run.polledMiB), killed: run.killed, wallMs: run.wallMs, stderr: run.stderr };
}
