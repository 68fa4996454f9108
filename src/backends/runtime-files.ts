// The runtime's own files (the wasm builds, the WGSL kernels): where they are, and what to say when one
// cannot be loaded.

/** `file` in the folder `prefix` names (with or without its trailing slash). */
export function inFolder(prefix: string | URL, file: string): string {
  return `${String(prefix).replace(/\/?$/, '/')}${file}`;
}

const warned = new Set<string>();

/** A file that cannot be loaded is a deployment problem the app must hear of: once per URL, with the fix. */
export function warnOnce(url: string, problem: string, fix: string): void {
  if (warned.has(url)) return;
  warned.add(url);
  console.warn(`edgeinfer: ${problem}; ${fix}`);
}
