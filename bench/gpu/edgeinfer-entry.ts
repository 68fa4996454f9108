// What the GPU bench page needs from edgeinfer, bundled by run.ts with esbuild straight from src/: the
// .eim reader, Session and the WebGPU provider (so the page creates the backend itself and can time it).
export { readEim } from '../../src/format/reader.js';
export { Session } from '../../src/runtime/session.js';
export { webgpuProvider } from '../../src/backends/webgpu/provider.js';
