/** A panthor mapping: a drm_gpuva with the map flags it was created with. */
import { GpuVa } from "@panmmu/drm";

/** Map flags a mapping keeps: READONLY | NOEXEC | UNCACHED. */
export const PANTHOR_VM_MAP_FLAGS = 0x7;

/** A GPU mapping. Mirrors `struct panthor_vma`. */
export class PanthorVma extends GpuVa {
  /** READONLY / NOEXEC / UNCACHED bits of the VM_BIND op that made it (`panthor_vma.flags`). */
  mapFlags = 0;
}
