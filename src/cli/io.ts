// Where the CLI writes and what it knows of its environment, passed in rather than taken from
// `process` so tests can run commands in-process and read what they printed.

export interface OutStream {
  write(text: string): unknown;
  /** True when a person is watching: only then are progress bars drawn. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIO {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: { readonly [name: string]: string | undefined };
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** A failure the CLI itself detects (bad labels file, missing model.json): one line, exit code 1. */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}
