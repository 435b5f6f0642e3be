/**
 * drm_gpuvm: the GPU VA manager with its split/merge steps, mirroring the kernel's
 * drivers/gpu/drm/drm_gpuvm.c.
 *
 * @packageDocumentation
 */
export {
  GPUVM_RESV_PROTECTED,
  GPUVM_USERBITS,
  GpuVm,
  type GpuVmOps,
  type GpuVmOptions,
} from "./gpuvm.js";
export { checkIntervalTree, IntervalTree, type IntervalTreeNode } from "./interval-tree.js";
export {
  GemGpuvaList,
  GPUVA_INVALIDATED,
  GPUVA_SPARSE,
  GPUVA_USERBITS,
  GpuVa,
  type GpuVmBase,
  GpuVmBo,
  type GpuVmGemObject,
  gemEvict,
} from "./objects.js";
export {
  GpuVaMapStep,
  type GpuVaOp,
  type GpuVaOpMap,
  type GpuVaOpMapStep,
  type GpuVaOpPrefetch,
  type GpuVaOpPrefetchStep,
  type GpuVaOpRemap,
  type GpuVaOpRemapStep,
  type GpuVaOpUnmap,
  type GpuVaOpUnmapStep,
  type GpuVaRange,
  GpuVaRemapStep,
  GpuVaUnmapStep,
  remapToUnmapRange,
} from "./ops.js";
export {
  type SplitMergeSink,
  type SplitMergeSpace,
  splitMergeMap,
  splitMergeUnmap,
} from "./split-merge.js";
export { toU64, type U64, type U64Input, u64Hex, u64ToBigInt } from "./u64.js";
