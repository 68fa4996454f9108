// The CLI prints model-controlled text through these: `sanitize` (shared with the error classes) for
// plain text, `safeJson` for --json output.
export { sanitize } from '../sanitize.js';

/** What JSON.stringify leaves unescaped of the characters that sanitize escapes. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON.stringify whose output is safe on a terminal and still the same JSON (unsafe characters as \uHHHH). */
export function safeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
