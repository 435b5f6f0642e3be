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
/** Offsets in the shared section: the global blocks. */
export const FW_GLB_CONTROL = 0x0;
/** The global input block. */
export const FW_GLB_INPUT = 0x100;
/** The global output block. */
export const FW_GLB_OUTPUT = 0x200;
/** Group i's page: CSF_GROUP_CONTROL_OFFSET + i * FW_GROUP_STRIDE. */
export const FW_GROUP_STRIDE = 0x1000;
/** Stream j's control block in its group page: CSF_STREAM_CONTROL_OFFSET + j * FW_STREAM_STRIDE. */
export const FW_STREAM_STRIDE = 0x10;
/** A group's input block, in its page. */
export const FW_CSG_INPUT = 0x100;
/** A group's output block, in its page. */
export const FW_CSG_OUTPUT = 0x200;
/** Stream j's input block in its group page: FW_CS_INPUT + j * FW_CS_INPUT_STRIDE. */
export const FW_CS_INPUT = 0x400;
/** Spacing of stream input blocks. */
export const FW_CS_INPUT_STRIDE = 0x80;
/** Stream j's output block in its group page: FW_CS_OUTPUT + j * FW_CS_OUTPUT_STRIDE. */
export const FW_CS_OUTPUT = 0x800;
/** Spacing of stream output blocks. */
export const FW_CS_OUTPUT_STRIDE = 0x100;

/** Bytes of the shared section the interface of `profile` needs. */
export function sharedSectionBytes(profile: CsfFirmwareProfile): number {
  return 0x1000 + profile.groupNum * FW_GROUP_STRIDE;
}
