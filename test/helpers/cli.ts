// Runs the edgeinfer CLI in-process (src/cli/main.ts) with captured stdout/stderr (not a terminal).
import { main } from '../../src/cli/main.js';

export interface CliRun { code: number; out: string; err: string }

export async function runCli(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  let out = '', err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => { out += s; return true; } },
    stderr: { write: (s: string) => { err += s; return true; }, isTTY: false },
    env,
  });
  return { code, out, err };
}
