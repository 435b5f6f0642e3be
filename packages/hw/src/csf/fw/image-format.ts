/**
 * What the CSF firmware image parser (`parseCsfFirmwareImage`) produces: the parsed header, the
 * loadable sections, the entries the kernel skips, and the names of the checks that can fail.
 */

/** One loadable section (an IFACE entry the kernel turns into a kernel BO mapped in the MCU VM). */
export interface CsfFirmwareSection {
  /** Name from the entry (the bytes after the section header, up to the first NUL); "" when none. */
  readonly name: string;
  /** Raw IFACE flags (`CSF_FW_BINARY_IFACE_ENTRY_*`), unsigned. */
  readonly flags: number;
  /** First MCU VA (page aligned). */
  readonly vaStart: number;
  /** MCU VA one past the end (exclusive, page aligned). */
  readonly vaEnd: number;
  /** `vaEnd - vaStart` in bytes (never 0: empty sections are skipped). */
  readonly size: number;
  /** File offset of the initial data. */
  readonly dataStart: number;
  /** File offset one past the initial data. */
  readonly dataEnd: number;
  /**
   * A copy of file bytes `dataStart..dataEnd` (at most `size` bytes), which the loader copies
   * to the start of the section; often empty, as for the reference shared section.
   */
  readonly data: Uint8Array;
  /** `flags & CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_MASK`: one of the `CACHE_MODE_*` values. */
  readonly cacheMode: number;
  /** Mapped cacheable: only cache mode CACHED is (the kernel maps both coherent modes uncached). */
  readonly cached: boolean;
  /** RD flag (informational: the kernel maps every section readable). */
  readonly readable: boolean;
  /** WR flag: without it the mapping is read-only; on a fast reset only writable sections are reloaded. */
  readonly writable: boolean;
  /** EX flag: without it the mapping is no-execute. */
  readonly executable: boolean;
  /** SHARED flag: the section stays mapped on the CPU side (the interface section needs it). */
  readonly shared: boolean;
  /**
   * ZERO flag: after copying `data`, the loader zeroes the rest of the section (on every
   * reload). Without it the rest keeps whatever the memory holds (fresh pages are zero).
   */
  readonly zero: boolean;
  /** UPDATE bit of the entry header (the kernel ignores it). */
  readonly update: boolean;
  /** File offset of the entry's header word. */
  readonly entryOffset: number;
}

/** Why an entry was accepted without producing a section. */
export type CsfSkipReason =
  /** An IFACE entry with the PROT flag (the kernel warns and ignores it). */
  | "protected"
  /** An IFACE entry whose VA range is empty. */
  | "empty"
  /** CONFIG, FUTF_TEST, TRACE_BUFFER or TIMELINE_METADATA, which the kernel does not handle. */
  | "metadata"
  /** An unknown type with the OPTIONAL bit. */
  | "optional-unknown";

/** An entry the parser accepted but did not load. */
export interface CsfSkippedEntry {
  /** File offset of the entry's header word. */
  readonly offset: number;
  /** Entry type (bits 7:0 of the header word). */
  readonly type: number;
  /** Why nothing was loaded. */
  readonly reason: CsfSkipReason;
}

/** A BUILD_INFO_METADATA entry (panthor_fw_build_info_hdr). */
export interface CsfFirmwareBuildInfo {
  /** File offset of the entry's header word. */
  readonly offset: number;
  /** File offset of the metadata blob. */
  readonly metaStart: number;
  /** Size of the blob in bytes. */
  readonly metaSize: number;
  /** The text after "git_sha: " when the blob is in the file, has that prefix and ends with NUL; else null. */
  readonly gitSha: string | null;
}

/** A parsed firmware image. */
export interface CsfFirmwareImage {
  /** Header minor version. */
  readonly minor: number;
  /** Header major version (always CSF_FW_BINARY_HEADER_MAJOR_MAX, 0, once parsed). */
  readonly major: number;
  /** Header version hash. */
  readonly versionHash: number;
  /** Header size: the end of the entry table (at most the file size). */
  readonly size: number;
  /** Length of the whole file; section data may lie anywhere below it. */
  readonly fileSize: number;
  /** Loadable sections, in entry order. */
  readonly sections: readonly CsfFirmwareSection[];
  /** Entries accepted but not loaded, in entry order. */
  readonly skipped: readonly CsfSkippedEntry[];
  /** BUILD_INFO_METADATA entries, in entry order. */
  readonly buildInfo: readonly CsfFirmwareBuildInfo[];
}

/**
 * The check that rejected an image, in the kernel's order (all yield -EINVAL):
 * header (`header-short`, `bad-magic`, `bad-major`, `size-beyond-file`), entry
 * (`entry-header-short`, `entry-unaligned`, `entry-too-long`, `unknown-entry-type`), IFACE
 * section (`section-header-short`, `data-end-before-start`, `va-end-before-start`,
 * `data-beyond-file`, `va-unaligned`, `unsupported-flags`, `shared-va-not-shared`,
 * `data-exceeds-section`) and build info (`build-info-short`); `section-rejected` is the
 * caller's `onSection` refusing a section (its errno).
 */
export type CsfImageCheck =
  | "header-short"
  | "bad-magic"
  | "bad-major"
  | "size-beyond-file"
  | "entry-header-short"
  | "entry-unaligned"
  | "entry-too-long"
  | "unknown-entry-type"
  | "section-header-short"
  | "data-end-before-start"
  | "va-end-before-start"
  | "data-beyond-file"
  | "va-unaligned"
  | "unsupported-flags"
  | "shared-va-not-shared"
  | "data-exceeds-section"
  | "build-info-short"
  | "section-rejected";

/** The outcome of `inspectCsfFirmwareImage`: the image, or the failed check and where. */
export type CsfFirmwareImageResult =
  | {
      /** The image parsed. */
      readonly ok: true;
      /** The parsed image. */
      readonly image: CsfFirmwareImage;
    }
  | {
      /** A check failed. */
      readonly ok: false;
      /** Negative errno the kernel returns (-EINVAL). */
      readonly errno: number;
      /** The check. */
      readonly check: CsfImageCheck;
      /** File offset of the header (0) or of the entry's header word. */
      readonly offset: number;
    };

/** Parser options. */
export interface CsfFirmwareParseOptions {
  /** MCU VM page size section VAs must be aligned to (default CSF_MCU_VM_PAGE_SIZE, 4 KiB). */
  readonly pageSize?: number;
  /**
   * Called for each section as it is accepted, in file order — where a loader creates the
   * section's memory, as panthor_fw_load_section_entry() does before the next entry is read.
   * A negative return stops the parse with that errno (check `section-rejected`).
   */
  readonly onSection?: (section: CsfFirmwareSection) => number;
}
