// The `edgeinfer` command: dispatches to a subcommand and turns every failure into one line on
// stderr with exit code 1 (2 for usage mistakes), its control characters escaped (sanitize.ts: messages
// quote model strings and file names); EDGEINFER_DEBUG=1 adds the stack trace.
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EdgeInferError } from '../errors.js';
import { FileRefusedError } from '../node-file.js';
import { OpError } from '../ops/op.js';
import { UsageError } from './args.js';
import { benchCommand } from './bench.js';
import { calibrateCommand } from './calibrate.js';
import { classifyCommand } from './classify.js';
import { convertCommand } from './convert.js';
import { evalCommand } from './eval.js';
import { explainCommand } from './explain.js';
import { inspectCommand } from './inspect.js';
import { CliError, processIO, type CliIO } from './io.js';
import { sanitize } from './sanitize.js';

const HELP = `Usage: edgeinfer <command> [options]

Commands:
  convert IN -o OUT.eim   convert an ONNX or TF.js layers model to .eim
  inspect FILE.eim        show a model's inputs, outputs, nodes, parameters and MACs
  classify IMAGE|DIR...   top classes of JPEG/PNG images (default model: MobileNetV2, ImageNet)
  bench [--model FILE]    time a model on every backend available here
  eval DATA [LABELS]      accuracy, per-class figures, confusion matrix and calibration on a labelled set
  calibrate M.eim -o OUT  fit temperature scaling on a labelled set (--data) and store it in the model
  explain IMAGE -o H.png  where in the image the evidence for a class lies (heatmap)

Run 'edgeinfer <command> --help' for a command's options.
Set EDGEINFER_DEBUG=1 to see stack traces of errors.
`;

type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

const COMMANDS: { readonly [name: string]: Command } = {
  convert: convertCommand,
  inspect: inspectCommand,
  classify: classifyCommand,
  bench: benchCommand,
  eval: evalCommand,
  calibrate: calibrateCommand,
  explain: explainCommand,
};

/** Runs the CLI; resolves to the process exit code and never throws. */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined) { io.stderr.write(HELP); return 2; }
    if (name === '-h' || name === '--help' || name === 'help') { io.stdout.write(HELP); return 0; }
    if (name === '-v' || name === '--version') { io.stdout.write(`${version()}\n`); return 0; }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) {
      throw new UsageError(name.startsWith('-') ? `unknown option ${name}` : `unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
    }
    return await command(rest, io);
  } catch (e) {
    return report(e, io);
  }
}

function report(e: unknown, io: CliIO): number {
  const debug = io.env.EDGEINFER_DEBUG === '1';
  if (e instanceof UsageError) {
    const help = e.command ? `edgeinfer ${e.command} --help` : 'edgeinfer --help';
    io.stderr.write(`edgeinfer: ${sanitize(oneLine(e.message))} (see ${help})\n`);
    return 2;
  }
  const refused = e instanceof FileRefusedError;
  const known = e instanceof EdgeInferError || e instanceof CliError || e instanceof OpError || refused || isFsError(e);
  const message = refused ? `${e.path}: ${e.message}` : isFsError(e) ? fsMessage(e) : e instanceof Error ? e.message : String(e);
  const hint = known || debug ? '' : ' (set EDGEINFER_DEBUG=1 for the stack trace)';
  io.stderr.write(`edgeinfer: ${known ? '' : 'internal error: '}${sanitize(oneLine(message))}${hint}\n`);
  if (debug) io.stderr.write(`${stackOf(e).split('\n').map(sanitize).join('\n')}\n`);
  return 1;
}

function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string'
    && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

const ERRNO_TEXT: { readonly [code: string]: string } = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EMFILE: 'too many open files',
};

function fsMessage(e: NodeJS.ErrnoException): string {
  const what = ERRNO_TEXT[e.code!] ?? e.code!;
  return e.path !== undefined ? `${e.path}: ${what}` : `${e.syscall}: ${what}`;
}

/** Messages can embed newlines (protobuf decoder errors do); the contract is one line. */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

function stackOf(e: unknown): string {
  let s = e instanceof Error ? (e.stack ?? e.message) : String(e);
  let cause = e instanceof Error ? e.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    s += `\ncaused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return s;
}

/** src/cli/main.ts and the bundled dist/cli/main.js are both two levels below package.json. */
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function isEntryModule(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

// Run when executed directly (`tsx src/cli/main.ts`, `node dist/cli/main.js`); bin/edgeinfer.js imports and calls main().
if (isEntryModule()) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    // `edgeinfer inspect m.eim | head` closes the pipe early: not an error worth a stack trace.
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  process.exitCode = await main(process.argv.slice(2));
}
