/**
 * A memory shrinker for purgeable shmem objects, registered with the system memory.
 */
import type { MemoryShrinker, PhysicalMemory } from "@panmmu/hw";
import {
  type DrmGemShmemLru,
  type DrmGemShmemObject,
  MADV_DONTNEED,
  MADV_WILLNEED,
} from "./shmem-object.js";

/** Options of {@link DrmGemShmemShrinker}. */
export interface DrmGemShmemShrinkerOptions {
  /** Name shown in memory statistics (default `"drm-gem-shmem"`). */
  readonly name?: string;
  /**
   * Purges one object and returns the number of pages freed (0 to skip it, e.g. while the GPU
   * still uses it). Drivers tear their GPU mappings down here before calling `obj.purge()`;
   * the default only calls `obj.purge()`. Mirrors the driver's `*_gem_purge()`.
   */
  readonly purge?: (obj: DrmGemShmemObject) => number;
}

/**
 * Keeps the DONTNEED objects of a device in least-recently-madvised order and frees their pages
 * when memory runs short: `count` sums the pages of purgeable objects, `scan(n)` purges objects
 * from the oldest until `n` pages were freed. Register it with {@link register} so
 * `PhysicalMemory` asks it when an allocation finds memory exhausted; tests apply pressure
 * directly with {@link shrink}. Mirrors panfrost_gem_shrinker.c's count/scan pair.
 */
export class DrmGemShmemShrinker implements MemoryShrinker, DrmGemShmemLru {
  /** Name shown in statistics. */
  readonly name: string;
  private readonly list: DrmGemShmemObject[] = [];
  private readonly purgeFn: (obj: DrmGemShmemObject) => number;
  /** Pages freed by this shrinker so far. */
  purgedPages = 0;

  /** Creates an unregistered shrinker. */
  constructor(options: DrmGemShmemShrinkerOptions = {}) {
    this.name = options.name ?? "drm-gem-shmem";
    this.purgeFn = options.purge ?? ((obj) => obj.purge());
  }

  /** Registers with `memory`; returns the unregister function. Mirrors shrinker_register(). */
  register(memory: PhysicalMemory): () => void {
    return memory.registerShrinker(this);
  }

  /**
   * Applies madvise `madv` to `obj` and, when its pages are retained, tracks it: DONTNEED
   * (exactly) moves it to the tail of the list, WILLNEED (exactly) takes it off; any other value
   * only sets the object's state and leaves the list alone (an object never put on the list is
   * never purged, one already on it stays purgeable while `madv > 0`). Returns whether the pages
   * are retained. Mirrors the list handling of panfrost_ioctl_madvise().
   */
  madvise(obj: DrmGemShmemObject, madv: number): boolean {
    const retained = obj.madvise(madv);
    if (retained && madv === MADV_DONTNEED) {
      this.remove(obj);
      this.list.push(obj);
      obj.shrinker = this;
    } else if (retained && madv === MADV_WILLNEED) {
      this.remove(obj);
    }
    return retained;
  }

  /** Stops tracking `obj` (object free). */
  remove(obj: DrmGemShmemObject): void {
    const i = this.list.indexOf(obj);
    if (i >= 0) this.list.splice(i, 1);
    if (obj.shrinker === this) obj.shrinker = null;
  }

  /** Objects tracked, oldest first. */
  get objects(): readonly DrmGemShmemObject[] {
    return this.list;
  }

  /** Pages that could be freed now (`count_objects`). */
  count(): number {
    let n = 0;
    for (const obj of this.list) if (obj.isPurgeable()) n += obj.pageCount;
    return n;
  }

  /** Purges objects oldest first until `pages` pages were freed; the pages freed (`scan_objects`). */
  scan(pages: number): number {
    let freed = 0;
    for (const obj of [...this.list]) {
      if (freed >= pages) break;
      if (!obj.isPurgeable()) continue;
      const n = this.purgeFn(obj);
      if (n > 0) {
        freed += n;
        if (obj.purged) this.remove(obj);
      }
    }
    this.purgedPages += freed;
    return freed;
  }

  /** Explicit memory pressure: asks for `pages` pages like the memory would; the pages freed. */
  shrink(pages: number): number {
    if (this.count() === 0) return 0;
    return this.scan(pages);
  }
}
