/**
 * The devcoredump format of panfrost (panfrost_drm.h "coredump decoding" part): a sequence of
 * fixed-size object headers followed by their data.
 */
import { anonUnion } from "../struct/anon-union.js";
import { array } from "../struct/array.js";
import { defineStruct } from "../struct/define.js";
import { u32, u64 } from "../struct/scalar.js";
import { PANFROSTDUMP_BUF_BO, PANFROSTDUMP_BUF_REG } from "./constants.js";

/** The register-section member of the header union (offsets relative to the union). */
export const PanfrostDumpRegHdr = defineStruct("(anonymous)", {
  /** Job chain address of the faulting job. */
  jc: [0, u64],
  /** GPU_ID register. */
  gpu_id: [8, u32],
  /** Dump format major version. */
  major: [12, u32],
  /** Dump format minor version. */
  minor: [16, u32],
  /** Number of BOs that follow. */
  nbos: [24, u64],
});

/** The BO-section member of the header union (offsets relative to the union). */
export const PanfrostDumpBomap = defineStruct("(anonymous)", {
  /** Non-zero when the BO's contents were dumped. */
  valid: [0, u32],
  /** GPU address of the BO. */
  iova: [8, u64],
  /** `[0]`: index of the BO's first page in the BOMAP section; `[1]`: unused. */
  data: [16, array(u32, 2)],
});

/**
 * `struct panfrost_dump_object_header`: 2000 bytes. The anonymous union holds `reghdr` for
 * a register section, `bomap` for a BO section, and is raw (`sizer`) otherwise; decoding picks
 * the member from `type`.
 */
export const PanfrostDumpObjectHeader = defineStruct("panfrost_dump_object_header", {
  /** `PANFROSTDUMP_MAGIC`. */
  magic: [0, u32],
  /** A `PANFROSTDUMP_BUF_*` section type. */
  type: [4, u32],
  /** Size of the section's data. */
  file_size: [8, u32],
  /** Offset of the section's data in the dump. */
  file_offset: [12, u32],
  /** Section-specific part. */
  "(anonymous union)": [
    16,
    anonUnion(
      {
        /** Register section header. */
        reghdr: PanfrostDumpRegHdr,
        /** BO section header. */
        bomap: PanfrostDumpBomap,
        /** Raw words that fix the header size. */
        sizer: array(u32, 496),
      },
      (f) =>
        f.type === PANFROSTDUMP_BUF_REG
          ? "reghdr"
          : f.type === PANFROSTDUMP_BUF_BO
            ? "bomap"
            : "sizer",
    ),
  ],
});
/** Value of `struct panfrost_dump_object_header`. */
export type PanfrostDumpObjectHeaderArgs = ReturnType<typeof PanfrostDumpObjectHeader.decode>;

/** `struct panfrost_dump_registers`: one register/value pair of a register section. */
export const PanfrostDumpRegisters = defineStruct("panfrost_dump_registers", {
  /** Register offset. */
  reg: [0, u32],
  /** Value read. */
  value: [4, u32],
});
/** Value of `struct panfrost_dump_registers`. */
export type PanfrostDumpRegistersArgs = ReturnType<typeof PanfrostDumpRegisters.decode>;
