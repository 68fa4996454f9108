// Text that came from a model file, a file name or a caller, made safe to print on a terminal or in a log:
// control characters (C0 including newline and tab, DEL, C1: what escape sequences are made of) and the
// bidirectional overrides and isolates (which reorder what is shown) are written as visible escapes.
// Every EdgeInferError message goes through here, so an app may log our errors as they are.

/** C0, DEL, C1, ALM, LRM/RLM, line/paragraph separators, the bidi embeddings, overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `s` with every unsafe character as \xHH (up to U+00FF) or \uHHHH. */
export function sanitize(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
