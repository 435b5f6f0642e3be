export {
  CsfFirmware,
  type CsfFirmwareHost,
  CsfFirmwareState,
  type CsfFirmwareTiming,
  type CsfGlobalConfig,
  DEFAULT_CSF_FIRMWARE_TIMING,
} from "./firmware.js";
export { CsfGroupBase, type FwGroupIo, type TilerOomCounters } from "./fw-group-base.js";
export { CsfGroupSlot } from "./fw-groups.js";
export * from "./fw-profile.js";
export * from "./image.js";
export { MCU_AS, MCU_SOURCE_ID, McuMemory } from "./mcu-memory.js";
