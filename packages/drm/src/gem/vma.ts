/**
 * A userspace mapping of a DRM file (the model's `struct vm_area_struct`): what mmap() of a
 * fake offset returns, holding its file and its object until munmap().
 */
import { EFAULT, KernelError } from "@panmmu/uapi";

/** What a mapping's file is: a counted reference (`get_file()` / `fput()`). */
export interface DrmVmaFile {
  /** Takes a reference on the file. */
  get(): unknown;
  /** Drops a reference; the last one releases the file. */
  put(): void;
}

/** The object a mapping holds (`vm_private_data`): a GEM object, counted. */
export interface DrmVmaObject {
  /** Unique id (debugging). */
  readonly id: number;
  /** Drops a reference. */
  put(): void;
}

/** CPU access to the mapped bytes, installed by the object's mmap function. */
export interface DrmVmaAccess {
  /** Reads `length` bytes at byte `offset` of the object; throws KernelError(EFAULT) on a bad access. */
  read(offset: number, length: number): Uint8Array;
  /** Writes `data` at byte `offset`; throws KernelError(EFAULT) on a bad access. */
  write(offset: number, data: Uint8Array): void;
}

/** The mapping's operations (`vm_operations_struct`): `close` runs once, at munmap(). */
export interface DrmVmOps {
  /** Drops what the object's mmap function took (pages, object reference). Mirrors `vm_ops->close`. */
  close(vma: DrmVma): void;
}

/**
 * One mapping. The DRM core creates it with a reference on the file (`vm_file`); the object's
 * mmap function installs {@link access} and {@link vmOps} and the core sets
 * {@link privateData} to the object whose reference the mapping holds (drm_gem_mmap_obj()).
 *
 * {@link munmap} ends it: `vmOps.close` runs (dropping the object's pages and reference), then
 * the file reference goes, which may run the file's final release. As munmap(2) of a range with
 * nothing mapped succeeds, a second munmap() does nothing and returns 0. Accesses after
 * munmap(), or outside `[0, length)`, throw `KernelError(EFAULT)` (the SIGSEGV of such an
 * access).
 */
export class DrmVma {
  /** The fake offset the mapping was made at, in bytes (`vm_pgoff << PAGE_SHIFT`). */
  readonly offset: number;
  /** Length of the mapping in bytes, a multiple of the page size. */
  readonly length: number;
  /** The file the mapping holds a reference on (`vm_file`); null once unmapped. */
  file: DrmVmaFile | null;
  /** The object the mapping holds a reference on (`vm_private_data`), or null. */
  privateData: DrmVmaObject | null = null;
  /** The mapping's operations, set by the object's mmap function. */
  vmOps: DrmVmOps | null = null;
  /** The CPU access, set by the object's mmap function. */
  access: DrmVmaAccess | null = null;
  private mapped = true;

  /**
   * Core use only: a mapping of `length` bytes at `offset` of `file`, taking a reference on
   * the file (as mmap_region() does with `get_file()`).
   */
  constructor(file: DrmVmaFile, offset: number, length: number) {
    file.get();
    this.file = file;
    this.offset = offset;
    this.length = length;
  }

  /** Whether the mapping is still there (no munmap() yet). */
  get isMapped(): boolean {
    return this.mapped;
  }

  /**
   * Makes the mapping hold `file` instead of its current file: a reference on the new one is
   * taken, the old one dropped. Mirrors vma_set_file() (dma_buf_mmap() moves a mapping onto
   * the dma-buf's file).
   */
  setFile(file: DrmVmaFile): void {
    file.get();
    const old = this.file;
    this.file = file;
    old?.put();
  }

  /** Reads `length` bytes at byte `offset` of the mapping. */
  read(offset: number, length: number): Uint8Array {
    return this.checked(offset, length).read(offset, length);
  }

  /** Writes `data` at byte `offset` of the mapping. */
  write(offset: number, data: Uint8Array): void {
    this.checked(offset, data.length).write(offset, data);
  }

  /** Reads the little-endian u32 at byte `offset`. */
  readU32(offset: number): number {
    const b = this.read(offset, 4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  /** Writes the little-endian u32 `value` at byte `offset`. */
  writeU32(offset: number, value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.write(offset, b);
  }

  /**
   * Unmaps: runs `vmOps.close`, then drops the file reference (the file's release runs if it
   * was the last). Returns 0; a mapping already unmapped is left alone (0 too, as munmap(2)).
   * Mirrors remove_vma().
   */
  munmap(): number {
    if (!this.mapped) return 0;
    this.mapped = false;
    const ops = this.vmOps;
    this.vmOps = null;
    ops?.close(this);
    this.access = null;
    this.privateData = null;
    const file = this.file;
    this.file = null;
    file?.put();
    return 0;
  }

  /**
   * Core use only: a failed mmap() drops the file reference without running `vmOps.close`
   * (the object's mmap function undid its own work). Mirrors the error path of mmap_region().
   */
  abort(): void {
    this.mapped = false;
    this.vmOps = null;
    this.access = null;
    this.privateData = null;
    const file = this.file;
    this.file = null;
    file?.put();
  }

  private checked(offset: number, length: number): DrmVmaAccess {
    const access = this.access;
    if (!this.mapped || access === null) {
      throw new KernelError(EFAULT, `mapping at 0x${this.offset.toString(16)} is not mapped`);
    }
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > this.length
    ) {
      throw new KernelError(
        EFAULT,
        `access [${offset}, +${length}) outside the ${this.length}-byte mapping`,
      );
    }
    return access;
  }
}
