// A runtime file (a wasm build, the WGSL kernels) that cannot be loaded is a deployment problem the app
// must hear of: once per URL, with the fix, not at every load.
const warned = new Set<string>();

export function warnOnce(url: string, problem: string, fix: string): void {
  if (warned.has(url)) return;
  warned.add(url);
  console.warn(`edgeinfer: ${problem}; ${fix}`);
}
