/**
 * The firmware's shared-memory interface as the driver finds it after boot: the global, CSG
 * and CS blocks, located through the control blocks the firmware wrote into the shared
 * section and reached through the section's CPU mapping, checked the way the kernel checks
 * them (version, block VAs inside the shared section, group and stream counts, identical
 * slots).
 */

import type { ShmemCpuView } from "@panmmu/drm";
import {
  CSF_CS_CONTROL,
  CSF_CSG_CONTROL,
  CSF_GLB_CONTROL,
  CSF_GROUP_CONTROL_OFFSET,
  CSF_STREAM_CONTROL_OFFSET,
  MAX_CS_PER_CSG,
  MAX_CSGS,
  MIN_CS_PER_CSG,
  MIN_CSGS,
  PanthorFwCsgInputIface,
  PanthorFwCsgOutputIface,
  PanthorFwCsInputIface,
  PanthorFwCsOutputIface,
  PanthorFwGlobalInputIface,
  PanthorFwGlobalOutputIface,
} from "@panmmu/hw";
import { EINVAL } from "@panmmu/uapi";
import type { PanthorFwProfile } from "../device/fw-profile.js";
import type { PanthorKernelBo } from "../gem/kernel-bo.js";

/**
 * `sizeof(struct panthor_fw_csg_iface)` and `sizeof(struct panthor_fw_cs_iface)` on arm64
 * (a spinlock and three pointers): the kernel checks a control block's offset against the
 * shared section's size with these CPU-side sizes.
 */
export const FW_SLOT_IFACE_SIZEOF = 32;

/** One block of the interface: 32-bit fields at byte offsets, through the shared section's CPU mapping. */
export class FwBlock {
  /**
   * @param kmap - the shared section's CPU mapping.
   * @param offset - the block's offset in the section.
   */
  constructor(
    private readonly kmap: ShmemCpuView,
    readonly offset: number,
  ) {}

  /** The field at byte `field` of the block. */
  read(field: number): number {
    return this.kmap.readU32(this.offset + field);
  }

  /** Writes the field at byte `field` of the block. */
  write(field: number, value: number): void {
    this.kmap.writeU32(this.offset + field, value >>> 0);
  }
}

/** A control block and the input/output blocks it points to. Mirrors `struct panthor_fw_{global,csg,cs}_iface`. */
export interface FwIfaceBlocks {
  /** The control block (read-only to the driver). */
  readonly control: FwBlock;
  /** The input block (written by the driver). */
  readonly input: FwBlock;
  /** The output block (written by the firmware). */
  readonly output: FwBlock;
}

/** The interface found at boot. Mirrors `struct panthor_fw_iface`. */
export interface PanthorFwIface {
  /** The global interface. */
  readonly global: FwIfaceBlocks;
  /** The CSG slot interfaces. */
  readonly groups: readonly FwIfaceBlocks[];
  /** The CS slot interfaces, per CSG slot. */
  readonly streams: readonly (readonly FwIfaceBlocks[])[];
  /** What the control blocks report, as the profile DEV_QUERY's CSIF info is made from. */
  readonly profile: PanthorFwProfile;
}

/**
 * The offset in the shared section of the `size`-byte object at MCU VA `mcuVa`, or -1 when it
 * does not lie inside the section. Mirrors iface_fw_to_cpu_addr().
 */
export function ifaceFwToCpuOffset(shared: PanthorKernelBo, mcuVa: number, size: number): number {
  const start = shared.gpuVa;
  const total = shared.size;
  if (mcuVa < start) return -1;
  const offset = mcuVa - start;
  if (offset > total || size > total - offset) return -1;
  return offset;
}

/**
 * The control block at `offset` and the input/output blocks its `input_va`/`output_va`
 * fields (at `vaFields`) point to, or null when either is not inside the shared section.
 */
function resolveBlocks(
  shared: PanthorKernelBo,
  kmap: ShmemCpuView,
  offset: number,
  vaFields: readonly [number, number],
  sizes: readonly [number, number],
): FwIfaceBlocks | null {
  const control = new FwBlock(kmap, offset);
  const input = ifaceFwToCpuOffset(shared, control.read(vaFields[0]), sizes[0]);
  const output = ifaceFwToCpuOffset(shared, control.read(vaFields[1]), sizes[1]);
  if (input < 0 || output < 0) return null;
  return { control, input: new FwBlock(kmap, input), output: new FwBlock(kmap, output) };
}

/** Whether two CSG control blocks describe identical slots. Mirrors compare_csg(). */
function sameCsg(a: FwBlock, b: FwBlock): boolean {
  const C = CSF_CSG_CONTROL;
  return (
    a.read(C.features) === b.read(C.features) &&
    a.read(C.suspend_size) === b.read(C.suspend_size) &&
    a.read(C.protm_suspend_size) === b.read(C.protm_suspend_size) &&
    a.read(C.stream_num) === b.read(C.stream_num)
  );
}

/**
 * Finds and checks the interface the firmware published in `shared` (vmapped): a non-zero
 * version, the global blocks inside the section, 3..31 CSG slots each inside the section
 * with 8..32 identical CS slots, every CSG slot like the first and every CS slot like the
 * first. Returns the interface or -EINVAL. Mirrors panthor_fw_init_ifaces(),
 * panthor_init_csg_iface() and panthor_init_cs_iface().
 */
export function panthorFwInitIfaces(shared: PanthorKernelBo): PanthorFwIface | number {
  const kmap = shared.kmap;
  if (kmap === null) return -EINVAL;
  const G = CSF_GLB_CONTROL;
  const glbControl = new FwBlock(kmap, 0);
  const version = glbControl.read(G.version);
  if (version === 0) return -EINVAL;
  const global = resolveBlocks(
    shared,
    kmap,
    0,
    [G.input_va, G.output_va],
    [PanthorFwGlobalInputIface.size, PanthorFwGlobalOutputIface.size],
  );
  if (global === null) return -EINVAL;
  const groupNum = glbControl.read(G.group_num);
  if (groupNum > MAX_CSGS || groupNum < MIN_CSGS) return -EINVAL;
  const groupStride = glbControl.read(G.group_stride);
  const sharedSize = shared.size;
  const groups: FwIfaceBlocks[] = [];
  const streams: FwIfaceBlocks[][] = [];
  let firstCs: FwIfaceBlocks | null = null;
  for (let g = 0; g < groupNum; g++) {
    const csgOffset = CSF_GROUP_CONTROL_OFFSET + g * groupStride;
    if (csgOffset + FW_SLOT_IFACE_SIZEOF >= sharedSize) return -EINVAL;
    const csgControl = new FwBlock(kmap, csgOffset);
    const streamNum = csgControl.read(CSF_CSG_CONTROL.stream_num);
    const csg = resolveBlocks(
      shared,
      kmap,
      csgOffset,
      [CSF_CSG_CONTROL.input_va, CSF_CSG_CONTROL.output_va],
      [PanthorFwCsgInputIface.size, PanthorFwCsgOutputIface.size],
    );
    if (streamNum < MIN_CS_PER_CSG || streamNum > MAX_CS_PER_CSG) return -EINVAL;
    if (csg === null) return -EINVAL;
    if (g > 0 && !sameCsg((groups[0] as FwIfaceBlocks).control, csg.control)) return -EINVAL;
    const streamStride = csgControl.read(CSF_CSG_CONTROL.stream_stride);
    const css: FwIfaceBlocks[] = [];
    for (let j = 0; j < streamNum; j++) {
      const csOffset = csgOffset + CSF_STREAM_CONTROL_OFFSET + j * streamStride;
      if (csOffset + FW_SLOT_IFACE_SIZEOF >= sharedSize) return -EINVAL;
      const cs = resolveBlocks(
        shared,
        kmap,
        csOffset,
        [CSF_CS_CONTROL.input_va, CSF_CS_CONTROL.output_va],
        [PanthorFwCsInputIface.size, PanthorFwCsOutputIface.size],
      );
      if (cs === null) return -EINVAL;
      firstCs ??= cs;
      const features = cs.control.read(CSF_CS_CONTROL.features);
      if (features !== firstCs.control.read(CSF_CS_CONTROL.features)) return -EINVAL;
      css.push(cs);
    }
    groups.push(csg);
    streams.push(css);
  }
  const csg0 = (groups[0] as FwIfaceBlocks).control;
  if (firstCs === null) return -EINVAL; // unreachable: at least 3 groups of 8 streams
  const cs0 = firstCs.control;
  const profile: PanthorFwProfile = {
    version,
    features: glbControl.read(G.features),
    // GLB_INSTR_FEATURES exists from interface 1.1.0 (panthor_get_instr_features()).
    instrFeatures: version >= 0x0101_0000 ? glbControl.read(G.instr_features) : 0,
    groupNum,
    csgFeatures: csg0.read(CSF_CSG_CONTROL.features),
    suspendSize: csg0.read(CSF_CSG_CONTROL.suspend_size),
    protmSuspendSize: csg0.read(CSF_CSG_CONTROL.protm_suspend_size),
    streamNum: csg0.read(CSF_CSG_CONTROL.stream_num),
    csFeatures: cs0.read(CSF_CS_CONTROL.features),
  };
  return { global, groups, streams, profile };
}

/**
 * Sets the `mask` bits of the request word at `field` of `input` to `value`.
 * Mirrors panthor_fw_update_reqs().
 */
export function fwUpdateBlockReqs(
  input: FwBlock,
  field: number,
  value: number,
  mask: number,
): void {
  const req = input.read(field);
  input.write(field, ((req & ~mask) | (value & mask)) >>> 0);
}

/**
 * Toggles the `mask` bits of the request word at `inField` of `input` against the ack word at
 * `outField` of `output`: each becomes the opposite of its ack. Mirrors panthor_fw_toggle_reqs().
 */
export function fwToggleBlockReqs(
  input: FwBlock,
  inField: number,
  output: FwBlock,
  outField: number,
  mask: number,
): void {
  const req = input.read(inField);
  const ack = output.read(outField);
  input.write(inField, ((req & ~mask) | ((ack ^ mask) & mask)) >>> 0);
}
