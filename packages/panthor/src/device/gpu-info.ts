/**
 * The `drm_panthor_gpu_info` the driver builds at probe from the GPU_CONTROL identification
 * registers, and the coherency protocol it selects.
 */
import { type MmioBus, CSF_GPU_REGS as R } from "@panmmu/hw";
import {
  DRM_PANTHOR_GPU_COHERENCY_ACE_LITE,
  DRM_PANTHOR_GPU_COHERENCY_NONE,
  type DrmPanthorGpuInfoArgs,
} from "@panmmu/uapi";

/**
 * `ENOTSUPP` (524): the kernel-internal "operation not supported" panthor_gpu_coherency_init()
 * returns (it never reaches userspace: probe fails with it).
 */
export const ENOTSUPP = 524;

/** COHERENCY_FEATURES bit of the ACE-Lite protocol (GPU_COHERENCY_PROT_BIT(ACE_LITE)). */
const COHERENCY_PROT_ACE_LITE = 1 << DRM_PANTHOR_GPU_COHERENCY_ACE_LITE;

/** Reads a 64-bit register as LO then HI (gpu_read64()). */
function read64(mmio: MmioBus, offset: number): bigint {
  const lo = mmio.read32(offset) >>> 0;
  const hi = mmio.read32(offset + 4) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Reads a free-running 64-bit counter consistently: HI, LO, HI again, retrying when the high
 * word moved in between. Mirrors gpu_read64_counter().
 */
export function readCounter64(mmio: MmioBus, offset: number): bigint {
  for (;;) {
    const hi = mmio.read32(offset + 4) >>> 0;
    const lo = mmio.read32(offset) >>> 0;
    if (mmio.read32(offset + 4) >>> 0 === hi) return (BigInt(hi) << 32n) | BigInt(lo);
  }
}

/**
 * The coherency protocol the device uses: `DRM_PANTHOR_GPU_COHERENCY_NONE` (31) on a
 * non-coherent platform; ACE-Lite (0) on a coherent one whose COHERENCY_FEATURES advertises
 * it; -ENOTSUPP when the platform is coherent and the GPU has no ACE-Lite (full ACE is never
 * used on CSF GPUs). Mirrors the selection in panthor_gpu_coherency_init().
 */
export function selectGpuCoherency(mmio: MmioBus, coherent: boolean): number {
  if (!coherent) return DRM_PANTHOR_GPU_COHERENCY_NONE;
  const features = mmio.read32(R.GPU_COHERENCY_FEATURES) >>> 0;
  if ((features & COHERENCY_PROT_ACE_LITE) !== 0) return DRM_PANTHOR_GPU_COHERENCY_ACE_LITE;
  return -ENOTSUPP;
}

/**
 * Builds `drm_panthor_gpu_info` from the GPU_CONTROL identification registers: GPU_ID, CSF_ID,
 * REVID, the CORE/L2/TILER/MEM/MMU/THREAD feature words, THREAD_MAX_*, COHERENCY_FEATURES,
 * TEXTURE_FEATURES_0..3, AS_PRESENT, the 64-bit GPU_FEATURES (zero before arch 11) and the
 * 64-bit SHADER/TILER/L2_PRESENT masks. `selectedCoherency` is what
 * {@link selectGpuCoherency} chose (default NONE, the non-coherent G610's value).
 *
 * Mirrors panthor_gpu_info_init() (with the GPU_ID read of panthor_hw_gpu_id_init()) for the
 * arch 10–13 register layout (no PWR_CONTROL block, no nvmem shader-present override).
 */
export function readPanthorGpuInfo(
  mmio: MmioBus,
  selectedCoherency: number = DRM_PANTHOR_GPU_COHERENCY_NONE,
): DrmPanthorGpuInfoArgs {
  const r = (offset: number): number => mmio.read32(offset) >>> 0;
  const texture: number[] = [];
  for (let i = 0; i < 4; i++) texture.push(r(R.GPU_TEXTURE_FEATURES_BASE + 4 * i));
  return {
    gpu_id: r(R.GPU_ID),
    gpu_rev: r(R.GPU_REVID),
    csf_id: r(R.GPU_CSF_ID),
    l2_features: r(R.GPU_L2_FEATURES),
    tiler_features: r(R.GPU_TILER_FEATURES),
    mem_features: r(R.GPU_MEM_FEATURES),
    mmu_features: r(R.GPU_MMU_FEATURES),
    thread_features: r(R.GPU_THREAD_FEATURES),
    max_threads: r(R.GPU_THREAD_MAX_THREADS),
    thread_max_workgroup_size: r(R.GPU_THREAD_MAX_WORKGROUP_SIZE),
    thread_max_barrier_size: r(R.GPU_THREAD_MAX_BARRIER_SIZE),
    coherency_features: r(R.GPU_COHERENCY_FEATURES),
    texture_features: texture,
    as_present: r(R.GPU_AS_PRESENT),
    selected_coherency: selectedCoherency >>> 0,
    shader_present: read64(mmio, R.GPU_SHADER_PRESENT),
    l2_present: read64(mmio, R.GPU_L2_PRESENT),
    tiler_present: read64(mmio, R.GPU_TILER_PRESENT),
    core_features: r(R.GPU_CORE_FEATURES),
    pad: 0,
    gpu_features: read64(mmio, R.GPU_FEATURES),
  };
}

/** Current GPU_TIMESTAMP (system-counter ticks + offset). Mirrors panthor_gpu_get_timestamp(). */
export function gpuTimestamp(mmio: MmioBus): bigint {
  return readCounter64(mmio, R.GPU_TIMESTAMP);
}

/** GPU_TIMESTAMP_OFFSET. Mirrors panthor_gpu_get_timestamp_offset(). */
export function gpuTimestampOffset(mmio: MmioBus): bigint {
  return read64(mmio, R.GPU_TIMESTAMP_OFFSET);
}

/** Current GPU_CYCLE_COUNT. Mirrors panthor_gpu_get_cycle_count(). */
export function gpuCycleCount(mmio: MmioBus): bigint {
  return readCounter64(mmio, R.GPU_CYCLE_COUNT);
}
