/**
 * Fences: dma_fence, fence contexts, fence chains and dma_resv.
 */
export {
  DmaFence,
  type DmaFenceCallback,
  type DmaFenceTimeline,
  dmaFenceAllocateStub,
  dmaFenceContextAlloc,
  dmaFenceGetStub,
} from "./dma-fence.js";
export { DmaResv, type DmaResvEntry, DmaResvUsage } from "./dma-resv.js";
export { DmaFenceChain, dmaFenceChainFindSeqno } from "./fence-chain.js";
export { DmaFenceContext } from "./fence-context.js";
