#!/usr/bin/env node
// Embeds kernels/<stem>.wgsl into src/backends/webgpu/shaders.gen.ts (or --kernels DIR --out FILE), after emitting
// kernels/lib/codes.gen.wgsl from src/ops/codes.ts (scripts/codes.mjs): resolves `// #include "lib/x.wgsl"`
// (each lib once per shader, cycles rejected) and records each shader's @group(0) bindings, so bind group
// layouts come from the shader text itself. Run from anywhere; writes only when the output changes.
// shaderTable() is also what rollup.config.mjs ships to browsers as edgeinfer-kernels.json.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodesError, emitCodes } from './codes.mjs';
import { HalfError, halfStorage, stripComments } from './wgsl-half.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_KERNELS = join(ROOT, 'kernels');
const DEFAULT_OUT = join(ROOT, 'src/backends/webgpu/shaders.gen.ts');
// Set per run by embedWgsl(); module-level so the helpers below can name files relative to it.
let KERNELS = DEFAULT_KERNELS;
const INCLUDE = /^[ \t]*\/\/[ \t]*#include[ \t]+"([^"]+)"[ \t]*$/;
const BINDING = /@group\((\d+)\)\s*@binding\((\d+)\)\s*var(?:<\s*([a-z_]+)\s*(?:,\s*([a-z_]+)\s*)?>)?\s+(\w+)/g;

class EmbedError extends Error {}

/** Inlines includes depth-first; `seen` makes a lib included twice (diamond) appear once; `stack` catches cycles. */
function expand(file, stack, seen) {
  if (!existsSync(file)) throw new EmbedError(`${stack.at(-1)?.slice(KERNELS.length + 1) ?? '?'}: included file ${file.slice(KERNELS.length + 1)} does not exist`);
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const out = [];
  lines.forEach((line, i) => {
    const m = INCLUDE.exec(line);
    if (!m) { out.push(line); return; }
    const target = resolve(KERNELS, m[1]);
    if (!target.startsWith(KERNELS + '/')) throw new EmbedError(`${file}:${i + 1}: include "${m[1]}" escapes kernels/`);
    const chain = [...stack, file];
    if (chain.includes(target)) throw new EmbedError(`include cycle: ${[...chain, target].map((f) => f.slice(KERNELS.length + 1)).join(' -> ')}`);
    if (seen.has(target)) return;
    seen.add(target);
    out.push(`// ---- ${m[1]} ----`, expand(target, [...stack, file], seen), `// ---- end ${m[1]} ----`);
  });
  return out.join('\n');
}

/**
 * Drops the module-scope `const NAME: u32 = Nu;` lines (lib/codes.gen.wgsl's code tables) that nothing else in
 * the shader names, so a shader carries only the codes it switches on.
 */
function pruneCodes(code) {
  const uses = (name) => stripComments(code).match(new RegExp(`\\b${name}\\b`, 'g'))?.length ?? 0;
  return code.replace(/^const (\w+): u32 = \d+u;\n/gm, (line, name) => (uses(name) > 1 ? line : ''));
}

/**
 * What ships in the bundle: the shader without comments and without the whitespace no token needs. A
 * space stays only between two word
 * characters, or between two symbols so that no two tokens merge (`- -`, `> >`). Bindings are read
 * from the full text first.
 */
function compact(code) {
  return stripComments(code)
    .trim()
    .replace(/\s+/g, (space, at, text) => {
      const before = text[at - 1], after = text[at + space.length];
      const word = (c) => /\w/.test(c);
      return word(before) === word(after) ? ' ' : '';
    });
}

/** Short names for renamed identifiers: a..z, A..Z, then a0..Z9 (none is a WGSL keyword or reserved word). */
function* shortNames() {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  yield* letters;
  for (const l of letters) for (let d = 0; d < 10; d++) yield `${l}${d}`;
}

const SWIZZLE = /^([xyzw]{1,4}|[rgba]{1,4})$/;

/**
 * One mapping for all shaders, so a lib included in many stays the same text and gzip still folds it.
 * Renames what the shaders themselves declare (functions, structs and their members, let/var/const, function
 * parameters) to short names, most used first. Kept: `main`, overrides (the host sets them by name),
 * members that look like swizzles, and everything the shader does not declare (builtins, types,
 * attributes). A member is renamed only after a `.`; a `.name` that is no member (a swizzle) is left.
 * Bindings are read before this, so their names need not survive.
 */
function renameIdentifiers(codes) {
  const code = codes.join('\n');
  const keep = new Set(['main', ...[...code.matchAll(/\boverride\s+(\w+)/g)].map((m) => m[1])]);
  const declared = new Set();
  const members = new Set();
  for (const m of code.matchAll(/\b(?:let|const|fn|struct)\s+(\w+)/g)) declared.add(m[1]);
  for (const m of code.matchAll(/\bvar(?:<[^>]*>)?\s*(\w+)/g)) declared.add(m[1]);
  for (const m of code.matchAll(/\bfn\s+\w+\s*\(([^)]*(?:\([^)]*\)[^)]*)*)\)/g)) {
    for (const p of m[1].matchAll(/(\w+)\s*:/g)) declared.add(p[1]);
  }
  for (const m of code.matchAll(/\bstruct\s+\w+\s*\{([^}]*)\}/g)) {
    for (const f of m[1].matchAll(/(\w+)\s*:/g)) if (!SWIZZLE.test(f[1])) members.add(f[1]);
  }
  const counts = new Map();
  for (const m of code.matchAll(/\w+/g)) {
    const name = m[0];
    if ((declared.has(name) || members.has(name)) && !keep.has(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  // A short name is never a token the shader already has, so it cannot clash with a kept name.
  const used = new Set(code.match(/\w+/g));
  const fresh = shortNames();
  const map = new Map();
  for (const [name] of [...counts].sort((a, b) => b[1] - a[1])) {
    let short;
    do short = fresh.next().value; while (short !== undefined && used.has(short));
    if (short === undefined) break;
    if (short.length < name.length) map.set(name, short);
  }
  return codes.map((c) => c.replace(/(\.?)\b([A-Za-z_]\w*)/g, (whole, dot, name) => {
    const short = map.get(name);
    if (short === undefined) return whole;
    if (dot) return members.has(name) ? `.${short}` : whole;
    return short;
  }));
}

/** Binding kinds in binding order; the uniform (if any) must come last so hosts can append it. */
function bindings(stem, code) {
  const found = [];
  for (const m of code.matchAll(BINDING)) {
    const [, group, binding, space, access, name] = m;
    if (group !== '0') throw new EmbedError(`${stem}.wgsl: binding ${name} is in group ${group}; only group 0 is used`);
    let kind;
    if (space === 'uniform') kind = 'uniform';
    else if (space === 'storage') kind = access === 'read_write' ? 'read_write' : 'read';
    else throw new EmbedError(`${stem}.wgsl: binding ${name} has address space ${space ?? 'none'}; expected storage or uniform`);
    found.push({ index: Number(binding), kind, name });
  }
  found.sort((a, b) => a.index - b.index);
  found.forEach((b, i) => {
    if (b.index !== i) throw new EmbedError(`${stem}.wgsl: bindings must be numbered 0..n-1 without gaps, found @binding(${b.index}) at position ${i}`);
  });
  const u = found.findIndex((b) => b.kind === 'uniform');
  if (u !== -1 && u !== found.length - 1) throw new EmbedError(`${stem}.wgsl: the uniform binding must be the last one`);
  if (found.filter((b) => b.kind === 'uniform').length > 1) throw new EmbedError(`${stem}.wgsl: at most one uniform binding`);
  return found.map((b) => b.kind);
}

/**
 * Every kernel as it ships, {stem: {bindings, code}}: what shaders.gen.ts embeds and, for the browser
 * bundle, what rollup.config.mjs writes to edgeinfer-kernels.json, so both carry the same text.
 */
export function shaderTable({ kernels = DEFAULT_KERNELS } = {}) {
  // kernels/lib/codes.gen.wgsl (the code tables of src/ops/codes.ts) first: the shaders include it.
  emitCodes({ assembly: false });
  KERNELS = resolve(kernels);
  const stems = readdirSync(KERNELS).filter((f) => f.endsWith('.wgsl')).sort().map((f) => f.slice(0, -5));
  const sources = stems.map((stem) => {
    if (!/^[a-z][a-z0-9_]*$/.test(stem)) throw new EmbedError(`kernels/${stem}.wgsl: stems are lower_snake_case`);
    const file = join(KERNELS, `${stem}.wgsl`);
    const code = pruneCodes(expand(file, [], new Set()));
    if (!/@compute[\s\S]*?fn\s+main\s*\(/.test(code)) throw new EmbedError(`kernels/${stem}.wgsl: no @compute entry point named main`);
    const half = halfStorage(stem, code);
    return { stem, kinds: bindings(stem, code), code: compact(code), full: code, half: compact(half), halfFull: half };
  });
  // EDGEINFER_WGSL_READABLE=1 ships the sources as written, for reading compiler messages.
  const readable = Boolean(process.env.EDGEINFER_WGSL_READABLE);
  const shipped = readable ? sources.flatMap((x) => [x.full, x.halfFull])
    : renameIdentifiers(sources.flatMap((x) => [x.code, x.half]));
  return Object.fromEntries(sources.map(({ stem, kinds }, i) =>
    [stem, { bindings: kinds, code: `${shipped[2 * i]}\n`, half: `${shipped[2 * i + 1]}\n` }]));
}

/** Options exist for tests of the script itself; the build uses the defaults. */
export function embedWgsl({ kernels = DEFAULT_KERNELS, out = DEFAULT_OUT } = {}) {
  const OUT = resolve(out);
  const table = shaderTable({ kernels });
  const stems = Object.keys(table);
  const entries = stems.map((stem) =>
    `  ${stem}: {\n    bindings: ${JSON.stringify(table[stem].bindings)},\n    code: ${JSON.stringify(table[stem].code)},\n`
    + `    half: ${JSON.stringify(table[stem].half)},\n  },`);
  const text = [
    '// generated by scripts/embed-wgsl.mjs — do not edit. Source: kernels/*.wgsl.',
    "export type BindingKind = 'read' | 'read_write' | 'uniform';",
    '/** `code`: f32 tensors; `half`: the same kernel on f16 tensors, two per 32-bit word (scripts/wgsl-half.mjs). */',
    'export interface ShaderSource { readonly bindings: readonly BindingKind[]; readonly code: string; readonly half: string }',
    '',
    'export const SHADERS = {',
    ...entries,
    '} as const satisfies Record<string, ShaderSource>;',
    '',
    'export type ShaderStem = keyof typeof SHADERS;',
    '',
  ].join('\n');
  const old = existsSync(OUT) ? readFileSync(OUT, 'utf8') : undefined;
  if (old === text) return { written: false, stems };
  mkdirSync(dirname(OUT), { recursive: true });
  // Test workers may run this at once: write a private temp file and rename it, which is atomic.
  const tmp = `${OUT}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, OUT);
  return { written: true, stems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
  try {
    const out = arg('--out') ?? DEFAULT_OUT;
    const { written, stems } = embedWgsl({ kernels: arg('--kernels') ?? DEFAULT_KERNELS, out });
    if (!process.argv.includes('--quiet')) console.log(`embed-wgsl: ${stems.length} shaders${written ? '' : ' (unchanged)'} -> ${out}`);
  } catch (e) {
    if (!(e instanceof EmbedError) && !(e instanceof HalfError) && !(e instanceof CodesError)) throw e;
    console.error(`embed-wgsl: ${e.message}`);
    process.exit(1);
  }
}
