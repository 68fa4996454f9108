// Text that came from a model file, a file name or an error message, made safe to print on a terminal:
// control characters (C0 including newline and tab, DEL, C1: what escape sequences are made of) and the
// bidirectional overrides and isolates (which reorder what is shown) are written as visible escapes.
// Our own line breaks and the progress bar's sequences are never passed through here.

/** C0, DEL, C1, ALM, LRM/RLM, line/paragraph separators, the bidi embeddings, overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves unescaped of the above. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function hex(c: string, digits: number): string {
  return c.charCodeAt(0).toString(16).padStart(digits, '0');
}

/** `s` with every unsafe character as \xHH (up to U+00FF) or \uHHHH. */
export function sanitize(s: string): string {
  return s.replace(UNSAFE, (c) => (c.charCodeAt(0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));
}

/** JSON.stringify whose output is safe on a terminal and still the same JSON (unsafe characters as \uHHHH). */
export function safeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(UNSAFE_IN_JSON, (c) => `\\u${hex(c, 4)}`);
}
