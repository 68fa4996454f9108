// The WebGPU providers: on a device of the backend's own (navigator.gpu, or the `webgpu` package in
// Node), or on the app's own GPUDevice, shared.
import { BackendUnavailableError } from '../../errors.js';
import type { GlobalType } from '../../globals.js';
import type { BackendOptions, BackendProvider } from '../backend.js';
import { WebGpuBackend } from './backend.js';
import { acquireDevice, requestAdapter, sharedDevice, softwareAdapterReason, softwareInfoReason, unmetLimit } from './device.js';
import { ledgerOf } from './ledger.js';
import { loadShaders } from './shader-table.js';

/**
 * The WebGPU provider for `gpu` (navigator.gpu in a browser; in Node, `create([])` from the `webgpu`
 * package, which the caller imports so that browser bundles never see it).
 */
export function webgpuProvider(gpu: GlobalType<'GPU'> | undefined): BackendProvider {
  return {
    name: 'webgpu',
    priority: 30,
    available: async () => {
      const adapter = await requestAdapter(gpu);
      return typeof adapter === 'string' ? adapter : true;
    },
    // Asked again rather than remembered from available(): requestAdapter is cheap (a few ms) and the
    // provider stays stateless.
    deferReason: async () => {
      const adapter = await requestAdapter(gpu);
      return typeof adapter === 'string' ? undefined : softwareAdapterReason(adapter);
    },
    // The kernels first: where they cannot be had (the browser's asset), no device is requested at all.
    create: async (options?: BackendOptions) => {
      await loadShaders();
      return new WebGpuBackend(await acquireDevice(gpu), options?.precision);
    },
  };
}

/**
 * A WebGPU provider on the app's own GPUDevice (e.g. the one that draws its canvas): every backend it
 * creates shares that device and its compiled pipelines, and dispose() gives back only the backend's own
 * buffers, never the device. Once the device is lost, the provider is unavailable and says why.
 */
export function webgpuDeviceProvider(device: GlobalType<'GPUDevice'>): BackendProvider {
  const unusable = () => ledgerOf(device).lost ?? unmetLimit(device.limits);
  return {
    name: 'webgpu',
    priority: 30,
    available: async () => unusable() ?? true,
    deferReason: async () => softwareInfoReason((device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo),
    create: async (options?: BackendOptions) => {
      const why = unusable();
      if (why) throw new BackendUnavailableError('webgpu', why);
      await loadShaders();
      return new WebGpuBackend(sharedDevice(device), options?.precision);
    },
  };
}
