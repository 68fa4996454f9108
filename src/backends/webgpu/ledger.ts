// Per-GPUDevice bookkeeping shared by every backend on that device: the buffers edgeinfer created and has not
// destroyed yet (every createBuffer/destroy of the backend goes through here, so disposal can be checked),
// and whether the device is lost (watched once per device, not once per backend, so a disposed backend is
// never kept alive by a listener on a device that outlives it).

export class DeviceLedger {
  private liveCount = 0;
  private lostReason: string | undefined;

  constructor(device: GPUDevice) {
    // lost never rejects; it resolves once, when the device is destroyed or the driver gives it up.
    device.lost.then((info) => {
      this.lostReason = `device lost (${info.reason}): ${info.message || 'no message'}`;
    }, () => undefined);
  }

  /** Buffers created through this ledger and not destroyed yet, over every backend on the device. */
  get live(): number {
    return this.liveCount;
  }

  /** Why the device is gone, once its `lost` promise has resolved; else undefined. */
  get lost(): string | undefined {
    return this.lostReason;
  }

  createBuffer(device: GPUDevice, descriptor: GPUBufferDescriptor): GPUBuffer {
    const b = device.createBuffer(descriptor);
    this.liveCount++;
    return b;
  }

  destroyBuffer(b: GPUBuffer): void {
    b.destroy();
    this.liveCount--;
  }
}

const LEDGERS = new WeakMap<GPUDevice, DeviceLedger>();

export function ledgerOf(device: GPUDevice): DeviceLedger {
  let l = LEDGERS.get(device);
  if (!l) {
    l = new DeviceLedger(device);
    LEDGERS.set(device, l);
  }
  return l;
}
