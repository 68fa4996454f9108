// Types only (nothing here exists at run time): the platform classes that public signatures name, as the
// app's own types declare them. The published .d.ts are compiled by apps that lack some of these names: a
// Node project without the DOM lib has no HTMLVideoElement or IDBFactory, a worker has no <img>, and WebGPU's
// GPU and GPUDevice exist only where the app installed @webgpu/types (TypeScript's DOM lib has no WebGPU).
// A signature that names such a class directly fails to compile there (skipLibCheck: false), so it names
// GlobalType<'HTMLVideoElement', never> instead: the class where it is declared, the fallback where it is not.
// test/build/types.test.ts compiles a strict Node project and a strict browser project against the .d.ts.

/**
 * The instance type of each global class in `Name` that the compiling program declares (lib.dom's
 * `declare var HTMLVideoElement: { prototype: HTMLVideoElement; ... }`, @webgpu/types' `GPUDevice`), else
 * `Fallback`. E.g. `GlobalType<'GPUDevice'>` is GPUDevice with @webgpu/types and unknown without them;
 * `GlobalType<'HTMLImageElement' | 'ImageBitmap', never>` is HTMLImageElement | ImageBitmap with the DOM lib,
 * ImageBitmap in a worker, never in Node.
 */
export type GlobalType<Name extends string, Fallback = unknown> = Name extends string
  ? typeof globalThis extends { readonly [K in Name]: { readonly prototype: infer T } } ? T : Fallback
  : never;
