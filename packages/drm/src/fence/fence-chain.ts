/**
 * `struct dma_fence_chain`: one point of a timeline, chaining a fence to the previous point.
 */
import { EINVAL } from "@panmmu/uapi";
import { DmaFence, type DmaFenceTimeline, dmaFenceContextAlloc } from "./dma-fence.js";

/**
 * A timeline point: signals once its own fence and every earlier point have signalled. Points
 * added in increasing order share one context (the chain's timeline); a point not later than the
 * previous one starts a new context, as the kernel does. Mirrors dma_fence_chain_init().
 */
export class DmaFenceChain extends DmaFence {
  /** The previous point (or the fence that was in the syncobj before), or null. */
  readonly prev: DmaFence | null;
  /** The fence this point waits for. */
  readonly fence: DmaFence;
  /** Seqno of the previous point on the same context (0 when this point started the context). */
  readonly prevSeqno: number;

  /** Chains `fence` at point `seqno` after `prev`. */
  constructor(prev: DmaFence | null, fence: DmaFence, seqno: number) {
    const prevChain = prev instanceof DmaFenceChain ? prev : null;
    let context: number;
    let point = seqno;
    let prevSeqno = 0;
    if (prevChain !== null && seqno > prevChain.seqno) {
      context = prevChain.context;
      prevSeqno = prevChain.seqno;
    } else {
      context = dmaFenceContextAlloc(1);
      if (prevChain !== null) point = Math.max(prevChain.seqno, seqno);
    }
    const timeline: DmaFenceTimeline = {
      context,
      loop: fence.timeline.loop ?? prev?.timeline.loop ?? null,
      driverName: "dma_fence_chain",
      timelineName: "unbound",
    };
    super(timeline, point);
    this.prev = prev;
    this.fence = fence;
    this.prevSeqno = prevSeqno;
    const check = (): void => {
      if (!this.signaled && fence.signaled && (prev === null || prev.signaled)) this.signal();
    };
    fence.addCallback(check);
    prev?.addCallback(check);
    check();
  }
}

/**
 * Finds the point of the chain `head` that covers `seqno`: `{ fence }` with the point (or with
 * `head` itself for seqno 0, or null when the point already signalled), or -EINVAL when `head`
 * is not a chain or `seqno` lies beyond its last point. Mirrors dma_fence_chain_find_seqno().
 */
export function dmaFenceChainFindSeqno(
  head: DmaFence,
  seqno: number,
): { fence: DmaFence | null } | number {
  if (seqno === 0) return { fence: head };
  if (!(head instanceof DmaFenceChain) || head.seqno < seqno) return -EINVAL;
  let node: DmaFence | null = head;
  while (node instanceof DmaFenceChain && node.context === head.context) {
    if (node.prevSeqno < seqno) break;
    node = node.prev;
  }
  if (node === null || node.signaled) return { fence: null };
  return { fence: node };
}
