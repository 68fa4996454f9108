// Runs once before all test files: builds what the tests load (the wasm kernels, the embedded
// WGSL), so no test file depends on another having built it first. The wasm build is cached by
// source hash.
export default async function setup(): Promise<void> {
  const wasm = new URL('../../scripts/build-wasm.mjs', import.meta.url).href;
  const { buildWasm } = (await import(wasm)) as { buildWasm(): Promise<unknown> };
  await buildWasm();
  const wgsl = new URL('../../scripts/embed-wgsl.mjs', import.meta.url).href;
  const { embedWgsl } = (await import(wgsl)) as { embedWgsl(): unknown };
  await embedWgsl();
}
