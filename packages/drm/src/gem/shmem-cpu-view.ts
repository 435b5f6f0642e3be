/**
 * A CPU mapping of a shmem object (mmap or vmap), reading and writing its pages directly.
 */
import { PAGE_SIZE, type PhysicalMemory } from "@panmmu/hw";
import { EFAULT, KernelError } from "@panmmu/uapi";
import type { DrmVma, DrmVmOps } from "./vma.js";

/** What a CPU view reads of its object (a `DrmGemShmemObject`). */
export interface ShmemCpuViewSource {
  /** Object id (messages). */
  readonly id: number;
  /** Size in bytes. */
  readonly size: number;
  /** Physical address of each page, -1 for a missing one; null without pages. */
  readonly pages: readonly number[] | null;
  /** Whether the pages were purged. */
  readonly purged: boolean;
  /** The device, for its system memory. */
  readonly dev: { readonly memory: PhysicalMemory };
  /** Drops what the view held (a page use or a pin). */
  cpuViewUnmapped(view: ShmemCpuView): void;
}

/**
 * A CPU view of a shmem object's pages. It holds a pages reference (mmap) or a pin (vmap) until
 * {@link unmap}. Accesses outside the object, after `unmap`, or after the object was purged
 * throw `KernelError(EFAULT)` — the SIGBUS a CPU access to a purged mapping gets.
 */
export class ShmemCpuView {
  private mapped = true;

  /** Core use only: created by the shmem object's `mmap` / `vmap`. */
  constructor(
    readonly obj: ShmemCpuViewSource,
    readonly kind: "mmap" | "vmap",
  ) {}

  /** Whether the view is still mapped. */
  get isMapped(): boolean {
    return this.mapped;
  }

  /** Reads `length` bytes at byte `offset` of the object. */
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.walk(offset, length, (page, pageOff, done, n) => {
      out.set(page.subarray(pageOff, pageOff + n), done);
    });
    return out;
  }

  /** Writes `data` at byte `offset` of the object. */
  write(offset: number, data: Uint8Array): void {
    this.walk(offset, data.length, (page, pageOff, done, n) => {
      page.set(data.subarray(done, done + n), pageOff);
    });
  }

  /** Reads the little-endian u32 at `offset` (4-byte aligned). */
  readU32(offset: number): number {
    const b = this.read(offset, 4);
    return new DataView(b.buffer).getUint32(0, true);
  }

  /** Writes the little-endian u32 at `offset`. */
  writeU32(offset: number, value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.write(offset, b);
  }

  /** Drops the view's pages reference (mmap) or pin (vmap). Idempotent. */
  unmap(): void {
    if (!this.mapped) return;
    this.mapped = false;
    this.obj.cpuViewUnmapped(this);
  }

  private walk(
    offset: number,
    length: number,
    fn: (page: Uint8Array, pageOff: number, done: number, n: number) => void,
  ): void {
    const pages = this.obj.pages;
    if (!this.mapped || pages === null || this.obj.purged) {
      throw new KernelError(EFAULT, `object ${this.obj.id}: CPU view has no pages`);
    }
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > this.obj.size
    ) {
      throw new KernelError(
        EFAULT,
        `object ${this.obj.id}: access [${offset}, +${length}) out of range`,
      );
    }
    let done = 0;
    while (done < length) {
      const at = offset + done;
      const idx = Math.floor(at / PAGE_SIZE);
      const pageOff = at % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - pageOff, length - done);
      const pa = pages[idx] as number;
      if (pa < 0) throw new KernelError(EFAULT, `object ${this.obj.id}: page ${idx} not populated`);
      fn(this.obj.dev.memory.pageU8(pa), pageOff, done, n);
      done += n;
    }
  }
}

/**
 * The shmem mapping's operations: close drops the mapping's page use (its CPU view), then the
 * object reference it holds. Mirrors drm_gem_shmem_vm_ops (drm_gem_shmem_vm_close()).
 */
export const SHMEM_VM_OPS: DrmVmOps = {
  close(vma: DrmVma): void {
    (vma.access as ShmemCpuView | null)?.unmap();
    vma.privateData?.put();
  },
};
