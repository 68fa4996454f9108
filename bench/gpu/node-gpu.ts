// Node's WebGPU (npm `webgpu`, Dawn) for the GPU bench tools: with no driver configured, Dawn is pointed at
// Chromium's SwiftShader (a CPU Vulkan), so figures taken here are "SwiftShader (CPU emulation)".
export async function nodeGpu(): Promise<GPU> {
  process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  // Imported only now: Dawn reads the environment above when it starts.
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  return create([]);
}
