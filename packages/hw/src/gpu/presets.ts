/**
 * GPU presets: the identity and feature registers of a few real Mali GPUs. Per-model figures the
 * kernel reads at run time and does not tabulate (AS count, VA/PA bits, core masks, feature
 * words) are chosen values, documented here: 8 address spaces, 48-bit VA and 40-bit PA, small
 * core counts.
 *
 * Product ids: `t860`, `g52` and `g57` read the keys of the kernel's model table
 * (golden/regs/gpu-models.json). For Bifrost and later those keys are masked ids (0xf00f) that
 * no chip reports: real chips carry more product bits (e.g. 0x7212 or 0x7402 for a G52), which is
 * what GET_PARAM(GPU_PROD_ID) returns and what userspace (Mesa) matches its model table against.
 * The `g52-7212`, `g52-7402`, `g57-9091` and `g57-9093` presets read such real ids; the driver
 * masks them as the kernel does and treats them like `g52` / `g57`.
 */
import { CSF_GPU_REGS, JM_GPU_REGS } from "../regs/gpu-control-offsets.js";

/** Names of the built-in presets. */
export type GpuPresetName =
  | "t860"
  | "g52"
  | "g52-7212"
  | "g52-7402"
  | "g57"
  | "g57-9091"
  | "g57-9093"
  | "g610";

/** Architecture family of a preset. */
export type GpuFamily = "Midgard" | "Bifrost" | "Valhall";

/** A GPU model: what its identification registers read and which MMU features it has. */
export interface GpuPreset {
  /** Preset key. */
  readonly key: string;
  /** Marketing name, e.g. "Mali-G52". */
  readonly name: string;
  /** Architecture family. */
  readonly family: GpuFamily;
  /** Whether the GPU uses a Command Stream Frontend (panthor) rather than a Job Manager (panfrost). */
  readonly csf: boolean;
  /** GPU_ID register value. */
  readonly gpuId: number;
  /** Virtual address bits (GPU_MMU_FEATURES[7:0]). */
  readonly vaBits: number;
  /** Physical address bits (GPU_MMU_FEATURES[15:8]). */
  readonly paBits: number;
  /** GPU_AS_PRESENT. */
  readonly asPresent: number;
  /** GPU_JS_PRESENT (0 on CSF GPUs, where the offset holds GPU_CSF_ID). */
  readonly jsPresent: number;
  /**
   * Whether the MMU implements the AArch64 4 KiB table format (TRANSCFG ADRMODE_AARCH64_4K), as
   * the kernel's HW_FEATURE_AARCH64_MMU says for the model. AS_TRANSCFG itself exists on every
   * non-Midgard GPU.
   */
  readonly aarch64Mmu: boolean;
  /** Other read-only identification registers: offset → value. */
  readonly idRegisters: Readonly<Record<number, number>>;
}

const J = JM_GPU_REGS;
const C = CSF_GPU_REGS;

function jmIdRegs(
  shaderPresent: number,
  stackPresent: number,
  l2Features: number,
): Record<number, number> {
  const regs: Record<number, number> = {};
  // Every JS_FEATURES / TEXTURE_FEATURES slot exists; the ones below are the populated ones.
  for (let n = 0; n < 16; n++) regs[J.GPU_JS_FEATURES_BASE + 4 * n] = 0;
  for (let n = 0; n < 4; n++) regs[J.GPU_TEXTURE_FEATURES_BASE + 4 * n] = 0;
  return {
    ...regs,
    [J.GPU_AFBC_FEATURES]: 0x0,
    [J.GPU_L2_FEATURES]: l2Features,
    [J.GPU_CORE_FEATURES]: 0x0,
    [J.GPU_TILER_FEATURES]: 0x809,
    [J.GPU_MEM_FEATURES]: 0x1,
    [J.GPU_THREAD_MAX_THREADS]: 0x100,
    [J.GPU_THREAD_MAX_WORKGROUP_SIZE]: 0x100,
    [J.GPU_THREAD_MAX_BARRIER_SIZE]: 0x100,
    [J.GPU_THREAD_FEATURES]: 0x0a040400,
    [J.GPU_TEXTURE_FEATURES_BASE]: 0x00fe001e,
    [J.GPU_TEXTURE_FEATURES_BASE + 4]: 0x0000ffff,
    [J.GPU_TEXTURE_FEATURES_BASE + 8]: 0x9f81ffff,
    [J.GPU_JS_FEATURES_BASE]: 0x20e,
    [J.GPU_JS_FEATURES_BASE + 4]: 0x1fe,
    [J.GPU_JS_FEATURES_BASE + 8]: 0x7e,
    [J.GPU_SHADER_PRESENT_LO]: shaderPresent,
    [J.GPU_TILER_PRESENT_LO]: 0x1,
    [J.GPU_L2_PRESENT_LO]: 0x1,
    [J.GPU_STACK_PRESENT_LO]: stackPresent,
    [J.GPU_COHERENCY_FEATURES]: 0x1,
    [J.GPU_THREAD_TLS_ALLOC]: 0x0,
  };
}

/** Mali-T860 (Midgard, Job Manager; product id 0x860), revision r2p0. LPAE-only MMU. */
export const MALI_T860: GpuPreset = {
  key: "t860",
  name: "Mali-T860",
  family: "Midgard",
  csf: false,
  gpuId: 0x08602000,
  vaBits: 48,
  paBits: 40,
  asPresent: 0xff,
  jsPresent: 0x7,
  aarch64Mmu: false,
  idRegisters: jmIdRegs(0xf, 0x0, 0x07120206),
};

/**
 * Mali-G52 (Bifrost, Job Manager; product id 0x7002), revision r1p0. The kernel's model table
 * (panfrost_features.h `hw_features_g52`, golden gpu-models.json) gives it no
 * HW_FEATURE_AARCH64_MMU, so the preset has the Mali LPAE format only; TRANSCFG exists (as on
 * every Bifrost GPU) for its legacy, unmapped and identity modes.
 */
export const MALI_G52: GpuPreset = {
  key: "g52",
  name: "Mali-G52",
  family: "Bifrost",
  csf: false,
  gpuId: 0x70021000,
  vaBits: 48,
  paBits: 40,
  asPresent: 0xff,
  jsPresent: 0x7,
  aarch64Mmu: false,
  idRegisters: jmIdRegs(0x3, 0x1, 0x07120206),
};

/** Mali-G57 (Valhall, Job Manager; product id 0x9001), revision r0p0. LPAE and AArch64 MMU modes. */
export const MALI_G57: GpuPreset = {
  key: "g57",
  name: "Mali-G57",
  family: "Valhall",
  csf: false,
  gpuId: 0x90010000,
  vaBits: 48,
  paBits: 40,
  asPresent: 0xff,
  jsPresent: 0x7,
  aarch64Mmu: true,
  idRegisters: jmIdRegs(0x5, 0x3, 0x07120206),
};

/**
 * A Mali-G52 reading product id 0x7212 (GPU_ID 0x72120000, r0p0): the same GPU as {@link MALI_G52}
 * with a real chip's id, which the kernel masks to model 0x7002.
 */
export const MALI_G52_7212: GpuPreset = { ...MALI_G52, key: "g52-7212", gpuId: 0x72120000 };

/**
 * A Mali-G52 reading product id 0x7402 (GPU_ID 0x74021000, r1p0): the same GPU as {@link MALI_G52}
 * with a real chip's id, which the kernel masks to model 0x7002.
 */
export const MALI_G52_7402: GpuPreset = { ...MALI_G52, key: "g52-7402", gpuId: 0x74021000 };

/**
 * A Mali-G57 reading product id 0x9091 (GPU_ID 0x90910000, r0p0): the same GPU as {@link MALI_G57}
 * with a real chip's id, which the kernel masks to model 0x9001.
 */
export const MALI_G57_9091: GpuPreset = { ...MALI_G57, key: "g57-9091", gpuId: 0x90910000 };

/**
 * A Mali-G57 reading product id 0x9093 (GPU_ID 0x90930000, r0p0): the same GPU as {@link MALI_G57}
 * with a real chip's id, which the kernel masks to model 0x9003 (also a G57).
 */
export const MALI_G57_9093: GpuPreset = { ...MALI_G57, key: "g57-9093", gpuId: 0x90930000 };

/**
 * Mali-G610 (Valhall, CSF; arch major 10, product major 7 → panthor's "Mali-G610"), as on RK3588
 * boards. AArch64-only MMU; AS 0 is the firmware's in panthor.
 *
 * Values read from a real RK3588 G610 (panthor's probe log "mali-g610 id 0xa867 major 0x0 minor
 * 0x0 status 0x5 / Features: L2:0x7120306 Tiler:0x809 Mem:0x301 MMU:0x2830 AS:0xff /
 * shader_present=0x50005 l2_present=0x1 tiler_present=0x1", and register captures of the same
 * chip: CSF_ID 0x040a0412, THREAD_* and TEXTURE_FEATURES_0 below, REVID 0, CORE_FEATURES 0).
 * GPU_FEATURES exists from arch 11 on and reads 0 here. COHERENCY_FEATURES is a chosen value
 * (ACE-Lite advertised, so a coherent platform can select it); the RK3588 integration is
 * non-coherent either way.
 */
export const MALI_G610: GpuPreset = {
  key: "g610",
  name: "Mali-G610",
  family: "Valhall",
  csf: true,
  gpuId: 0xa8670005,
  vaBits: 48,
  paBits: 40,
  asPresent: 0xff,
  jsPresent: 0x0,
  aarch64Mmu: true,
  idRegisters: {
    [C.GPU_L2_FEATURES]: 0x07120306,
    [C.GPU_CORE_FEATURES]: 0x0,
    [C.GPU_TILER_FEATURES]: 0x809,
    [C.GPU_MEM_FEATURES]: 0x301,
    [C.GPU_CSF_ID]: 0x040a0412,
    [C.GPU_FEATURES]: 0x0,
    [C.GPU_THREAD_MAX_THREADS]: 0x800,
    [C.GPU_THREAD_MAX_WORKGROUP_SIZE]: 0x400,
    [C.GPU_THREAD_MAX_BARRIER_SIZE]: 0x400,
    [C.GPU_THREAD_FEATURES]: 0x04010000,
    [C.GPU_FEATURES + 4]: 0x0,
    [C.GPU_TEXTURE_FEATURES_BASE]: 0xc1ffff9e,
    [C.GPU_TEXTURE_FEATURES_BASE + 4]: 0x0,
    [C.GPU_TEXTURE_FEATURES_BASE + 8]: 0x0,
    [C.GPU_TEXTURE_FEATURES_BASE + 12]: 0x0,
    [C.GPU_SHADER_PRESENT]: 0x50005,
    [C.GPU_TILER_PRESENT]: 0x1,
    [C.GPU_L2_PRESENT]: 0x1,
    [C.GPU_REVID]: 0x0,
    [C.GPU_COHERENCY_FEATURES]: 0x1,
  },
};

/** The built-in presets by key. */
export const GPU_PRESETS: Readonly<Record<GpuPresetName, GpuPreset>> = {
  t860: MALI_T860,
  g52: MALI_G52,
  "g52-7212": MALI_G52_7212,
  "g52-7402": MALI_G52_7402,
  g57: MALI_G57,
  "g57-9091": MALI_G57_9091,
  "g57-9093": MALI_G57_9093,
  g610: MALI_G610,
};

/** GPU_MMU_FEATURES value of a preset (VA bits | PA bits << 8). */
export function mmuFeaturesOf(p: GpuPreset): number {
  return (p.vaBits & 0xff) | ((p.paBits & 0xff) << 8);
}

/**
 * Product id of a preset (GPU_ID >> 16), as GET_PARAM(GPU_PROD_ID) reports it (for the real-id
 * presets the kernel's model key is this id masked with 0xf00f).
 */
export function productIdOf(p: GpuPreset): number {
  return p.gpuId >>> 16;
}
