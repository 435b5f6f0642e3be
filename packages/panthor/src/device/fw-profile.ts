/**
 * What the CSF firmware reports in its shared-memory control blocks (GLB, CSG and CS control
 * interfaces), and the `drm_panthor_csif_info` the driver derives from it. Until the firmware
 * model exists the device uses {@link MALI_G610_FW_PROFILE}; the firmware loader will read the
 * same fields from the real control blocks.
 */
import {
  CSF_UNPRESERVED_REG_COUNT,
  csFeaturesScoreboards,
  csFeaturesWorkRegs,
  MAX_CSGS,
} from "@panmmu/hw";
import type { DrmPanthorCsifInfoArgs } from "@panmmu/uapi";

/** The firmware-reported interface values the driver consumes. */
export interface PanthorFwProfile {
  /** GLB_VERSION: major 31:24, minor 23:16, patch 15:0. */
  readonly version: number;
  /** GLB_FEATURES. */
  readonly features: number;
  /** GLB_INSTR_FEATURES (read when the version is at least 1.1.0). */
  readonly instrFeatures: number;
  /** GLB_GROUP_NUM: CSG slots the firmware exposes (the driver requires 3..31). */
  readonly groupNum: number;
  /** CSG_FEATURES of each CSG slot. */
  readonly csgFeatures: number;
  /** CSG_SUSPEND_SIZE: bytes of a group's normal-mode suspend buffer. */
  readonly suspendSize: number;
  /** CSG_PROTM_SUSPEND_SIZE: bytes of a group's protected-mode suspend buffer. */
  readonly protmSuspendSize: number;
  /** CSG_STREAM_NUM: CS slots per CSG (the driver requires 8..32). */
  readonly streamNum: number;
  /**
   * CS_FEATURES of each CS slot: work registers − 1 in bits 7:0, scoreboard slots in 15:8,
   * COMPUTE/FRAGMENT/TILER capability bits 16..18.
   */
  readonly csFeatures: number;
}

/** Highest CSG priority (MAX_CSG_PRIO); each slot gets a distinct priority, so 16 slots at most. */
export const MAX_CSG_PRIO = 0xf;

/**
 * The CSG slot count the scheduler uses: the firmware's group count, clamped to
 * {@link MAX_CSGS} and to one slot per CSG priority. Mirrors the clamp in panthor_sched_init().
 */
export function csgSlotCount(profile: PanthorFwProfile): number {
  return Math.min(MAX_CSG_PRIO + 1, Math.min(MAX_CSGS, profile.groupNum));
}

/**
 * `drm_panthor_csif_info` from a firmware profile: CSG slots as {@link csgSlotCount}, CS slots
 * from CSG 0's stream count, registers and scoreboards from CS 0's features, and the fixed
 * unpreserved-register count. Mirrors panthor_init_cs_iface() and panthor_sched_init().
 */
export function panthorCsifInfo(profile: PanthorFwProfile): DrmPanthorCsifInfoArgs {
  return {
    csg_slot_count: csgSlotCount(profile),
    cs_slot_count: profile.streamNum,
    cs_reg_count: csFeaturesWorkRegs(profile.csFeatures),
    scoreboard_slot_count: csFeaturesScoreboards(profile.csFeatures),
    unpreserved_cs_reg_count: CSF_UNPRESERVED_REG_COUNT,
    pad: 0,
  };
}

/**
 * The firmware profile of a Mali-G610 (RK3588, `mali_csffw.bin` for arch 10.8). Version 1.1.0,
 * features 0 and instrumentation features 0x71 are what panthor logs on real boards ("CSF FW
 * using interface v1.1.0, Features 0x0 Instrumentation features 0x71"); 96 work registers
 * (CS_FEATURES 7:0 = 0x5f) and 4 unpreserved ones match what Mesa sees there. The group and
 * stream counts (8 each), 8 scoreboards and the 8 KiB suspend sizes are the values of the
 * panmmu specification (research/panthor.md §3.2.3), not read from a board.
 */
export const MALI_G610_FW_PROFILE: PanthorFwProfile = {
  version: 0x0101_0000,
  features: 0x0,
  instrFeatures: 0x71,
  groupNum: 8,
  csgFeatures: 0x0,
  suspendSize: 0x2000,
  protmSuspendSize: 0x2000,
  streamNum: 8,
  csFeatures: 0x0007_085f,
};
