// Runs once before all test files: builds what the tests load (the wasm kernels), so no test
// file depends on another having built it first. Builds are cached by source hash.
export default async function setup(): Promise<void> {
  const script = new URL('../../scripts/build-wasm.mjs', import.meta.url).href;
  const { buildWasm } = (await import(script)) as { buildWasm(): Promise<unknown> };
  await buildWasm();
}
