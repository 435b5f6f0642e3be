/**
 * mmap() of a panthor file: GEM objects at their fake offsets, and the USER page (the GPU's
 * LATEST_FLUSH_ID register) at the file's USER MMIO offset.
 */
import { type DrmFile, DrmVma, drmGemMmap } from "@panmmu/drm";
import { CSF_GPU_LATEST_FLUSH_ID, type MmioBus, PAGE_SIZE } from "@panmmu/hw";
import {
  DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET,
  DRM_PANTHOR_USER_MMIO_OFFSET,
  EBADF,
  EFAULT,
  EINVAL,
  ENODEV,
  KernelError,
  MAP_SHARED,
  PROT_EXEC,
  PROT_WRITE,
} from "@panmmu/uapi";
import type { PanthorFilePriv } from "../file/file-priv.js";
import { PANTHOR_DUMMY_LATEST_FLUSH } from "./pm.js";

const U64_MASK = (1n << 64n) - 1n;

/** What the USER-page mapping needs of the device. */
export interface PanthorMmioDevice {
  /** The GPU's register window. */
  readonly mmio: MmioBus;
  /** The device was unplugged (`drm_dev_enter()` fails). */
  readonly unplugged: boolean;
  /** Its power state: while not active, the USER page is the dummy page. */
  readonly pm: { readonly active: boolean };
}

/** Bytes `[at, at + n)` of the dummy LATEST_FLUSH page: its first word is 1, the rest 0. */
function dummyFlushPage(at: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const off = at + i;
    if (off < 4) out[i] = (PANTHOR_DUMMY_LATEST_FLUSH >>> (8 * off)) & 0xff;
  }
  return out;
}

/**
 * Sets up a USER-page mapping of `length` bytes (already page-rounded) at the kernel-side
 * `offset`, as `prot`/`flags` ask: it must be shared, at DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET,
 * exactly one page, and neither writable nor executable (-EINVAL otherwise). Reads go to the
 * register when they happen (the kernel inserts the page at the first fault); the mapping
 * cannot be made writable later. Mirrors panthor_device_mmap_io() and panthor_mmio_vm_fault().
 */
export function panthorDeviceMmapIo(
  dev: PanthorMmioDevice,
  file: DrmFile<PanthorFilePriv>,
  offset: bigint,
  length: number,
  prot: number,
  flags: number,
): DrmVma | number {
  if ((flags & MAP_SHARED) === 0) return -EINVAL;
  if (offset !== DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET) return -EINVAL;
  if (length !== PAGE_SIZE || (prot & (PROT_WRITE | PROT_EXEC)) !== 0) return -EINVAL;
  // The vma holds the file (vm_file) and no object; panthor_mmio_vm_ops has no close.
  const vma = new DrmVma(file, Number(offset), length);
  vma.access = {
    // DrmVma checked that the access lies in the mapping.
    read(at: number, n: number): Uint8Array {
      // panthor_mmio_vm_fault(): a device that left (drm_dev_enter() fails) is a SIGBUS.
      if (dev.unplugged) throw new KernelError(EFAULT, "USER page: device unplugged");
      // A device that is not active (suspending, suspended, resuming) maps the dummy page.
      if (!dev.pm.active) return dummyFlushPage(at, n);
      // One 32-bit register read per word the access touches, as a CPU load does.
      const out = new Uint8Array(n);
      for (let word = at & ~3; word < at + n; word += 4) {
        const value = dev.mmio.read32(CSF_GPU_LATEST_FLUSH_ID + word);
        for (let b = 0; b < 4; b++) {
          const i = word + b - at;
          if (i >= 0 && i < n) out[i] = (value >>> (8 * b)) & 0xff;
        }
      }
      return out;
    },
    write(): void {
      throw new KernelError(EFAULT, "USER page: the mapping is read-only");
    },
  };
  return vma;
}

/**
 * mmap() of `file` at `offset` for `length` bytes with `prot` (PROT_*) and `flags` (MAP_*): an
 * offset at or above the file's USER MMIO offset (SET_USER_MMIO_OFFSET) is rebased onto
 * DRM_PANTHOR_USER_MMIO_OFFSET and maps the USER page; anything below is a GEM object's fake
 * offset (drm_gem_mmap()). -EBADF for a closed fd, -ENODEV once the device is unplugged,
 * -EINVAL for a length of 0. Mirrors panthor_mmap().
 */
export function panthorMmap(
  dev: PanthorMmioDevice,
  file: DrmFile<PanthorFilePriv>,
  offset: bigint,
  length: number,
  prot: number,
  flags: number,
): DrmVma | number {
  if (file.closed) return -EBADF;
  if (!Number.isSafeInteger(length) || length <= 0) return -EINVAL;
  if (dev.unplugged) return -ENODEV;
  const userMmioOffset = file.driverPriv?.userMmioOffset;
  if (userMmioOffset !== undefined && offset >= userMmioOffset) {
    const rebased = (offset - userMmioOffset + DRM_PANTHOR_USER_MMIO_OFFSET) & U64_MASK;
    const pages = Math.ceil(length / PAGE_SIZE);
    return panthorDeviceMmapIo(dev, file, rebased, pages * PAGE_SIZE, prot, flags);
  }
  return drmGemMmap(file, offset, length);
}
