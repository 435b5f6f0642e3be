/**
 * The function-like macros of the CSF firmware interface (panthor_fw.h, panthor_fw.c,
 * panthor_regs.h): field extraction and packing, doorbell and interrupt positions, and the
 * request-word updates of the req/ack protocol. Each says which macro it mirrors; the field
 * forms are checked against the kernel's measured behaviour in `golden/regs/panthor-fw.json`.
 */

/** Registers a stream has: features bits 7:0, plus one. Mirrors CS_FEATURES_WORK_REGS(). */
export function csFeaturesWorkRegs(features: number): number {
  return (features & 0xff) + 1;
}

/** Scoreboard slots a stream has: features bits 15:8. Mirrors CS_FEATURES_SCOREBOARDS(). */
export function csFeaturesScoreboards(features: number): number {
  return (features >>> 8) & 0xff;
}

/** A stream's priority in its config word (bits 3:0). Mirrors CS_CONFIG_PRIORITY(). */
export function csConfigPriority(priority: number): number {
  return priority & 0xf;
}

/** A stream's doorbell in its config word (bits 15:8). Mirrors CS_CONFIG_DOORBELL(). */
export function csConfigDoorbell(doorbell: number): number {
  return (doorbell & 0xff) << 8;
}

/** The exception type of a fault/fatal word (bits 7:0). Mirrors CS_EXCEPTION_TYPE(). */
export function csExceptionType(word: number): number {
  return word & 0xff;
}

/** The exception data of a fault/fatal word (bits 31:8). Mirrors CS_EXCEPTION_DATA(). */
export function csExceptionData(word: number): number {
  return (word >>> 8) & 0xff_ffff;
}

/** Compute cores in endpoint_req (bits 7:0). Mirrors CSG_EP_REQ_COMPUTE(). */
export function csgEpReqCompute(cores: number): number {
  return cores & 0xff;
}

/** Fragment cores in endpoint_req (bits 15:8). Mirrors CSG_EP_REQ_FRAGMENT(). */
export function csgEpReqFragment(cores: number): number {
  return (cores & 0xff) << 8;
}

/** Tiler units in endpoint_req (bits 19:16). Mirrors CSG_EP_REQ_TILER(). */
export function csgEpReqTiler(units: number): number {
  return (units & 0xf) << 16;
}

/** Priority in endpoint_req (bits 31:28). Mirrors CSG_EP_REQ_PRIORITY(). */
export function csgEpReqPriority(priority: number): number {
  return ((priority & 0xf) << 28) >>> 0;
}

/** The priority of an endpoint_req word. Mirrors CSG_EP_REQ_PRIORITY_GET(). */
export function csgEpReqPriorityGet(word: number): number {
  return (word >>> 28) & 0xf;
}

/** A global state in the GLB req/ack word (bits 14:12). Mirrors GLB_STATE(). */
export function glbState(state: number): number {
  return (state & 0x7) << 12;
}

/** The global state of a GLB req/ack word. Mirrors GLB_STATE_GET(). */
export function glbStateGet(word: number): number {
  return (word >>> 12) & 0x7;
}

/** A timer value field (bits 30:0). Mirrors GLB_TIMER_VAL(). */
export function glbTimerVal(value: number): number {
  return value & 0x7fff_ffff;
}

/** The type of an image entry header (bits 7:0). Mirrors CSF_FW_BINARY_ENTRY_TYPE(). */
export function csfFwBinaryEntryType(ehdr: number): number {
  return ehdr & 0xff;
}

/** The size in bytes of an image entry (bits 15:8). Mirrors CSF_FW_BINARY_ENTRY_SIZE(). */
export function csfFwBinaryEntrySize(ehdr: number): number {
  return (ehdr >>> 8) & 0xff;
}

/** A packed interface version: major 31:24, minor 23:16, patch 15:0. Mirrors CSF_IFACE_VERSION(). */
export function csfIfaceVersion(major: number, minor: number, patch: number): number {
  return (((major & 0xff) << 24) | ((minor & 0xff) << 16) | (patch & 0xffff)) >>> 0;
}

/** Major of a packed interface version. Mirrors CSF_IFACE_VERSION_MAJOR(). */
export function csfIfaceVersionMajor(v: number): number {
  return (v >>> 24) & 0xff;
}

/** Minor of a packed interface version. Mirrors CSF_IFACE_VERSION_MINOR(). */
export function csfIfaceVersionMinor(v: number): number {
  return (v >>> 16) & 0xff;
}

/** Patch of a packed interface version. Mirrors CSF_IFACE_VERSION_PATCH(). */
export function csfIfaceVersionPatch(v: number): number {
  return v & 0xffff;
}

/** Architecture major of a GPU_ID (bits 31:28). Mirrors GPU_ARCH_MAJOR(). */
export function gpuArchMajor(gpuId: number): number {
  return (gpuId >>> 28) & 0xf;
}

/** Architecture minor of a GPU_ID (bits 27:24). Mirrors GPU_ARCH_MINOR(). */
export function gpuArchMinor(gpuId: number): number {
  return (gpuId >>> 24) & 0xf;
}

/** The JOB_IRQ bit of CSG slot `slot`. Mirrors JOB_INT_CSG_IF(). */
export function jobIntCsgIf(slot: number): number {
  return (1 << slot) >>> 0;
}

/** Register offset of doorbell `n`'s page (doorbell 0 is the global one). Mirrors CSF_DOORBELL(). */
export function csfDoorbell(n: number): number {
  return 0x8_0000 + n * 0x1_0000;
}

/**
 * The req word that raises the events in `mask`: each masked bit set to the opposite of the
 * firmware's ack bit, the other bits of `req` kept. Mirrors panthor_fw_toggle_reqs().
 */
export function fwToggleReqs(req: number, ack: number, mask: number): number {
  return (((ack ^ mask) & mask) | (req & ~mask)) >>> 0;
}

/**
 * The req word with the configuration bits under `mask` set to `value`'s, the other bits kept.
 * Mirrors panthor_fw_update_reqs().
 */
export function fwUpdateReqs(req: number, value: number, mask: number): number {
  return ((req & ~mask) | (value & mask)) >>> 0;
}

/** {@link fwUpdateReqs} of a 64-bit word (endpoint_req2). Mirrors panthor_fw_update_reqs64(). */
export function fwUpdateReqs64(req: bigint, value: bigint, mask: bigint): bigint {
  return (req & ~mask) | (value & mask);
}

/** Whether every request bit under `mask` was acknowledged (req and ack agree there). */
export function fwReqsAcked(req: number, ack: number, mask: number): boolean {
  return ((req ^ ack) & mask) === 0;
}
