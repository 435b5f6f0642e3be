/**
 * The driver's shrinker: purgeable BOs (madvise DONTNEED) lose their GPU mappings and pages
 * under memory pressure.
 */
import { DrmGemShmemShrinker } from "@panmmu/drm";
import type { PanfrostMmu } from "../mmu/mmu.js";
import { PanfrostBo } from "./bo.js";

/**
 * Purges one idle purgeable BO: skipped (0) while a job uses it or while MMU work waits for
 * the AS lock; otherwise every GPU mapping is torn down first, then the pages are freed.
 * Returns the pages freed. Mirrors panfrost_gem_purge().
 */
export function panfrostGemPurge(mmu: PanfrostMmu, bo: PanfrostBo): number {
  if (bo.gpuUsecount !== 0) return 0;
  // Like the kernel's trylocks: while an MMU operation holds the AS lock the unmap's TLB flush
  // would wait, and the pages must outlive it, so this BO is left for a later scan.
  if (mmu.flushWouldWait) return 0;
  for (const m of bo.mappings) m.teardown();
  return bo.purge();
}

/**
 * The device's "drm-panfrost" shrinker, purging through {@link panfrostGemPurge} (objects that
 * are not panfrost BOs free nothing). Registering it with system memory is the caller's choice.
 *
 * Mirrors panfrost_gem_shrinker_init().
 */
export function createPanfrostShrinker(mmu: PanfrostMmu): DrmGemShmemShrinker {
  return new DrmGemShmemShrinker({
    name: "drm-panfrost",
    purge: (obj) => (obj instanceof PanfrostBo ? panfrostGemPurge(mmu, obj) : 0),
  });
}
