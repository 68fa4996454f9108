// The f16-storage variant of a kernel: every f32 tensor binding holds IEEE half floats, two per 32-bit
// word, read and written through the core pack2x16float / unpack2x16float builtins, so it runs on any
// adapter (no `shader-f16` needed) while the math stays f32. Halves what weights and activations take
// in GPU memory and in bandwidth. The transform is mechanical, on the kernel as written:
//   array<f32>  read        -> array<u32>          x[i]      -> ld_x(u32(i))
//   array<f32>  read_write  -> array<atomic<u32>>  y[i] = v; -> st_y(u32(i), v);  (the two halves of a
//                                                  word may belong to two invocations: atomic and/or)
//   array<vec4f>            -> array<vec2u>        one vec4 = two whole words: plain loads and stores
// Stores saturate at ±65504, as uploads do (pack2x16float is undefined past the f16 range).
// A binding whose declaration line says `stays f32` (host-owned buffers: a lookup table, the read-back
// of top-k) is left alone. Anything else the transform cannot express (`+=` on a binding, a component
// store y[i][j] = v, taking an address, another array type holding f32) is an error here rather than a
// wrong shader.

export class HalfError extends Error {}

/** WGSL without its comments (it has no string literals, so `//` always starts one). */
export function stripComments(code) {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

const DECL = /@group\(\d+\)\s*@binding\(\d+\)\s*var<\s*storage\s*(?:,\s*(read|read_write)\s*)?>\s*(\w+)\s*:\s*array<\s*(f32|vec4f)\s*>\s*;([^\n]*)/g;

/** The tensor bindings of `code` (comments still in): name, access, element type. */
function halfBindings(stem, code) {
  const found = [];
  for (const m of code.matchAll(DECL)) {
    const [, access = 'read', name, element, rest] = m;
    if (/\bstays f32\b/.test(rest)) continue;
    found.push({ name, writable: access === 'read_write', vec4: element === 'vec4f' });
  }
  const ANY = /@group\(\d+\)\s*@binding\(\d+\)\s*var<\s*storage[^>]*>\s*(\w+)\s*:\s*([^;]*);([^\n]*)/g;
  for (const [, name, type, rest] of code.matchAll(ANY)) {
    if (/\b(?:f32|vec[234]f)\b/.test(type) && !found.some((b) => b.name === name) && !/\bstays f32\b/.test(rest)) {
      throw new HalfError(`${stem}.wgsl: storage binding ${name}: ${type} holds f32 the transform cannot rewrite; use array<f32> or array<vec4f>, or say 'stays f32'`);
    }
  }
  for (const b of found) {
    if (new RegExp(`(?<!&)&\\s*${b.name}\\b(?!\\s*\\[)`).test(code)) throw new HalfError(`${stem}.wgsl: a pointer to the whole of ${b.name} (arrayLength?) would see words, not elements`);
    if (new RegExp(`\\b(?:ld|st)_${b.name}\\b`).test(code)) throw new HalfError(`${stem}.wgsl: ld_${b.name}/st_${b.name} already exist`);
  }
  return found;
}

/** Index of the bracket closing the one at `open`. */
function closing(code, open, stem) {
  const pairs = { '[': ']', '(': ')' };
  const stack = [];
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (c in pairs) stack.push(pairs[c]);
    else if (c === ']' || c === ')') {
      if (stack.pop() !== c) break;
      if (!stack.length) return i;
    }
  }
  throw new HalfError(`${stem}.wgsl: unbalanced brackets after offset ${open}`);
}

/** Index of the `;` ending the statement that goes on at `from` (brackets balanced). */
function statementEnd(code, from, stem) {
  let depth = 0;
  for (let i = from; i < code.length; i++) {
    const c = code[i];
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === ';' && depth === 0) return i;
  }
  throw new HalfError(`${stem}.wgsl: a store at offset ${from} has no ';'`);
}

/** Rewrites every access to the bindings in `names` (indices and stored values first, recursively). */
function rewriteAccesses(code, names, stem) {
  if (!names.length) return code;
  const access = new RegExp(`(?<![\\w.])(${names.join('|')})\\s*\\[`, 'g');
  let out = '';
  let at = 0;
  for (let m = access.exec(code); m; m = access.exec(code)) {
    const name = m[1];
    const open = m.index + m[0].length - 1;
    const close = closing(code, open, stem);
    const index = rewriteAccesses(code.slice(open + 1, close), names, stem);
    const after = code.slice(close + 1);
    out += code.slice(at, m.index);
    if (/^\s*[-+*/%&|^]=/.test(after)) throw new HalfError(`${stem}.wgsl: compound assignment to ${name}[...]; write ${name}[i] = ${name}[i] op v`);
    if (/^\s*\[[^\]]*\]\s*=(?!=)/.test(after)) throw new HalfError(`${stem}.wgsl: component store into ${name}[...][...]`);
    if (/&\s*$/.test(code.slice(0, m.index))) throw new HalfError(`${stem}.wgsl: the address of ${name}[...] is taken`);
    const store = /^\s*=(?!=)/.exec(after);
    if (store) {
      const from = close + 1 + store[0].length;
      const end = statementEnd(code, from, stem);
      out += `st_${name}(u32(${index}), ${rewriteAccesses(code.slice(from, end), names, stem).trim()})`;
      at = end;
    } else {
      out += `ld_${name}(u32(${index}))`;
      at = close + 1;
    }
    access.lastIndex = at;
  }
  return out + code.slice(at);
}

function accessors({ name, writable, vec4 }) {
  if (vec4) {
    const ld = `fn ld_${name}(i: u32) -> vec4f { let q = ${name}[i]; return vec4f(unpack2x16float(q.x), unpack2x16float(q.y)); }`;
    return writable ? [ld, `fn st_${name}(i: u32, v: vec4f) { ${name}[i] = vec2u(pack2x16float(clamp(v.xy, vec2f(-65504.0), vec2f(65504.0))), pack2x16float(clamp(v.zw, vec2f(-65504.0), vec2f(65504.0)))); }`] : [ld];
  }
  if (!writable) return [`fn ld_${name}(i: u32) -> f32 { return unpack2x16float(${name}[i >> 1u])[i & 1u]; }`];
  return [
    `fn ld_${name}(i: u32) -> f32 { return unpack2x16float(atomicLoad(&${name}[i >> 1u]))[i & 1u]; }`,
    `fn st_${name}(i: u32, v: f32) { let s = (i & 1u) * 16u; atomicAnd(&${name}[i >> 1u], ~(0xffffu << s)); `
      + `atomicOr(&${name}[i >> 1u], (pack2x16float(vec2f(clamp(v, -65504.0, 65504.0), 0.0)) & 0xffffu) << s); }`,
  ];
}

/** A function that declares a local or parameter named like a binding must not index it: the rewrite would take it for the binding. */
function checkShadowing(code, names, stem) {
  // Braces as parentheses, so closing() finds where a function body ends.
  const braces = code.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')'));
  for (const fn of code.matchAll(/\bfn\s+(\w+)\s*\(/g)) {
    const params = closing(code, fn.index + fn[0].length - 1, stem);
    const open = code.indexOf('{', params);
    const body = code.slice(fn.index, closing(braces, open, stem) + 1);
    for (const name of names) {
      const declares = new RegExp(`(?:\\b(?:let|var|const)\\s+${name}\\b|[(,]\\s*${name}\\s*:)`).test(body);
      if (declares && new RegExp(`(?<![\\w.])${name}\\s*\\[`).test(body)) {
        throw new HalfError(`${stem}.wgsl: fn ${fn[1]} indexes a local named like the binding ${name}; rename it`);
      }
    }
  }
}

/** `code`: the kernel with includes expanded and comments still in (they carry `stays f32`). */
export function halfStorage(stem, code) {
  const bindings = halfBindings(stem, code);
  const plain = stripComments(code);
  const byName = new Map(bindings.map((b) => [b.name, b]));
  // Declarations first (their `name:` is not followed by `[`, so the access rewrite never sees them).
  const declared = plain.replace(DECL, (whole, access, name, element) => {
    const b = byName.get(name);
    if (!b) return whole;
    const type = b.vec4 ? 'vec2u' : b.writable ? 'atomic<u32>' : 'u32';
    return whole.replace(new RegExp(`array<\\s*${element}\\s*>`), `array<${type}>`);
  });
  checkShadowing(declared, bindings.map((b) => b.name), stem);
  const body = rewriteAccesses(declared, bindings.map((b) => b.name), stem);
  const used = bindings.flatMap(accessors).filter((fn) => body.includes(`${/^fn (\w+)/.exec(fn)[1]}(`));
  return [body.trimEnd(), ...used].join('\n');
}
