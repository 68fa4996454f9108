// A small command-line parser: `--name value`, `--name=value`, `-o value`, boolean flags, `--`
// ending options. Anything it does not recognise is a UsageError (exit code 2), never ignored.

/** A mistake in how the command was called: reported with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  /** The subcommand whose help to point at; undefined for the top level. */
  readonly command?: string;
  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** For string options: the accepted values, checked here so commands get a valid one. */
  readonly choices?: readonly string[];
}

export type OptionSpecs = { readonly [name: string]: OptionSpec };

export interface ParsedArgs {
  readonly positionals: string[];
  /** string options: their value; boolean options: true when given. Absent when not given. */
  readonly options: { [name: string]: string | boolean | undefined };
}

export function parseArgs(argv: readonly string[], specs: OptionSpecs, command?: string): ParsedArgs {
  const positionals: string[] = [];
  const options: ParsedArgs['options'] = {};
  const byShort = new Map<string, string>();
  for (const [name, s] of Object.entries(specs)) if (s.short) byShort.set(s.short, name);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    // A lone '-' conventionally names stdin/stdout: treat it as a positional.
    if (!arg.startsWith('-') || arg === '-') { positionals.push(arg); continue; }

    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      // Short options: `-o FILE`, `-oFILE`; bundling of several flags is not needed by any command.
      const mapped = byShort.get(arg[1]);
      if (mapped === undefined) throw new UsageError(`unknown option ${arg.slice(0, 2)}`, command);
      name = mapped;
      inline = arg.length > 2 ? arg.slice(2) : undefined;
    }
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) throw new UsageError(`unknown option --${name}`, command);
    if (options[name] !== undefined) throw new UsageError(`option --${name} given more than once`, command);

    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`option --${name} takes no value`, command);
      options[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) {
        throw new UsageError(`option --${name} needs a value`, command);
      }
      value = next;
      i++;
    }
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`option --${name} must be one of ${spec.choices.join('|')}, got "${value}"`, command);
    }
    options[name] = value;
  }
  return { positionals, options };
}

/** Reads a string option that parseArgs already validated. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  return typeof v === 'string' ? v : undefined;
}

const UNITS: { readonly [unit: string]: number } = { '': 1, b: 1, k: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gib: 2 ** 30 };

/** A size option: bytes, or a whole number of K/KiB, M/MiB, G/GiB (powers of 1024), e.g. 2G. */
export function byteSizeOption(args: ParsedArgs, name: string, command?: string): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!(Number.isSafeInteger(n) && n > 0)) {
    throw new UsageError(`option --${name} must be a size in bytes, or with K, M or G (1024-based), e.g. 2G; got "${text}"`, command);
  }
  return n;
}
