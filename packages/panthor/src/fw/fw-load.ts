/**
 * Loading the firmware image: the file is asked for by its path (request_firmware()), checked
 * entry by entry, and each interface section becomes a kernel BO mapped at its VA in the MCU
 * VM with the permissions and cache mode the section asks for, filled with the section's data
 * (and zeroes for ZERO sections). The shared section stays vmapped: the interface lives there.
 */
import type { DrmGemDevice } from "@panmmu/drm";
import {
  CSF_FW_BINARY_IFACE_ENTRY_ZERO,
  CSF_MCU_SHARED_REGION_START,
  type CsfFirmwareSection,
  inspectCsfFirmwareImage,
} from "@panmmu/hw";
import {
  DRM_PANTHOR_BO_NO_MMAP,
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  EINVAL,
  ENOENT,
} from "@panmmu/uapi";
import {
  type PanthorKernelBo,
  panthorKernelBoCreate,
  panthorKernelBoVmap,
  panthorKernelBoVunmap,
} from "../gem/kernel-bo.js";
import type { PanthorVm } from "../vm/vm.js";

/** The firmware file name. Mirrors CSF_FW_NAME. */
export const CSF_FW_NAME = "mali_csffw.bin";

/**
 * The platform's firmware store: the file at `path` (as request_firmware() finds it under
 * /lib/firmware), or null when there is none.
 */
export type PanthorFirmwareLoader = (path: string) => Uint8Array | null;

/** A loaded section. Mirrors `struct panthor_fw_section`. */
export interface PanthorFwSection {
  /** The section's flags, as in the image. */
  readonly flags: number;
  /** Its memory: a kernel BO at the section's VA in the MCU VM. */
  readonly mem: PanthorKernelBo;
  /** Its name in the image (null when the entry has none). */
  readonly name: string | null;
  /** The data the section is initialised with (kept to reload it after a reset). */
  readonly data: Uint8Array;
}

/** The path the firmware of a GPU is looked up at: `arm/mali/arch<major>.<minor>/mali_csffw.bin`. */
export function panthorFwPath(gpuId: number): string {
  const major = (gpuId >>> 28) & 0xf;
  const minor = (gpuId >>> 24) & 0xf;
  return `arm/mali/arch${major}.${minor}/${CSF_FW_NAME}`;
}

/**
 * Copies the section's data into its memory, and zeroes the rest for a ZERO section; a
 * section with neither is left alone. The CPU mapping is kept if it existed (the shared
 * section's). Mirrors panthor_fw_init_section_mem().
 */
export function panthorFwInitSectionMem(section: PanthorFwSection): void {
  const zero = (section.flags & CSF_FW_BINARY_IFACE_ENTRY_ZERO) !== 0;
  if (section.data.length === 0 && !zero) return;
  const wasMapped = section.mem.kmap !== null;
  if (panthorKernelBoVmap(section.mem) !== 0) {
    section.mem.vm.warn("panthor_fw_init_section_mem", "section vmap failed");
    return;
  }
  const kmap = section.mem.kmap;
  if (kmap === null) return;
  kmap.write(0, section.data);
  if (zero) kmap.write(section.data.length, new Uint8Array(section.mem.size - section.data.length));
  if (!wasMapped) panthorKernelBoVunmap(section.mem);
}

/** The VM_BIND map flags of a section: read-only unless WR, no-exec unless EX, uncached unless CACHED. */
function sectionMapFlags(s: CsfFirmwareSection): number {
  let flags = 0;
  if (!s.writable) flags |= DRM_PANTHOR_VM_BIND_OP_MAP_READONLY;
  if (!s.executable) flags |= DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC;
  // The coherent cache modes are mapped non-cacheable, as panthor does today.
  if (!s.cached) flags |= DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED;
  return flags;
}

/** What {@link panthorFwLoad} leaves: every section created (for cleanup even on failure) and the shared one. */
export interface PanthorFwLoadState {
  /** Sections created so far, in file order. */
  readonly sections: PanthorFwSection[];
  /** The section at CSF_MCU_SHARED_REGION_START, once loaded. */
  shared: PanthorFwSection | null;
}

/**
 * Loads the firmware of GPU `gpuId` through `loader` into `vm` (the MCU VM): -ENOENT without a
 * file, -EINVAL for an image the kernel refuses or without a shared section, a kernel BO's
 * error (e.g. -ENOSPC for overlapping sections). Sections are created as their entries are
 * accepted, so on failure `state.sections` holds what must be destroyed. Mirrors
 * panthor_fw_load() and panthor_fw_load_section_entry().
 */
export function panthorFwLoad(
  drm: DrmGemDevice,
  vm: PanthorVm,
  loader: PanthorFirmwareLoader,
  gpuId: number,
  state: PanthorFwLoadState,
): number {
  const file = loader(panthorFwPath(gpuId));
  if (file === null) return -ENOENT;
  const r = inspectCsfFirmwareImage(file, {
    pageSize: vm.pageSize,
    onSection: (s) => {
      const mem = panthorKernelBoCreate(
        drm,
        vm,
        s.size,
        DRM_PANTHOR_BO_NO_MMAP,
        sectionMapFlags(s),
        s.vaStart,
        "FW section",
      );
      if (typeof mem === "number") return mem;
      const section: PanthorFwSection = {
        flags: s.flags,
        mem,
        name: s.name === "" ? null : s.name,
        data: s.data,
      };
      state.sections.push(section);
      if (mem.gpuVa !== s.vaStart) {
        vm.warn("panthor_fw_load_section_entry", "section not mapped at its VA");
        return -EINVAL;
      }
      if (s.shared) {
        const ret = panthorKernelBoVmap(mem);
        if (ret !== 0) return ret;
      }
      panthorFwInitSectionMem(section);
      if (s.vaStart === CSF_MCU_SHARED_REGION_START) state.shared = section;
      return 0;
    },
  });
  if (!r.ok) return r.errno;
  return state.shared === null ? -EINVAL : 0;
}
