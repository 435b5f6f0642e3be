/**
 * The register map as the driver uses it: absolute offsets (per-AS and per-slot registers as
 * functions of the AS / slot number), taken from `@panmmu/hw`'s register definitions.
 */
import {
  asReg,
  GPU_JS_FEATURES_BASE,
  GPU_TEXTURE_FEATURES_BASE,
  AS_COMMAND as HW_AS_COMMAND,
  AS_COMMAND_FLUSH_MEM as HW_AS_COMMAND_FLUSH_MEM,
  AS_COMMAND_FLUSH_PT as HW_AS_COMMAND_FLUSH_PT,
  AS_COMMAND_LOCK as HW_AS_COMMAND_LOCK,
  AS_COMMAND_NOP as HW_AS_COMMAND_NOP,
  AS_COMMAND_UNLOCK as HW_AS_COMMAND_UNLOCK,
  AS_COMMAND_UPDATE as HW_AS_COMMAND_UPDATE,
  AS_FAULTADDRESS_HI as HW_AS_FAULTADDRESS_HI,
  AS_FAULTADDRESS_LO as HW_AS_FAULTADDRESS_LO,
  AS_FAULTSTATUS as HW_AS_FAULTSTATUS,
  AS_LOCKADDR_HI as HW_AS_LOCKADDR_HI,
  AS_LOCKADDR_LO as HW_AS_LOCKADDR_LO,
  AS_MEMATTR_HI as HW_AS_MEMATTR_HI,
  AS_MEMATTR_LO as HW_AS_MEMATTR_LO,
  AS_STATUS as HW_AS_STATUS,
  AS_STATUS_AS_ACTIVE as HW_AS_STATUS_AS_ACTIVE,
  AS_TRANSCFG_HI as HW_AS_TRANSCFG_HI,
  AS_TRANSCFG_LO as HW_AS_TRANSCFG_LO,
  AS_TRANSTAB_HI as HW_AS_TRANSTAB_HI,
  AS_TRANSTAB_LO as HW_AS_TRANSTAB_LO,
  GPU_AS_PRESENT as HW_GPU_AS_PRESENT,
  GPU_CMD as HW_GPU_CMD,
  GPU_CMD_SOFT_RESET as HW_GPU_CMD_SOFT_RESET,
  GPU_CORE_FEATURES as HW_GPU_CORE_FEATURES,
  GPU_ID as HW_GPU_ID,
  GPU_INT_CLEAR as HW_GPU_INT_CLEAR,
  GPU_INT_MASK as HW_GPU_INT_MASK,
  GPU_INT_RAWSTAT as HW_GPU_INT_RAWSTAT,
  GPU_INT_STAT as HW_GPU_INT_STAT,
  GPU_IRQ_FAULT as HW_GPU_IRQ_FAULT,
  GPU_IRQ_MASK_ALL as HW_GPU_IRQ_MASK_ALL,
  GPU_IRQ_MULTIPLE_FAULT as HW_GPU_IRQ_MULTIPLE_FAULT,
  GPU_IRQ_RESET_COMPLETED as HW_GPU_IRQ_RESET_COMPLETED,
  GPU_JS_PRESENT as HW_GPU_JS_PRESENT,
  GPU_L2_FEATURES as HW_GPU_L2_FEATURES,
  GPU_L2_PRESENT_LO as HW_GPU_L2_PRESENT_LO,
  GPU_LATEST_FLUSH_ID as HW_GPU_LATEST_FLUSH_ID,
  GPU_MEM_FEATURES as HW_GPU_MEM_FEATURES,
  GPU_MMU_FEATURES as HW_GPU_MMU_FEATURES,
  GPU_SHADER_PRESENT_LO as HW_GPU_SHADER_PRESENT_LO,
  GPU_TILER_FEATURES as HW_GPU_TILER_FEATURES,
  GPU_TILER_PRESENT_LO as HW_GPU_TILER_PRESENT_LO,
  MMU_INT_CLEAR as HW_MMU_INT_CLEAR,
  MMU_INT_MASK as HW_MMU_INT_MASK,
  MMU_INT_RAWSTAT as HW_MMU_INT_RAWSTAT,
  MMU_INT_STAT as HW_MMU_INT_STAT,
  JM_GPU_REGS,
  JOB_CONTROL_BASE,
  JobControlReg,
  JsCommand,
  JsConfig,
  JsReg,
  jobIntDone,
  jobIntErr,
  jsRegOffset,
} from "@panmmu/hw";

/** GPU_ID: product id in bits 31:16. */
export const GPU_ID = HW_GPU_ID;
/** L2 cache features. */
export const GPU_L2_FEATURES = HW_GPU_L2_FEATURES;
/** Shader core features. */
export const GPU_CORE_FEATURES = HW_GPU_CORE_FEATURES;
/** Tiler features. */
export const GPU_TILER_FEATURES = HW_GPU_TILER_FEATURES;
/** Memory system features. */
export const GPU_MEM_FEATURES = HW_GPU_MEM_FEATURES;
/** MMU features: VA bits 7:0, PA bits 15:8. */
export const GPU_MMU_FEATURES = HW_GPU_MMU_FEATURES;
/** Bitmask of implemented address spaces. */
export const GPU_AS_PRESENT = HW_GPU_AS_PRESENT;
/** Bitmask of implemented job slots. */
export const GPU_JS_PRESENT = HW_GPU_JS_PRESENT;
/** GPU IRQ raw status. */
export const GPU_INT_RAWSTAT = HW_GPU_INT_RAWSTAT;
/** GPU IRQ clear. */
export const GPU_INT_CLEAR = HW_GPU_INT_CLEAR;
/** GPU IRQ mask. */
export const GPU_INT_MASK = HW_GPU_INT_MASK;
/** GPU IRQ masked status. */
export const GPU_INT_STAT = HW_GPU_INT_STAT;
/** GPU command register. */
export const GPU_CMD = HW_GPU_CMD;
/** Latest flush id (flush reduction). */
export const GPU_LATEST_FLUSH_ID = HW_GPU_LATEST_FLUSH_ID;
/** Thread max threads (JM layout). */
export const GPU_THREAD_MAX_THREADS = 0xa0;
/** Largest workgroup (JM layout). */
export const GPU_THREAD_MAX_WORKGROUP_SIZE = JM_GPU_REGS.GPU_THREAD_MAX_WORKGROUP_SIZE;
/** Largest barrier (JM layout). */
export const GPU_THREAD_MAX_BARRIER_SIZE = JM_GPU_REGS.GPU_THREAD_MAX_BARRIER_SIZE;
/** Thread features (JM layout). */
export const GPU_THREAD_FEATURES = JM_GPU_REGS.GPU_THREAD_FEATURES;
/** Coherency protocols supported (JM layout). */
export const GPU_COHERENCY_FEATURES = JM_GPU_REGS.GPU_COHERENCY_FEATURES;
/** Thread-local storage allocation granule (JM layout). */
export const GPU_THREAD_TLS_ALLOC = JM_GPU_REGS.GPU_THREAD_TLS_ALLOC;
/** Core stacks present, low word (JM layout). */
export const GPU_STACK_PRESENT_LO = JM_GPU_REGS.GPU_STACK_PRESENT_LO;
/** Texture features n (n = 0..3). */
export const GPU_TEXTURE_FEATURES = (n: number): number => GPU_TEXTURE_FEATURES_BASE + 4 * n;
/** Job slot n features (n = 0..15). */
export const GPU_JS_FEATURES = (n: number): number => GPU_JS_FEATURES_BASE + 4 * n;
/** Shader cores present, low word. */
export const GPU_SHADER_PRESENT_LO = HW_GPU_SHADER_PRESENT_LO;
/** Tiler present, low word. */
export const GPU_TILER_PRESENT_LO = HW_GPU_TILER_PRESENT_LO;
/** L2 present, low word. */
export const GPU_L2_PRESENT_LO = HW_GPU_L2_PRESENT_LO;
/** AFBC features (JM layout). */
export const GPU_AFBC_FEATURES = 0x4c;
/** GPU_CMD: soft reset. */
export const GPU_CMD_SOFT_RESET = HW_GPU_CMD_SOFT_RESET;
/** GPU IRQ bit: GPU fault. */
export const GPU_IRQ_FAULT = HW_GPU_IRQ_FAULT;
/** GPU IRQ bit: multiple faults. */
export const GPU_IRQ_MULTIPLE_FAULT = HW_GPU_IRQ_MULTIPLE_FAULT;
/** GPU IRQ bit: reset completed. */
export const GPU_IRQ_RESET_COMPLETED = HW_GPU_IRQ_RESET_COMPLETED;
/** Every GPU IRQ bit. */
export const GPU_IRQ_MASK_ALL = HW_GPU_IRQ_MASK_ALL;

/** Job IRQ raw status. */
export const JOB_INT_RAWSTAT = JOB_CONTROL_BASE + JobControlReg.JOB_INT_RAWSTAT;
/** Job IRQ clear. */
export const JOB_INT_CLEAR = JOB_CONTROL_BASE + JobControlReg.JOB_INT_CLEAR;
/** Job IRQ mask. */
export const JOB_INT_MASK = JOB_CONTROL_BASE + JobControlReg.JOB_INT_MASK;
/** Job IRQ masked status. */
export const JOB_INT_STAT = JOB_CONTROL_BASE + JobControlReg.JOB_INT_STAT;
/** Per-slot active state (bit n: running; bit 16+n: START pending in _NEXT). */
export const JOB_INT_JS_STATE = JOB_CONTROL_BASE + JobControlReg.JOB_INT_JS_STATE;
/** Job IRQ done bit of slot j. */
export const JOB_INT_MASK_DONE = jobIntDone;
/** Job IRQ error bit of slot j. */
export const JOB_INT_MASK_ERR = jobIntErr;

const js =
  (reg: number) =>
  (n: number): number =>
    JOB_CONTROL_BASE + jsRegOffset(n, reg);
/** Job chain tail (low): where a stopped chain resumes. */
export const JS_TAIL_LO = js(JsReg.TAIL_LO);
/** Job chain tail (high). */
export const JS_TAIL_HI = js(JsReg.TAIL_HI);
/** Slot command (stop commands act on the running job). */
export const JS_COMMAND = js(JsReg.COMMAND);
/** Exception code of the slot's last job. */
export const JS_STATUS = js(JsReg.STATUS);
/** Next job chain head (low). */
export const JS_HEAD_NEXT_LO = js(JsReg.HEAD_NEXT_LO);
/** Next job chain head (high). */
export const JS_HEAD_NEXT_HI = js(JsReg.HEAD_NEXT_HI);
/** Next affinity (low). */
export const JS_AFFINITY_NEXT_LO = js(JsReg.AFFINITY_NEXT_LO);
/** Next affinity (high). */
export const JS_AFFINITY_NEXT_HI = js(JsReg.AFFINITY_NEXT_HI);
/** Next slot config. */
export const JS_CONFIG_NEXT = js(JsReg.CONFIG_NEXT);
/** Next command (START). */
export const JS_COMMAND_NEXT = js(JsReg.COMMAND_NEXT);
/** Next flush id. */
export const JS_FLUSH_ID_NEXT = js(JsReg.FLUSH_ID_NEXT);

/** JS_CONFIG: clean+invalidate caches at start. */
export const JS_CONFIG_START_FLUSH_CLEAN_INVALIDATE = JsConfig.START_FLUSH_CLEAN_INVALIDATE;
/** JS_CONFIG: start MMU (HW_ISSUE_10649). */
export const JS_CONFIG_START_MMU = JsConfig.START_MMU;
/** JS_CONFIG: job-chain disambiguation flag. */
export const JS_CONFIG_JOB_CHAIN_FLAG = JsConfig.JOB_CHAIN_FLAG;
/** JS_CONFIG: clean+invalidate caches at end. */
export const JS_CONFIG_END_FLUSH_CLEAN_INVALIDATE = JsConfig.END_FLUSH_CLEAN_INVALIDATE;
/** JS_CONFIG: flush reduction. */
export const JS_CONFIG_ENABLE_FLUSH_REDUCTION = JsConfig.ENABLE_FLUSH_REDUCTION;
/** JS_CONFIG: thread priority field. */
export const JS_CONFIG_THREAD_PRI = (n: number): number => n << JsConfig.THREAD_PRI_SHIFT;

/** JS command: nothing. */
export const JS_COMMAND_NOP = JsCommand.NOP;
/** JS command: start. */
export const JS_COMMAND_START = JsCommand.START;
/** JS command: soft stop. */
export const JS_COMMAND_SOFT_STOP = JsCommand.SOFT_STOP;
/** JS command: hard stop. */
export const JS_COMMAND_HARD_STOP = JsCommand.HARD_STOP;
/** JS command: hard stop of chains with JOB_CHAIN_FLAG = 0. */
export const JS_COMMAND_HARD_STOP_0 = JsCommand.HARD_STOP_0;
/** JS command: hard stop of chains with JOB_CHAIN_FLAG = 1. */
export const JS_COMMAND_HARD_STOP_1 = JsCommand.HARD_STOP_1;

/** MMU IRQ raw status: bit n page fault of AS n, bit 16+n bus error. */
export const MMU_INT_RAWSTAT = HW_MMU_INT_RAWSTAT;
/** MMU IRQ clear. */
export const MMU_INT_CLEAR = HW_MMU_INT_CLEAR;
/** MMU IRQ mask. */
export const MMU_INT_MASK = HW_MMU_INT_MASK;
/** MMU IRQ masked status. */
export const MMU_INT_STAT = HW_MMU_INT_STAT;

const as =
  (reg: number) =>
  (n: number): number =>
    asReg(n, reg);
/** Translation table base (low). */
export const AS_TRANSTAB_LO = as(HW_AS_TRANSTAB_LO);
/** Translation table base (high). */
export const AS_TRANSTAB_HI = as(HW_AS_TRANSTAB_HI);
/** Memory attributes (low). */
export const AS_MEMATTR_LO = as(HW_AS_MEMATTR_LO);
/** Memory attributes (high). */
export const AS_MEMATTR_HI = as(HW_AS_MEMATTR_HI);
/** Lock region address (low). */
export const AS_LOCKADDR_LO = as(HW_AS_LOCKADDR_LO);
/** Lock region address (high). */
export const AS_LOCKADDR_HI = as(HW_AS_LOCKADDR_HI);
/** AS command. */
export const AS_COMMAND = as(HW_AS_COMMAND);
/** Fault status. */
export const AS_FAULTSTATUS = as(HW_AS_FAULTSTATUS);
/** Fault address (low). */
export const AS_FAULTADDRESS_LO = as(HW_AS_FAULTADDRESS_LO);
/** Fault address (high). */
export const AS_FAULTADDRESS_HI = as(HW_AS_FAULTADDRESS_HI);
/** AS status (bit 0: AS_ACTIVE). */
export const AS_STATUS = as(HW_AS_STATUS);
/** Translation config (low). */
export const AS_TRANSCFG_LO = as(HW_AS_TRANSCFG_LO);
/** Translation config (high). */
export const AS_TRANSCFG_HI = as(HW_AS_TRANSCFG_HI);

/** AS command: nothing. */
export const AS_COMMAND_NOP = HW_AS_COMMAND_NOP;
/** AS command: apply TRANSTAB/MEMATTR/TRANSCFG. */
export const AS_COMMAND_UPDATE = HW_AS_COMMAND_UPDATE;
/** AS command: lock the region in LOCKADDR. */
export const AS_COMMAND_LOCK = HW_AS_COMMAND_LOCK;
/** AS command: unlock. */
export const AS_COMMAND_UNLOCK = HW_AS_COMMAND_UNLOCK;
/** AS command: flush page-table caches (TLB) in the locked region. */
export const AS_COMMAND_FLUSH_PT = HW_AS_COMMAND_FLUSH_PT;
/** AS command: flush page-table and data caches in the locked region. */
export const AS_COMMAND_FLUSH_MEM = HW_AS_COMMAND_FLUSH_MEM;
/** AS_STATUS bit: a command is in progress. */
export const AS_STATUS_AS_ACTIVE = HW_AS_STATUS_AS_ACTIVE;
