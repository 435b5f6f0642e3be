/**
 * The CSF firmware's shared-memory interface and firmware-image records, as laid out by the
 * firmware and read by panthor (panthor_fw.h): one struct description per block, so offsets,
 * sizes and alignment come from a single table checked against the kernel's own layout
 * (`golden/regs/panthor-fw.json`). Hot paths use the offset tables derived from them
 * ({@link CSF_GLB_INPUT} and the like).
 */
import {
  array,
  defineStruct,
  type FieldsDesc,
  type StructType,
  u8,
  u16,
  u32,
  u64,
} from "@panmmu/uapi";

/** `struct panthor_fw_ringbuf_input_iface`: a queue's ring pointers the host writes. */
export const PanthorFwRingbufInputIface = defineStruct("panthor_fw_ringbuf_input_iface", {
  insert: [0x0, u64],
  extract: [0x8, u64],
});

/** `struct panthor_fw_ringbuf_output_iface`: a queue's ring pointers the firmware writes. */
export const PanthorFwRingbufOutputIface = defineStruct("panthor_fw_ringbuf_output_iface", {
  extract: [0x0, u64],
  active: [0x8, u32],
});

/** `struct panthor_fw_cs_control_iface`: a command stream's capabilities and block addresses. */
export const PanthorFwCsControlIface = defineStruct("panthor_fw_cs_control_iface", {
  features: [0x0, u32],
  input_va: [0x4, u32],
  output_va: [0x8, u32],
});

/** `struct panthor_fw_cs_input_iface`: host → firmware, per command stream. */
export const PanthorFwCsInputIface = defineStruct("panthor_fw_cs_input_iface", {
  req: [0x0, u32],
  config: [0x4, u32],
  reserved1: [0x8, u32],
  ack_irq_mask: [0xc, u32],
  ringbuf_base: [0x10, u64],
  ringbuf_size: [0x18, u32],
  reserved2: [0x1c, u32],
  heap_start: [0x20, u64],
  heap_end: [0x28, u64],
  ringbuf_input: [0x30, u64],
  ringbuf_output: [0x38, u64],
  instr_config: [0x40, u32],
  instrbuf_size: [0x44, u32],
  instrbuf_base: [0x48, u64],
  instrbuf_offset_ptr: [0x50, u64],
});

/** `struct panthor_fw_cs_output_iface`: firmware → host, per command stream. */
export const PanthorFwCsOutputIface = defineStruct("panthor_fw_cs_output_iface", {
  ack: [0x0, u32],
  reserved1: [0x4, array(u32, 15)],
  status_cmd_ptr: [0x40, u64],
  status_wait: [0x48, u32],
  status_req_resource: [0x4c, u32],
  status_wait_sync_ptr: [0x50, u64],
  status_wait_sync_value: [0x58, u32],
  status_scoreboards: [0x5c, u32],
  status_blocked_reason: [0x60, u32],
  status_wait_sync_value_hi: [0x64, u32],
  reserved2: [0x68, array(u32, 6)],
  fault: [0x80, u32],
  fatal: [0x84, u32],
  fault_info: [0x88, u64],
  fatal_info: [0x90, u64],
  reserved3: [0x98, array(u32, 10)],
  heap_vt_start: [0xc0, u32],
  heap_vt_end: [0xc4, u32],
  reserved4: [0xc8, u32],
  heap_frag_end: [0xcc, u32],
  heap_address: [0xd0, u64],
});

/** `struct panthor_fw_csg_control_iface`: a group slot's capabilities and block addresses. */
export const PanthorFwCsgControlIface = defineStruct("panthor_fw_csg_control_iface", {
  features: [0x0, u32],
  input_va: [0x4, u32],
  output_va: [0x8, u32],
  suspend_size: [0xc, u32],
  protm_suspend_size: [0x10, u32],
  stream_num: [0x14, u32],
  stream_stride: [0x18, u32],
});

/** `struct panthor_fw_csg_input_iface`: host → firmware, per group slot. */
export const PanthorFwCsgInputIface = defineStruct("panthor_fw_csg_input_iface", {
  req: [0x0, u32],
  ack_irq_mask: [0x4, u32],
  doorbell_req: [0x8, u32],
  cs_irq_ack: [0xc, u32],
  reserved1: [0x10, array(u32, 4)],
  allow_compute: [0x20, u64],
  allow_fragment: [0x28, u64],
  allow_other: [0x30, u32],
  endpoint_req: [0x34, u32],
  endpoint_req2: [0x38, u64],
  suspend_buf: [0x40, u64],
  protm_suspend_buf: [0x48, u64],
  config: [0x50, u32],
  iter_trace_config: [0x54, u32],
});

/** `struct panthor_fw_csg_output_iface`: firmware → host, per group slot. */
export const PanthorFwCsgOutputIface = defineStruct("panthor_fw_csg_output_iface", {
  ack: [0x0, u32],
  reserved1: [0x4, u32],
  doorbell_ack: [0x8, u32],
  cs_irq_req: [0xc, u32],
  status_endpoint_current: [0x10, u32],
  status_endpoint_req: [0x14, u32],
  status_state: [0x18, u32],
  resource_dep: [0x1c, u32],
});

/** `struct panthor_fw_global_control_iface`: the firmware's version, capabilities and group layout. */
export const PanthorFwGlobalControlIface = defineStruct("panthor_fw_global_control_iface", {
  version: [0x0, u32],
  features: [0x4, u32],
  input_va: [0x8, u32],
  output_va: [0xc, u32],
  group_num: [0x10, u32],
  group_stride: [0x14, u32],
  perfcnt_size: [0x18, u32],
  instr_features: [0x1c, u32],
});

/** `struct panthor_fw_global_input_iface`: host → firmware, global. */
export const PanthorFwGlobalInputIface = defineStruct("panthor_fw_global_input_iface", {
  req: [0x0, u32],
  ack_irq_mask: [0x4, u32],
  doorbell_req: [0x8, u32],
  reserved1: [0xc, u32],
  progress_timer: [0x10, u32],
  poweroff_timer: [0x14, u32],
  core_en_mask: [0x18, u64],
  reserved2: [0x20, u32],
  perfcnt_as: [0x24, u32],
  perfcnt_base: [0x28, u64],
  perfcnt_extract: [0x30, u32],
  reserved3: [0x34, array(u32, 3)],
  perfcnt_config: [0x40, u32],
  perfcnt_csg_select: [0x44, u32],
  perfcnt_fw_enable: [0x48, u32],
  perfcnt_csg_enable: [0x4c, u32],
  perfcnt_csf_enable: [0x50, u32],
  perfcnt_shader_enable: [0x54, u32],
  perfcnt_tiler_enable: [0x58, u32],
  perfcnt_mmu_l2_enable: [0x5c, u32],
  reserved4: [0x60, array(u32, 8)],
  idle_timer: [0x80, u32],
});

/** `struct panthor_fw_global_output_iface`: firmware → host, global. */
export const PanthorFwGlobalOutputIface = defineStruct("panthor_fw_global_output_iface", {
  ack: [0x0, u32],
  reserved1: [0x4, u32],
  doorbell_ack: [0x8, u32],
  reserved2: [0xc, u32],
  halt_status: [0x10, u32],
  perfcnt_status: [0x14, u32],
  perfcnt_insert: [0x18, u32],
});

/** `struct panthor_fw_binary_hdr`: the 20-byte header of a firmware image. */
export const PanthorFwBinaryHdr = defineStruct("panthor_fw_binary_hdr", {
  magic: [0x0, u32],
  minor: [0x4, u8],
  major: [0x5, u8],
  padding1: [0x6, u16],
  version_hash: [0x8, u32],
  padding2: [0xc, u32],
  size: [0x10, u32],
});

/** A `{start, end}` pair of 32-bit values (the anonymous structs of a section header). */
const U32Range = defineStruct("(anonymous)", {
  start: [0x0, u32],
  end: [0x4, u32],
});

/** `struct panthor_fw_binary_section_entry_hdr`: an IFACE entry's section (the name follows). */
export const PanthorFwBinarySectionEntryHdr = defineStruct("panthor_fw_binary_section_entry_hdr", {
  flags: [0x0, u32],
  va: [0x4, U32Range],
  data: [0xc, U32Range],
});

/** `struct panthor_fw_build_info_hdr`: where a BUILD_INFO_METADATA entry's blob lies in the file. */
export const PanthorFwBuildInfoHdr = defineStruct("panthor_fw_build_info_hdr", {
  meta_start: [0x0, u32],
  meta_size: [0x4, u32],
});

/** Every interface and image struct by its kernel name. */
export const CSF_FW_STRUCTS: Readonly<Record<string, StructType<FieldsDesc>>> = {
  panthor_fw_ringbuf_input_iface: PanthorFwRingbufInputIface,
  panthor_fw_ringbuf_output_iface: PanthorFwRingbufOutputIface,
  panthor_fw_cs_control_iface: PanthorFwCsControlIface,
  panthor_fw_cs_input_iface: PanthorFwCsInputIface,
  panthor_fw_cs_output_iface: PanthorFwCsOutputIface,
  panthor_fw_csg_control_iface: PanthorFwCsgControlIface,
  panthor_fw_csg_input_iface: PanthorFwCsgInputIface,
  panthor_fw_csg_output_iface: PanthorFwCsgOutputIface,
  panthor_fw_global_control_iface: PanthorFwGlobalControlIface,
  panthor_fw_global_input_iface: PanthorFwGlobalInputIface,
  panthor_fw_global_output_iface: PanthorFwGlobalOutputIface,
  panthor_fw_binary_hdr: PanthorFwBinaryHdr,
  panthor_fw_binary_section_entry_hdr: PanthorFwBinarySectionEntryHdr,
  panthor_fw_build_info_hdr: PanthorFwBuildInfoHdr,
};

/** The byte offset of every declared field of `s`. */
export function fieldOffsets<F extends FieldsDesc>(
  s: StructType<F>,
): { readonly [K in keyof F]: number } {
  const out: Record<string, number> = {};
  for (const f of s.fields) out[f.name] = f.offset;
  return Object.freeze(out) as { readonly [K in keyof F]: number };
}

/** Field offsets of the global control block. */
export const CSF_GLB_CONTROL = fieldOffsets(PanthorFwGlobalControlIface);
/** Field offsets of the global input block. */
export const CSF_GLB_INPUT = fieldOffsets(PanthorFwGlobalInputIface);
/** Field offsets of the global output block. */
export const CSF_GLB_OUTPUT = fieldOffsets(PanthorFwGlobalOutputIface);
/** Field offsets of a group control block. */
export const CSF_CSG_CONTROL = fieldOffsets(PanthorFwCsgControlIface);
/** Field offsets of a group input block. */
export const CSF_CSG_INPUT = fieldOffsets(PanthorFwCsgInputIface);
/** Field offsets of a group output block. */
export const CSF_CSG_OUTPUT = fieldOffsets(PanthorFwCsgOutputIface);
/** Field offsets of a stream control block. */
export const CSF_CS_CONTROL = fieldOffsets(PanthorFwCsControlIface);
/** Field offsets of a stream input block. */
export const CSF_CS_INPUT = fieldOffsets(PanthorFwCsInputIface);
/** Field offsets of a stream output block. */
export const CSF_CS_OUTPUT = fieldOffsets(PanthorFwCsOutputIface);
/** Field offsets of a queue's ring input page. */
export const CSF_RINGBUF_INPUT = fieldOffsets(PanthorFwRingbufInputIface);
/** Field offsets of a queue's ring output page. */
export const CSF_RINGBUF_OUTPUT = fieldOffsets(PanthorFwRingbufOutputIface);
