/**
 * A BO's mapping in one file's address space (one per file that has a handle to the BO).
 */
import { PAGE_SIZE } from "@panmmu/hw";
import type { MmuContext } from "../mmu/context.js";
import { VaNode } from "../mmu/context.js";
import type { PanfrostMmu } from "../mmu/mmu.js";

/** What a mapping needs of its BO. */
export interface MappedBo {
  /** GEM object id. */
  readonly id: number;
  /** Size in bytes. */
  readonly size: number;
  /** Heap BO (mapped sparsely, on fault). */
  readonly isHeap: boolean;
  /** Not executable. */
  readonly noexec: boolean;
  /** Takes a GEM reference. */
  get(): unknown;
  /** Drops a GEM reference. */
  put(): void;
}

let nextMappingId = 1;

/**
 * A BO mapped into an MMU context at a VA of its own. Refcounted: the file's handle holds one
 * reference, and every job using the BO holds another, so a job keeps the GPU mapping (and the
 * context) alive after the file closed its handle. It holds a reference on the BO and on the
 * context.
 *
 * Mirrors struct panfrost_gem_mapping.
 */
export class BoMapping {
  /** Unique id (reports). */
  readonly id = nextMappingId++;
  /** The VA node (page units) in the context's drm_mm. */
  readonly node = new VaNode<BoMapping>();
  /** Whether the page-table entries exist (set after mapping, cleared by teardown/purge). */
  active = false;
  /** Heap BOs: 1 per 2 MiB chunk mapped in this context. */
  heapChunks: Uint8Array | null;
  private refs = 1;
  private tornDown = false;
  /** Unmaps whose TLB flush waits for the AS lock. */
  private unflushed = 0;
  /** Run once no unmap of this mapping waits for its flush (the last reference's BO put). */
  private afterFlush: (() => void) | null = null;

  /**
   * Creates a mapping holding references on `bo` and `ctx` (no VA yet).
   *
   * @param bo - the BO.
   * @param ctx - the context.
   * @param mmu - the device's MMU block (for unmapping).
   */
  constructor(
    readonly bo: MappedBo,
    readonly ctx: MmuContext,
    private readonly mmu: PanfrostMmu,
  ) {
    bo.get();
    ctx.get();
    this.node.owner = this;
    this.heapChunks = bo.isHeap ? new Uint8Array(Math.ceil(bo.size / 0x200000)) : null;
  }

  /**
   * GPU VA of the mapping: the start of its VA node (0 before a VA was allocated). Removing the
   * node (purge, teardown) leaves its start alone, so a purged BO still reports its old VA even
   * though the range is free for other BOs, as `mapping->mmnode.start` does in the kernel.
   */
  get iova(): number {
    return this.node.start * PAGE_SIZE;
  }

  /** Current reference count. */
  get refcount(): number {
    return this.refs;
  }

  /** Takes a reference. Mirrors panfrost_gem_mapping_get(). */
  get(): this {
    this.refs++;
    return this;
  }

  /**
   * Drops a reference; the last one tears the mapping down and releases the BO and context
   * references. Mirrors panfrost_gem_mapping_put() / panfrost_gem_mapping_release().
   */
  put(): void {
    if (this.refs <= 0) return;
    if (--this.refs > 0) return;
    this.teardown();
    // The BO (and so its pages) lives on until the TLB no longer maps them.
    const bo = this.bo;
    if (this.unflushed === 0) bo.put();
    else this.afterFlush = () => bo.put();
    this.ctx.put();
  }

  /**
   * Removes the page-table entries (if any) and frees the VA. Idempotent.
   * Mirrors panfrost_gem_teardown_mapping().
   */
  teardown(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    this.unmapGpu();
    if (this.node.allocated) this.ctx.mm.removeNode(this.node);
  }

  /** Removes the page-table entries but keeps the VA (purge). Mirrors panfrost_mmu_unmap(). */
  unmapGpu(): void {
    if (!this.active) return;
    this.unflushed++;
    this.mmu.unmapRange(this.ctx, this.iova, this.bo.size, this.bo.isHeap, () => {
      this.unflushed--;
      const fn = this.afterFlush;
      if (this.unflushed === 0 && fn !== null) {
        this.afterFlush = null;
        fn();
      }
    });
    this.active = false;
    this.heapChunks?.fill(0);
  }
}
