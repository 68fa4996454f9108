// The CLI's argument parser: every accepted spelling, and every mistake rejected as a UsageError.
import { describe, expect, it } from 'vitest';
import { parseArgs, stringOption, UsageError, type OptionSpecs } from '../../src/cli/args.js';

const SPECS: OptionSpecs = {
  output: { type: 'string', short: 'o' },
  weights: { type: 'string', choices: ['f32', 'f16', 'int8'] },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

describe('parseArgs', () => {
  it('reads long, inline, short and attached short options around positionals', () => {
    expect(parseArgs(['in.onnx', '--output', 'a.eim', '--weights=f16', '--json'], SPECS))
      .toEqual({ positionals: ['in.onnx'], options: { output: 'a.eim', weights: 'f16', json: true } });
    expect(parseArgs(['-o', 'b.eim', 'x'], SPECS).options.output).toBe('b.eim');
    expect(parseArgs(['-oc.eim'], SPECS).options.output).toBe('c.eim');
    expect(parseArgs(['-h'], SPECS).options.help).toBe(true);
  });

  it('treats everything after -- and a lone - as positionals', () => {
    expect(parseArgs(['--', '--json', '-o'], SPECS).positionals).toEqual(['--json', '-o']);
    expect(parseArgs(['-', '-o', '-'], SPECS)).toEqual({ positionals: ['-'], options: { output: '-' } });
  });

  it('leaves options that were not given absent', () => {
    const a = parseArgs(['m.onnx'], SPECS);
    expect(a.options).toEqual({});
    expect(stringOption(a, 'output')).toBeUndefined();
  });

  it.each([
    [['--bogus'], /unknown option --bogus/],
    [['-x'], /unknown option -x/],
    [['--output'], /--output needs a value/],
    [['--output', '--json'], /--output needs a value/],
    [['--json=1'], /--json takes no value/],
    [['--weights', 'f64'], /--weights must be one of f32\|f16\|int8, got "f64"/],
    [['-o', 'a', '--output', 'b'], /--output given more than once/],
    [['--constructor'], /unknown option --constructor/],
  ])('rejects %j', (argv, message) => {
    let err: unknown;
    try { parseArgs(argv, SPECS, 'convert'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(message);
    expect((err as UsageError).command).toBe('convert');
  });
});
