// Adapter and device acquisition from a GPU object the caller passes in (navigator.gpu in browsers,
// `create([])` from the `webgpu` package in Node: this module never imports it), and the limit checks
// every allocation and dispatch goes through, so an oversized model fails with a typed error, not a GPU fault.
import { BackendUnavailableError } from '../../errors.js';

/** A model needs more than this adapter allows; `limit` is the GPUSupportedLimits field. */
export class GpuLimitError extends BackendUnavailableError {
  readonly limit: string;
  readonly needed: number;
  readonly allowed: number;
  constructor(limit: string, needed: number, allowed: number, what: string) {
    super('webgpu', `${what} needs ${limit} >= ${needed}, the adapter allows ${allowed}`);
    this.limit = limit;
    this.needed = needed;
    this.allowed = allowed;
  }
}

/** The limits the kernels rely on; WebGPU's defaults meet them, so they only fail on odd adapters. */
const REQUIRED = {
  maxComputeInvocationsPerWorkgroup: 64,
  maxComputeWorkgroupSizeX: 64,
  maxComputeWorkgroupSizeY: 8,
  maxComputeWorkgroupStorageSize: 4096,
  maxStorageBuffersPerShaderStage: 7,
} as const;

/** Raised to the adapter's own maxima: the defaults (128 MiB bindings) are too small for large models. */
const RAISED = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension'] as const;

export interface GpuDevice {
  readonly device: GPUDevice;
  /** Held so that Node bindings never collect the instance or adapter under a live device. */
  readonly owners: readonly unknown[];
  readonly limits: GPUSupportedLimits;
  /** e.g. "swiftshader", or the vendor/architecture of a hardware adapter. */
  readonly description: string;
  /** A CPU rasterizer or fallback adapter (softwareAdapterReason). */
  readonly software: boolean;
  /**
   * true: the backend requested this device and destroys it on dispose. false: the app's device, shared
   * (with the app and other backends): dispose gives back only the backend's own buffers.
   */
  readonly owned: boolean;
}

export function adapterDescription(adapter: GPUAdapter): string {
  return infoDescription(adapter.info);
}

function infoDescription(info: GPUAdapterInfo | undefined): string {
  return [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => s).join(' ') || 'unknown adapter';
}

/** An app's own GPUDevice, for backends that share it (see webgpuDeviceProvider). */
export function sharedDevice(device: GPUDevice): GpuDevice {
  // adapterInfo is on GPUDevice since 2024; older implementations lack it.
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return { device, owners: [], limits: device.limits, description: `${infoDescription(info)} (shared device)`, software: !!softwareInfoReason(info), owned: false };
}

/** Adapter descriptions of CPU rasterizers: Dawn's SwiftShader, Mesa's llvmpipe/lavapipe/softpipe, Windows WARP. */
const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|basic render driver|\bwarp\b/i;

/**
 * Why `auto` should rank this adapter behind the CPU backends, or undefined: a fallback or software
 * adapter runs WGSL on the CPU, far slower than the wasm kernels (mnist-8 in Chromium on SwiftShader:
 * 42 ms a run, against 0.2 ms on wasm).
 */
export function softwareAdapterReason(adapter: GPUAdapter): string | undefined {
  // Older implementations keep the flag on the adapter itself rather than in its info.
  return softwareInfoReason(adapter.info, (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
}

/** softwareAdapterReason from the adapter's info alone (a shared GPUDevice has only its adapterInfo). */
export function softwareInfoReason(adapterInfo: GPUAdapterInfo | undefined, legacyFallback?: boolean): string | undefined {
  const info = adapterInfo as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
  const fallback = info?.isFallbackAdapter ?? legacyFallback ?? false;
  const named = [info?.architecture, info?.device, info?.description, info?.vendor].find((s) => s && SOFTWARE_NAMES.test(s));
  if (!fallback && named === undefined) return undefined;
  const what = named?.match(SOFTWARE_NAMES)?.[0].toLowerCase() || info?.architecture || 'fallback adapter';
  return `software adapter (${what}): the CPU backends are faster`;
}

/** Why this GPU cannot serve us, or undefined when it can. Cheap: no device is created. */
export function unmetLimit(limits: GPUSupportedLimits): string | undefined {
  for (const [name, min] of Object.entries(REQUIRED)) {
    const have = limits[name as keyof typeof REQUIRED];
    if (have < min) return `${name} is ${have}, kernels need ${min}`;
  }
  return undefined;
}

export async function requestAdapter(gpu: GPU | undefined): Promise<GPUAdapter | string> {
  if (!gpu) return 'no WebGPU here (navigator.gpu is missing)';
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return `requestAdapter failed: ${(e as Error).message}`;
  }
  if (!adapter) return 'no WebGPU adapter found';
  return unmetLimit(adapter.limits) ?? adapter;
}

export async function acquireDevice(gpu: GPU | undefined): Promise<GpuDevice> {
  const adapter = await requestAdapter(gpu);
  if (typeof adapter === 'string') throw new BackendUnavailableError('webgpu', adapter);
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED) requiredLimits[name] = adapter.limits[name];
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    throw new BackendUnavailableError('webgpu', `requestDevice failed: ${(e as Error).message}`);
  }
  return { device, owners: [gpu, adapter], limits: device.limits, description: adapterDescription(adapter), software: !!softwareAdapterReason(adapter), owned: true };
}

/** Throws GpuLimitError unless a storage buffer of `bytes` can be created and bound whole. */
export function checkBufferSize(limits: GPUSupportedLimits, bytes: number, what: string): void {
  if (bytes > limits.maxStorageBufferBindingSize) throw new GpuLimitError('maxStorageBufferBindingSize', bytes, limits.maxStorageBufferBindingSize, what);
  if (bytes > limits.maxBufferSize) throw new GpuLimitError('maxBufferSize', bytes, limits.maxBufferSize, what);
}

/**
 * Workgroup counts for a 1-D job of `groups` workgroups, folded into (x, y) past the per-dimension limit;
 * kernels recover the flat index with flat_group() (kernels/lib/grid.wgsl) and bound-check it.
 */
export function grid1d(limits: GPUSupportedLimits, groups: number, what: string): [number, number, number] {
  const max = limits.maxComputeWorkgroupsPerDimension;
  if (groups <= max) return [Math.max(groups, 1), 1, 1];
  const x = max, y = Math.ceil(groups / x);
  if (y > max) throw new GpuLimitError('maxComputeWorkgroupsPerDimension', y, max, what);
  return [x, y, 1];
}

/** Checks a 3-D grid whose axes carry meaning (tiles, batches) and cannot be folded. */
export function grid3d(limits: GPUSupportedLimits, x: number, y: number, z: number, what: string): [number, number, number] {
  const max = limits.maxComputeWorkgroupsPerDimension;
  const worst = Math.max(x, y, z);
  if (worst > max) throw new GpuLimitError('maxComputeWorkgroupsPerDimension', worst, max, what);
  return [x, y, z];
}
