/**
 * What the simulated CSF firmware reports about itself and where it places its interface
 * blocks in the shared section (the driver discovers both through the control blocks).
 */
import { csfIfaceVersion } from "../iface-macros.js";

/** The firmware's self-description. */
export interface CsfFirmwareProfile {
  /** GLB_VERSION (packed major.minor.patch; must be non-zero). */
  readonly version: number;
  /** GLB_FEATURES. */
  readonly features: number;
  /** CSG slots (GLB_GROUP_NUM; the driver accepts 3..31). */
  readonly groupNum: number;
  /** Command streams per group (CSG_STREAM_NUM; the driver accepts 8..32). */
  readonly streamNum: number;
  /** CS_FEATURES of every stream (work registers − 1, scoreboards, COMPUTE/FRAGMENT/TILER). */
  readonly csFeatures: number;
  /** CSG_FEATURES. */
  readonly csgFeatures: number;
  /** CSG_SUSPEND_SIZE. */
  readonly suspendSize: number;
  /** CSG_PROTM_SUSPEND_SIZE. */
  readonly protmSuspendSize: number;
  /** GLB_PERFCNT_SIZE. */
  readonly perfcntSize: number;
  /** GLB_INSTR_FEATURES (read by drivers from version 1.1.0). */
  readonly instrFeatures: number;
}

/** The profile of the Mali-G610's firmware the model stands for: 8 groups of 8 streams, 96 registers, 8 scoreboards. */
export const CSF_G610_FIRMWARE: Readonly<CsfFirmwareProfile> = Object.freeze({
  version: csfIfaceVersion(1, 1, 0),
  features: 0,
  groupNum: 8,
  streamNum: 8,
  csFeatures: 0x0007_085f,
  csgFeatures: 0,
  suspendSize: 0x2000,
  protmSuspendSize: 0x2000,
  perfcntSize: 0,
  instrFeatures: 0,
});

/** MCU VA of the shared section the interface lives in. */
export const CSF_SHARED_SECTION_VA = 0x0400_0000;
/** Offsets in the shared section: the global control block. */
export const FW_GLB_CONTROL = 0x0;
/** The global input block. */
export const FW_GLB_INPUT = 0x100;
/** The global output block. */
export const FW_GLB_OUTPUT = 0x200;
/** Spacing of stream control blocks in a group page (they start at CSF_STREAM_CONTROL_OFFSET). */
export const FW_STREAM_STRIDE = 0x10;
/** Spacing of stream input blocks. */
export const FW_CS_INPUT_STRIDE = 0x80;
/** Spacing of stream output blocks. */
export const FW_CS_OUTPUT_STRIDE = 0x100;

/** Where the firmware places a group's blocks in its page, for a number of streams. */
export interface CsfIfaceLayout {
  /** Bytes between group pages (GLB_GROUP_STRIDE). */
  readonly groupStride: number;
  /** The group's input block, from its page. */
  readonly csgInput: number;
  /** The group's output block, from its page. */
  readonly csgOutput: number;
  /** Stream 0's input block, from the group's page (stream j at + j·FW_CS_INPUT_STRIDE). */
  readonly csInput: number;
  /** Stream 0's output block, from the group's page (stream j at + j·FW_CS_OUTPUT_STRIDE). */
  readonly csOutput: number;
}

const roundUp = (v: number, a: number): number => Math.ceil(v / a) * a;

/**
 * The layout for `profile`: with up to 8 streams a group page is 4 KiB — stream control blocks
 * at 0x40 + j·0x10, group input at 0x100, output at 0x200, stream inputs at 0x400 + j·0x80,
 * outputs at 0x800 + j·0x100; more streams push the blocks apart and the page grows in 4 KiB
 * steps (32 streams: 16 KiB), so no two blocks ever overlap.
 */
export function csfIfaceLayout(profile: CsfFirmwareProfile): CsfIfaceLayout {
  const n = Math.max(0, profile.streamNum);
  const csgInput = Math.max(0x100, roundUp(0x40 + n * FW_STREAM_STRIDE, 0x100));
  const csgOutput = csgInput + 0x100;
  const csInput = Math.max(0x400, csgOutput + 0x100);
  const csOutput = Math.max(0x800, roundUp(csInput + n * FW_CS_INPUT_STRIDE, 0x100));
  const groupStride = Math.max(0x1000, roundUp(csOutput + n * FW_CS_OUTPUT_STRIDE, 0x1000));
  return { groupStride, csgInput, csgOutput, csInput, csOutput };
}

/** Bytes of the shared section the interface of `profile` needs. */
export function sharedSectionBytes(profile: CsfFirmwareProfile): number {
  return 0x1000 + profile.groupNum * csfIfaceLayout(profile).groupStride;
}
