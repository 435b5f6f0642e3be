/**
 * `struct drm_syncobj`: a container for a fence (binary) or a chain of timeline points.
 */
import { EINVAL } from "@panmmu/uapi";
import type { DrmFdObject } from "../core/fd-table.js";
import { type DmaFence, dmaFenceGetStub } from "../fence/dma-fence.js";
import { DmaFenceChain, dmaFenceChainFindSeqno } from "../fence/fence-chain.js";

/**
 * A sync object. Binary use: {@link replaceFence} swaps the fence in the slot. Timeline use:
 * {@link addPoint} chains a fence at a point. It is reference counted: each handle, each fd and
 * each in-kernel user holds one.
 */
export class DrmSyncobj implements DrmFdObject {
  private slot: DmaFence | null = null;
  private refs = 1;
  private readonly submitWaiters = new Set<() => void>();

  /** Creates a syncobj, optionally holding `fence`; the caller owns the first reference. Mirrors drm_syncobj_create(). */
  constructor(fence: DmaFence | null = null) {
    this.slot = fence;
  }

  /** Current fence (the chain head for timelines), or null. Mirrors drm_syncobj_fence_get(). */
  get fence(): DmaFence | null {
    return this.slot;
  }

  /** Current reference count. */
  get refcount(): number {
    return this.refs;
  }

  /** Takes a reference. Mirrors drm_syncobj_get(). */
  get(): this {
    this.refs++;
    return this;
  }

  /** Drops a reference; the last one drops the fence. Mirrors drm_syncobj_put(). */
  put(): void {
    if (this.refs <= 0) return;
    if (--this.refs === 0) this.replaceFence(null);
  }

  /** Fd close: drops the fd's reference. */
  release(): void {
    this.put();
  }

  /** Replaces the fence (null empties the slot) and wakes submit-waiters. Mirrors drm_syncobj_replace_fence(). */
  replaceFence(fence: DmaFence | null): void {
    const old = this.slot;
    this.slot = fence;
    if (fence !== old) this.wakeSubmitWaiters();
  }

  /** Adds timeline point `point` signalled by `fence` after the current head. Mirrors drm_syncobj_add_point(). */
  addPoint(fence: DmaFence, point: number): void {
    this.slot = new DmaFenceChain(this.slot, fence, point);
    this.wakeSubmitWaiters();
  }

  /**
   * The fence for `point` (0: the current fence): `{ fence }`, with an already-signalled stub when
   * the point has signalled, or -EINVAL when there is no fence (yet) for it.
   */
  findFence(point: number): { fence: DmaFence } | number {
    const head = this.slot;
    if (head === null) return -EINVAL;
    const r = dmaFenceChainFindSeqno(head, point);
    if (typeof r === "number") return r;
    return { fence: r.fence ?? dmaFenceGetStub() };
  }

  /** Registers `wake` to run whenever a fence is installed (WAIT_FOR_SUBMIT); returns its remover. */
  addSubmitWaiter(wake: () => void): () => void {
    this.submitWaiters.add(wake);
    return () => {
      this.submitWaiters.delete(wake);
    };
  }

  /**
   * The last signalled point of the timeline: the head's point when every point signalled,
   * otherwise the point before the oldest unsignalled one; 0 for a binary fence or none. With
   * `lastSubmitted`, the head's point. Mirrors the per-handle part of drm_syncobj_query_ioctl().
   */
  queryPoint(lastSubmitted: boolean): number {
    const head = this.slot;
    if (!(head instanceof DmaFenceChain)) return 0;
    if (lastSubmitted) return head.seqno;
    let node: DmaFence | null = head;
    let oldestUnsignaled: DmaFenceChain | null = null;
    while (node instanceof DmaFenceChain && node.context === head.context) {
      if (!node.signaled) oldestUnsignaled = node;
      node = node.prev;
    }
    if (oldestUnsignaled === null) return head.seqno;
    return oldestUnsignaled.prevSeqno;
  }

  private wakeSubmitWaiters(): void {
    for (const w of [...this.submitWaiters]) w();
  }
}
