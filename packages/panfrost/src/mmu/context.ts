/**
 * The per-file MMU context: a GPU address space with its own VA allocator and page table,
 * bound to a hardware AS slot on demand.
 */

import { DrmMm, DrmMmNode, panfrostColorAdjust } from "@panmmu/drm";
import type { WarningSink } from "@panmmu/uapi";
import type { AsClient } from "./as-manager.js";
import { VA_SIZE_PFN, VA_START_PFN } from "./color-adjust.js";
import type { PgtableOps } from "./pgtable.js";
import type { AsConfig } from "./pure/memattr.js";

let nextContextId = 1;

/** A VA node that knows the mapping it belongs to. */
export class VaNode<M = unknown> extends DrmMmNode<number> {
  /** The mapping that owns this node (set when the mapping is created). */
  owner: M | null = null;

  constructor() {
    super(0, 0, 0);
  }
}

/** What a context needs from the device to release itself. */
export interface ContextReleaser {
  /** Unbinds the context from its AS (under the AS lock), then calls `done`. */
  releaseAs(ctx: MmuContext, done: () => void): void;
}

/**
 * A refcounted GPU address space. References are held by the open file, by every GEM mapping
 * in it and by every job in flight, so it outlives whichever of them goes first.
 *
 * Mirrors struct panfrost_mmu.
 */
export class MmuContext implements AsClient {
  /** Unique id (for reports). */
  readonly id = nextContextId++;
  /** Bound AS slot or -1 (managed by the slot manager). */
  as = -1;
  /** Users of the bound AS (managed by the slot manager). */
  asCount = 0;
  /** VA allocator in 4 KiB pages over [32 MiB, 4 GiB). */
  readonly mm: DrmMm;
  private refs = 1;
  private released = false;

  /**
   * Builds a context over an already allocated page table. The drm_mm is initialised first and
   * the colour-adjust callback installed after, since initialisation resets it.
   *
   * @param ops - the page table.
   * @param asConfig - AS register values selecting the page table.
   * @param label - owner label for reports (the file's name).
   * @param releaser - device hook run when the last reference goes.
   * @param warnings - WARN sink.
   */
  constructor(
    readonly ops: PgtableOps,
    readonly asConfig: AsConfig,
    readonly label: string,
    private readonly releaser: ContextReleaser,
    warnings: WarningSink,
  ) {
    this.mm = new DrmMm({ warnings });
    this.mm.init(VA_START_PFN, VA_SIZE_PFN);
    // Set after init: the seed review found drm_mm_init() wiping a colour_adjust set before it.
    this.mm.colorAdjust = panfrostColorAdjust;
  }

  /** Current reference count. */
  get refcount(): number {
    return this.refs;
  }

  /** Whether the last reference went. */
  get isReleased(): boolean {
    return this.released;
  }

  /** Takes a reference. Mirrors panfrost_mmu_ctx_get(). */
  get(): this {
    this.refs++;
    return this;
  }

  /**
   * Drops a reference; the last one unbinds the AS, frees the page table and tears down the
   * VA allocator. Mirrors panfrost_mmu_ctx_put() / panfrost_mmu_release_ctx().
   */
  put(): void {
    if (this.refs <= 0) return;
    if (--this.refs > 0) return;
    this.releaser.releaseAs(this, () => {
      this.ops.free();
      this.mm.takedown();
      this.released = true;
    });
  }

  /** The VA node containing page `pfn`, if any. */
  findNode(pfn: number): VaNode | undefined {
    for (const n of this.nodes()) {
      if (pfn >= n.start && pfn < n.start + n.size) return n;
    }
    return undefined;
  }

  /** Every allocated VA node, in address order. */
  *nodes(): Generator<VaNode> {
    const head = this.mm.head;
    for (let n = head.next; n !== null && n !== head; n = n.next) {
      if (n instanceof VaNode) yield n;
    }
  }
}
