/**
 * GPU_CONTROL register offsets, interrupt bits and command values shared by both generations,
 * plus the ones that differ (see {@link JM_GPU_REGS} and {@link CSF_GPU_REGS} for full tables).
 */

/** GPU_ID: product id (bits 31:16) and revision (15:0) on JM; arch/product/version fields on CSF. */
export const GPU_ID = 0x0;
/** L2 cache features. */
export const GPU_L2_FEATURES = 0x4;
/** Shader core features. */
export const GPU_CORE_FEATURES = 0x8;
/** Tiler features. */
export const GPU_TILER_FEATURES = 0xc;
/** Memory features (bit 0: L2 coherent groups). */
export const GPU_MEM_FEATURES = 0x10;
/** MMU features: VA bits in 7:0, PA bits in 15:8. */
export const GPU_MMU_FEATURES = 0x14;
/** Bitmask of the address spaces the GPU implements. */
export const GPU_AS_PRESENT = 0x18;
/** Bitmask of job slots (JM GPUs); on CSF GPUs this offset is GPU_CSF_ID. */
export const GPU_JS_PRESENT = 0x1c;
/** CSF interface id (CSF GPUs; same offset as GPU_JS_PRESENT). */
export const GPU_CSF_ID = 0x1c;
/** GPU interrupt raw status. */
export const GPU_INT_RAWSTAT = 0x20;
/** GPU interrupt clear (write 1s). */
export const GPU_INT_CLEAR = 0x24;
/** GPU interrupt mask. */
export const GPU_INT_MASK = 0x28;
/** GPU interrupt status (RAWSTAT & MASK). */
export const GPU_INT_STAT = 0x2c;
/** GPU command register. */
export const GPU_CMD = 0x30;
/** GPU status. */
export const GPU_STATUS = 0x34;
/** Latest cache-flush id (JM). */
export const GPU_LATEST_FLUSH_ID = 0x38;
/** GPU fault status. */
export const GPU_FAULT_STATUS = 0x3c;
/** GPU fault address (low word). */
export const GPU_FAULT_ADDRESS_LO = 0x40;
/** GPU fault address (high word). */
export const GPU_FAULT_ADDRESS_HI = 0x44;
/** Cycle counter, low word. */
export const GPU_CYCLE_COUNT_LO = 0x90;
/** Cycle counter, high word. */
export const GPU_CYCLE_COUNT_HI = 0x94;
/** Timestamp, low word. */
export const GPU_TIMESTAMP_LO = 0x98;
/** Timestamp, high word. */
export const GPU_TIMESTAMP_HI = 0x9c;
/** First of the four GPU_TEXTURE_FEATURES registers (`+ 4 * n`). */
export const GPU_TEXTURE_FEATURES_BASE = 0xb0;
/** First of the sixteen GPU_JS_FEATURES registers (`+ 4 * n`, JM). */
export const GPU_JS_FEATURES_BASE = 0xc0;
/** Present shader cores, low word. */
export const GPU_SHADER_PRESENT_LO = 0x100;
/** Present tiler units, low word. */
export const GPU_TILER_PRESENT_LO = 0x110;
/** Present L2 slices, low word. */
export const GPU_L2_PRESENT_LO = 0x120;
/** Powered-up shader cores, low word. */
export const SHADER_READY_LO = 0x140;
/** Powered-up tilers, low word. */
export const TILER_READY_LO = 0x150;
/** Powered-up L2 slices, low word. */
export const L2_READY_LO = 0x160;
/** Shader power-on request, low word. */
export const SHADER_PWRON_LO = 0x180;
/** Tiler power-on request, low word. */
export const TILER_PWRON_LO = 0x190;
/** L2 power-on request, low word. */
export const L2_PWRON_LO = 0x1a0;
/** Shader power-off request, low word. */
export const SHADER_PWROFF_LO = 0x1c0;
/** Tiler power-off request, low word. */
export const TILER_PWROFF_LO = 0x1d0;
/** L2 power-off request, low word. */
export const L2_PWROFF_LO = 0x1e0;
/** Shader power transition in progress, low word. */
export const SHADER_PWRTRANS_LO = 0x200;
/** Coherency features. */
export const GPU_COHERENCY_FEATURES = 0x300;
/** Selected coherency protocol (CSF). */
export const GPU_COHERENCY_PROTOCOL = 0x304;
/** Present core stacks, low word (JM Bifrost+). */
export const GPU_STACK_PRESENT_LO = 0xe00;
/** MCU control (CSF). */
export const MCU_CONTROL = 0x700;
/** MCU status (CSF). */
export const MCU_STATUS = 0x704;
/**
 * CSF USER page (its own 4 KiB MMIO page, mappable by userspace): LATEST_FLUSH_ID, the count of
 * completed full cache flushes, is its first register.
 */
export const CSF_GPU_LATEST_FLUSH_ID = 0x10000;
/** Size of the CSF USER page. */
export const CSF_USER_PAGE_SIZE = 0x1000;

/** GPU_IRQ: a GPU fault. */
export const GPU_IRQ_FAULT = 0x1;
/** GPU_IRQ: protected-mode fault (CSF). */
export const GPU_IRQ_PROTM_FAULT = 0x2;
/** GPU_IRQ: more than one fault, some not reported (JM). */
export const GPU_IRQ_MULTIPLE_FAULT = 0x80;
/** GPU_IRQ: soft or hard reset finished. */
export const GPU_IRQ_RESET_COMPLETED = 0x100;
/** GPU_IRQ: a power domain changed state. */
export const GPU_IRQ_POWER_CHANGED = 0x200;
/** GPU_IRQ: all power transitions done. */
export const GPU_IRQ_POWER_CHANGED_ALL = 0x400;
/** GPU_IRQ: performance counter sample done (JM). */
export const GPU_IRQ_PERFCNT_SAMPLE_COMPLETED = 0x10000;
/** GPU_IRQ: cache clean / flush done. */
export const GPU_IRQ_CLEAN_CACHES_COMPLETED = 0x20000;
/** GPU_IRQ: doorbell mirror (CSF). */
export const GPU_IRQ_DOORBELL_MIRROR = 0x40000;
/** GPU_IRQ: MCU status changed (CSF). */
export const GPU_IRQ_MCU_STATUS_CHANGED = 0x80000;
/** JM: OR of every JM GPU interrupt bit. */
export const GPU_IRQ_MASK_ALL = 0x30781;
/** JM: FAULT | MULTIPLE_FAULT. */
export const GPU_IRQ_MASK_ERROR = 0x81;

/** JM GPU_CMD: soft reset. */
export const GPU_CMD_SOFT_RESET = 0x1;
/** JM GPU_CMD: hard reset. */
export const GPU_CMD_HARD_RESET = 0x2;
/** JM GPU_CMD: clear performance counters. */
export const GPU_CMD_PERFCNT_CLEAR = 0x3;
/** JM GPU_CMD: sample performance counters. */
export const GPU_CMD_PERFCNT_SAMPLE = 0x4;
/** JM GPU_CMD: start the cycle counter. */
export const GPU_CMD_CYCLE_COUNT_START = 0x5;
/** JM GPU_CMD: stop the cycle counter. */
export const GPU_CMD_CYCLE_COUNT_STOP = 0x6;
/** JM GPU_CMD: clean caches. */
export const GPU_CMD_CLEAN_CACHES = 0x7;
/** JM GPU_CMD: clean and invalidate caches. */
export const GPU_CMD_CLEAN_INV_CACHES = 0x8;

/** CSF GPU_CMD encoding: `type | payload << 8` (mirrors GPU_CMD_DEF()). */
export function csfGpuCmd(type: number, payload: number): number {
  return ((type & 0xff) | (payload << 8)) >>> 0;
}
/** CSF GPU_CMD: soft reset (GPU_CMD_DEF(1, 1)). */
export const CSF_GPU_CMD_SOFT_RESET = 0x101;
/** CSF GPU_CMD: hard reset (GPU_CMD_DEF(1, 2)). */
export const CSF_GPU_CMD_HARD_RESET = 0x201;
/** CSF GPU_CMD type of a cache flush (GPU_FLUSH_CACHES). */
export const CSF_GPU_CMD_TYPE_FLUSH_CACHES = 4;
/** CSF cache-flush argument: clean. */
export const CACHE_CLEAN = 0x1;
/** CSF cache-flush argument: invalidate. */
export const CACHE_INV = 0x2;
/** CSF GPU_CMD for a cache flush: `l2`, `lsc`, `other` are CACHE_CLEAN/CACHE_INV combinations. */
export function csfFlushCachesCmd(l2: number, lsc: number, other: number): number {
  return csfGpuCmd(CSF_GPU_CMD_TYPE_FLUSH_CACHES, l2 | (lsc << 4) | (other << 8));
}

/** GPU_MMU_FEATURES: VA bits field. */
export function mmuFeaturesVaBits(features: number): number {
  return features & 0xff;
}
/** GPU_MMU_FEATURES: PA bits field. */
export function mmuFeaturesPaBits(features: number): number {
  return (features >>> 8) & 0xff;
}
