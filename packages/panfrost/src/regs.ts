/**
 * Register offsets and values the driver programs (Job Manager Mali, panfrost_regs.h layout).
 * Kept in one module so the driver's view of the register map is in one place.
 */

/** GPU_ID: product id in bits 31:16. */
export const GPU_ID = 0x0;
/** L2 cache features. */
export const GPU_L2_FEATURES = 0x4;
/** Shader core features. */
export const GPU_CORE_FEATURES = 0x8;
/** Tiler features. */
export const GPU_TILER_FEATURES = 0xc;
/** Memory system features (bit 0: coherent L2 groups). */
export const GPU_MEM_FEATURES = 0x10;
/** MMU features: VA bits 7:0, PA bits 15:8. */
export const GPU_MMU_FEATURES = 0x14;
/** Bitmask of implemented address spaces. */
export const GPU_AS_PRESENT = 0x18;
/** Bitmask of implemented job slots. */
export const GPU_JS_PRESENT = 0x1c;
/** GPU IRQ raw status. */
export const GPU_INT_RAWSTAT = 0x20;
/** GPU IRQ clear. */
export const GPU_INT_CLEAR = 0x24;
/** GPU IRQ mask. */
export const GPU_INT_MASK = 0x28;
/** GPU IRQ masked status. */
export const GPU_INT_STAT = 0x2c;
/** GPU command register. */
export const GPU_CMD = 0x30;
/** GPU status. */
export const GPU_STATUS = 0x34;
/** Latest flush id (flush reduction). */
export const GPU_LATEST_FLUSH_ID = 0x38;
/** Thread max threads. */
export const GPU_THREAD_MAX_THREADS = 0xa0;
/** Texture features n (n = 0..3). */
export const GPU_TEXTURE_FEATURES = (n: number): number => 0xb0 + 4 * n;
/** Job slot n features (n = 0..15). */
export const GPU_JS_FEATURES = (n: number): number => 0xc0 + 4 * n;
/** Shader cores present, low word. */
export const GPU_SHADER_PRESENT_LO = 0x100;
/** Tiler present, low word. */
export const GPU_TILER_PRESENT_LO = 0x110;
/** L2 present, low word. */
export const GPU_L2_PRESENT_LO = 0x120;
/** AFBC features (Bifrost). */
export const GPU_AFBC_FEATURES = 0x4c;

/** GPU_CMD: soft reset. */
export const GPU_CMD_SOFT_RESET = 0x1;
/** GPU IRQ bit: GPU fault. */
export const GPU_IRQ_FAULT = 0x1;
/** GPU IRQ bit: multiple faults. */
export const GPU_IRQ_MULTIPLE_FAULT = 0x80;
/** GPU IRQ bit: reset completed. */
export const GPU_IRQ_RESET_COMPLETED = 0x100;
/** Every GPU IRQ bit. */
export const GPU_IRQ_MASK_ALL = 0x30781;

/** Job IRQ raw status. */
export const JOB_INT_RAWSTAT = 0x1000;
/** Job IRQ clear. */
export const JOB_INT_CLEAR = 0x1004;
/** Job IRQ mask. */
export const JOB_INT_MASK = 0x1008;
/** Job IRQ masked status. */
export const JOB_INT_STAT = 0x100c;
/** Per-slot active state. */
export const JOB_INT_JS_STATE = 0x1010;
/** Job IRQ done bit of slot j. */
export const JOB_INT_MASK_DONE = (j: number): number => 1 << j;
/** Job IRQ error bit of slot j. */
export const JOB_INT_MASK_ERR = (j: number): number => (1 << (j + 16)) >>> 0;

/** Base of job slot n's registers. */
const JS = (n: number): number => 0x1800 + n * 0x80;
/** Current job chain head (low). */
export const JS_HEAD_LO = (n: number): number => JS(n) + 0x00;
/** Current job chain head (high). */
export const JS_HEAD_HI = (n: number): number => JS(n) + 0x04;
/** Job chain tail (low): where a stopped chain resumes. */
export const JS_TAIL_LO = (n: number): number => JS(n) + 0x08;
/** Job chain tail (high). */
export const JS_TAIL_HI = (n: number): number => JS(n) + 0x0c;
/** Slot config of the running job. */
export const JS_CONFIG = (n: number): number => JS(n) + 0x18;
/** Slot command (stop commands act on the running job). */
export const JS_COMMAND = (n: number): number => JS(n) + 0x20;
/** Exception code of the slot's last job. */
export const JS_STATUS = (n: number): number => JS(n) + 0x24;
/** Next job chain head (low). */
export const JS_HEAD_NEXT_LO = (n: number): number => JS(n) + 0x40;
/** Next job chain head (high). */
export const JS_HEAD_NEXT_HI = (n: number): number => JS(n) + 0x44;
/** Next affinity (low). */
export const JS_AFFINITY_NEXT_LO = (n: number): number => JS(n) + 0x50;
/** Next affinity (high). */
export const JS_AFFINITY_NEXT_HI = (n: number): number => JS(n) + 0x54;
/** Next slot config. */
export const JS_CONFIG_NEXT = (n: number): number => JS(n) + 0x58;
/** Next command (START). */
export const JS_COMMAND_NEXT = (n: number): number => JS(n) + 0x60;
/** Next flush id. */
export const JS_FLUSH_ID_NEXT = (n: number): number => JS(n) + 0x70;

/** JS_CONFIG: clean+invalidate caches at start. */
export const JS_CONFIG_START_FLUSH_CLEAN_INVALIDATE = 0x300;
/** JS_CONFIG: start MMU (HW_ISSUE_10649). */
export const JS_CONFIG_START_MMU = 0x400;
/** JS_CONFIG: job-chain disambiguation flag. */
export const JS_CONFIG_JOB_CHAIN_FLAG = 0x800;
/** JS_CONFIG: clean+invalidate caches at end. */
export const JS_CONFIG_END_FLUSH_CLEAN_INVALIDATE = 0x3000;
/** JS_CONFIG: thread priority field. */
export const JS_CONFIG_THREAD_PRI = (n: number): number => n << 16;

/** JS command: nothing. */
export const JS_COMMAND_NOP = 0;
/** JS command: start. */
export const JS_COMMAND_START = 1;
/** JS command: soft stop. */
export const JS_COMMAND_SOFT_STOP = 2;
/** JS command: hard stop. */
export const JS_COMMAND_HARD_STOP = 3;
/** JS command: hard stop of chains with JOB_CHAIN_FLAG = 0. */
export const JS_COMMAND_HARD_STOP_0 = 5;
/** JS command: hard stop of chains with JOB_CHAIN_FLAG = 1. */
export const JS_COMMAND_HARD_STOP_1 = 7;

/** MMU IRQ raw status: bit n page fault of AS n, bit 16+n bus error. */
export const MMU_INT_RAWSTAT = 0x2000;
/** MMU IRQ clear. */
export const MMU_INT_CLEAR = 0x2004;
/** MMU IRQ mask. */
export const MMU_INT_MASK = 0x2008;
/** MMU IRQ masked status. */
export const MMU_INT_STAT = 0x200c;

/** Base of address space `as`'s registers. */
const AS = (as: number): number => 0x2400 + (as << 6);
/** Translation table base (low). */
export const AS_TRANSTAB_LO = (as: number): number => AS(as) + 0x00;
/** Translation table base (high). */
export const AS_TRANSTAB_HI = (as: number): number => AS(as) + 0x04;
/** Memory attributes (low). */
export const AS_MEMATTR_LO = (as: number): number => AS(as) + 0x08;
/** Memory attributes (high). */
export const AS_MEMATTR_HI = (as: number): number => AS(as) + 0x0c;
/** Lock region address (low). */
export const AS_LOCKADDR_LO = (as: number): number => AS(as) + 0x10;
/** Lock region address (high). */
export const AS_LOCKADDR_HI = (as: number): number => AS(as) + 0x14;
/** AS command. */
export const AS_COMMAND = (as: number): number => AS(as) + 0x18;
/** Fault status. */
export const AS_FAULTSTATUS = (as: number): number => AS(as) + 0x1c;
/** Fault address (low). */
export const AS_FAULTADDRESS_LO = (as: number): number => AS(as) + 0x20;
/** Fault address (high). */
export const AS_FAULTADDRESS_HI = (as: number): number => AS(as) + 0x24;
/** AS status (bit 0: AS_ACTIVE). */
export const AS_STATUS = (as: number): number => AS(as) + 0x28;
/** Translation config (low). */
export const AS_TRANSCFG_LO = (as: number): number => AS(as) + 0x30;
/** Translation config (high). */
export const AS_TRANSCFG_HI = (as: number): number => AS(as) + 0x34;

/** AS command: nothing. */
export const AS_COMMAND_NOP = 0;
/** AS command: apply TRANSTAB/MEMATTR/TRANSCFG. */
export const AS_COMMAND_UPDATE = 1;
/** AS command: lock the region in LOCKADDR. */
export const AS_COMMAND_LOCK = 2;
/** AS command: unlock. */
export const AS_COMMAND_UNLOCK = 3;
/** AS command: flush page-table caches (TLB) in the locked region. */
export const AS_COMMAND_FLUSH_PT = 4;
/** AS command: flush page-table and data caches in the locked region. */
export const AS_COMMAND_FLUSH_MEM = 5;
/** AS_STATUS bit: a command is in progress. */
export const AS_STATUS_AS_ACTIVE = 0x1;
/** AS_FAULTSTATUS access type field shift (bits 9:8). */
export const AS_FAULTSTATUS_ACCESS_TYPE_SHIFT = 8;
/** AS_FAULTSTATUS source id shift (bits 31:16). */
export const AS_FAULTSTATUS_SOURCE_ID_SHIFT = 16;
