/**
 * The tiler heap of the panthor scenario: TILER_HEAP_CREATE in a process's VM, views of its
 * chunk list, and the injected tiler OOMs (the CS engine's test hook: the next RUN_TILING of
 * that process's group runs out of heap memory, so the firmware raises its tiler-OOM event and
 * the driver answers with a new chunk).
 */
import { panthorVmHeapPool } from "@panmmu/panthor";
import {
  DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE,
  DrmPanthorTilerHeapCreate,
  errnoName,
} from "@panmmu/uapi";
import { StackError } from "../../stack/stack.js";
import type { FwRig } from "./fw-rig.js";
import type { GroupProcess } from "./groups.js";

/** The heap's shape. */
export const HEAP_CHUNK_BYTES = 0x2_0000;
/** Chunks TILER_HEAP_CREATE allocates up front. */
export const HEAP_INITIAL_CHUNKS = 2;
/** Most chunks the heap may have. */
export const HEAP_MAX_CHUNKS = 8;

/** The heap's chunk list at one moment. */
export interface HeapView {
  /** Chunk GPU VAs, list order (head first). */
  readonly chunks: readonly number[];
  /** Grows the VM's heap pool answered (tiler OOMs served). */
  readonly grows: number;
  /** Grows it refused. */
  readonly refused: number;
}

/** A process's tiler heap. */
export class TilerHeap {
  /** Tiler OOMs injected so far, with the virtual time of each. */
  readonly ooms: number[] = [];

  private constructor(
    readonly owner: GroupProcess,
    readonly handle: number,
    readonly ctxVa: number,
  ) {}

  /** TILER_HEAP_CREATE in `owner`'s VM; throws {@link StackError} if the driver refuses. */
  static create(owner: GroupProcess): TilerHeap {
    const { ret, out } = owner.client.ioctl(
      DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE,
      DrmPanthorTilerHeapCreate,
      {
        ...DrmPanthorTilerHeapCreate.zero(),
        vm_id: owner.vmId,
        initial_chunk_count: HEAP_INITIAL_CHUNKS,
        chunk_size: HEAP_CHUNK_BYTES,
        max_chunks: HEAP_MAX_CHUNKS,
        target_in_flight: 2,
      },
    );
    if (ret !== 0) throw new StackError(`TILER_HEAP_CREATE failed: ${errnoName(-ret)}`);
    return new TilerHeap(owner, out.handle, Number(out.tiler_heap_ctx_gpu_va));
  }

  /** The chunk list now. */
  view(): HeapView {
    const pool = panthorVmHeapPool(this.owner.vm);
    const heap = pool?.heaps.get(this.handle & 0xffff);
    return {
      chunks: heap?.chunks.map((c) => c.gpuVa) ?? [],
      grows: pool?.stats.grows ?? 0,
      refused: pool?.stats.growsRefused ?? 0,
    };
  }

  /**
   * Makes the next `count` RUN_TILINGs of the owner's group (the stream on the CSG slot its
   * group holds) run out of heap memory.
   */
  injectOoms(rig: FwRig, count: number): void {
    const cs = rig.sim.gpu.cs;
    const sched = rig.dev.sched;
    if (cs === undefined || sched === null) throw new StackError("no CS engine or scheduler");
    cs.tilerOomHook = (sourceId) => {
      const g = sched.csgSlots[sourceId >>> 4]?.group ?? null;
      if (g === null || g.vm !== this.owner.vm || this.ooms.length >= count) return false;
      this.ooms.push(rig.sim.loop.now);
      return true;
    };
  }
}
