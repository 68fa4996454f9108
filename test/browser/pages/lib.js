// Shared by the test pages (plain ES modules, served as is): fetch helpers, timing, comparisons.
// Pages publish their functions on globalThis.pageApi; the tests call them through page.evaluate.

export async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function fetchF32(url) {
  const b = await fetchBytes(url);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Errors cross page.evaluate as plain data, keeping the SDK's typed error name (and an InputError's details). */
export function errorData(e) {
  const data = { name: e?.name ?? typeof e, message: String(e?.message ?? e) };
  if (e?.expected !== undefined) data.expected = e.expected;
  if (e?.received !== undefined) data.received = e.received;
  return data;
}

/** Which edgeinfer kernel build(s) the page (or worker) fetched, from the resource timing entries. */
export function wasmBuildsFetched() {
  return performance.getEntriesByType('resource').map((r) => r.name.match(/edgeinfer-([\w-]+)\.wasm$/)?.[1]).filter(Boolean);
}

export function publish(api) {
  globalThis.pageApi = api;
}
