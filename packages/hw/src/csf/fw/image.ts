/**
 * The CSF firmware image (`mali_csffw.bin`) parser: the checks panthor makes while loading the
 * image, in the kernel's order and with its errnos, without the side effects (no BO is
 * allocated, nothing is mapped). Mirrors panthor_fw_load(), panthor_fw_load_entry(),
 * panthor_fw_load_section_entry() and panthor_fw_read_build_info() of Linux 6.18.y
 * (drivers/gpu/drm/panthor/panthor_fw.c, the stable version that returns -EINVAL for a
 * header size beyond the file and rejects section data larger than the section).
 *
 * Every read is bounds-checked; malformed input yields a negative errno, never an exception.
 * Words are little-endian (the kernel reads them in host order on arm64).
 */
import { EINVAL } from "@panmmu/uapi";
import {
  CSF_FW_BINARY_ENTRY_OPTIONAL,
  CSF_FW_BINARY_ENTRY_TYPE_BUILD_INFO_METADATA,
  CSF_FW_BINARY_ENTRY_TYPE_CONFIG,
  CSF_FW_BINARY_ENTRY_TYPE_FUTF_TEST,
  CSF_FW_BINARY_ENTRY_TYPE_IFACE,
  CSF_FW_BINARY_ENTRY_TYPE_TIMELINE_METADATA,
  CSF_FW_BINARY_ENTRY_TYPE_TRACE_BUFFER,
  CSF_FW_BINARY_ENTRY_UPDATE,
  CSF_FW_BINARY_HEADER_MAGIC,
  CSF_FW_BINARY_HEADER_MAJOR_MAX,
  CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_CACHED,
  CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_MASK,
  CSF_FW_BINARY_IFACE_ENTRY_EX,
  CSF_FW_BINARY_IFACE_ENTRY_PROT,
  CSF_FW_BINARY_IFACE_ENTRY_RD,
  CSF_FW_BINARY_IFACE_ENTRY_SHARED,
  CSF_FW_BINARY_IFACE_ENTRY_SUPPORTED_FLAGS,
  CSF_FW_BINARY_IFACE_ENTRY_WR,
  CSF_FW_BINARY_IFACE_ENTRY_ZERO,
  CSF_MCU_SHARED_REGION_START,
} from "../iface-constants.js";
import {
  fieldOffsets,
  PanthorFwBinaryHdr,
  PanthorFwBinarySectionEntryHdr,
  PanthorFwBuildInfoHdr,
} from "../iface-structs.js";
import type {
  CsfFirmwareBuildInfo,
  CsfFirmwareImage,
  CsfFirmwareImageResult,
  CsfFirmwareParseOptions,
  CsfFirmwareSection,
  CsfImageCheck,
  CsfSkippedEntry,
} from "./image-format.js";

export * from "./image-format.js";

/** Page size of the MCU VM (panthor_vm_page_size(): the smallest of its 4 KiB | 2 MiB page sizes). */
export const CSF_MCU_VM_PAGE_SIZE = 0x1000;

const HDR = fieldOffsets(PanthorFwBinaryHdr);
const SEC = fieldOffsets(PanthorFwBinarySectionEntryHdr);
const BUILD = fieldOffsets(PanthorFwBuildInfoHdr);
/** The text a build-info blob must start with for the kernel to log it. */
const GIT_SHA_PREFIX = [0x67, 0x69, 0x74, 0x5f, 0x73, 0x68, 0x61, 0x3a, 0x20]; // "git_sha: "
const decoder = new TextDecoder("utf-8", { fatal: false });

/** Text up to the first NUL, as the kernel's C string ends there. */
function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return decoder.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

/** Mutable state of one parse: the file, its view and the image under construction. */
interface Parse {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly pageSize: number;
  readonly onSection: ((section: CsfFirmwareSection) => number) | undefined;
  readonly sections: CsfFirmwareSection[];
  readonly skipped: CsfSkippedEntry[];
  readonly buildInfo: CsfFirmwareBuildInfo[];
}

type Failure = Extract<CsfFirmwareImageResult, { ok: false }>;

function fail(check: CsfImageCheck, offset: number): Failure {
  return { ok: false, errno: -EINVAL, check, offset };
}

/**
 * One IFACE entry; `body`/`bodyLen` delimit the entry after its header word.
 * Mirrors panthor_fw_load_section_entry(): returns a failure, or undefined when the entry was
 * accepted (recorded as a section, or skipped like the kernel skips it).
 */
function loadSection(p: Parse, ehdr: number, at: number, body: number, bodyLen: number) {
  if (bodyLen < PanthorFwBinarySectionEntryHdr.size) return fail("section-header-short", at);
  const u32 = (off: number) => p.view.getUint32(body + off, true);
  const flags = u32(SEC.flags);
  const vaStart = u32(SEC.va);
  const vaEnd = u32(SEC.va + 4);
  const dataStart = u32(SEC.data);
  const dataEnd = u32(SEC.data + 4);
  if (dataEnd < dataStart) return fail("data-end-before-start", at);
  if (vaEnd < vaStart) return fail("va-end-before-start", at);
  // data must lie in the file, not merely before the header's size
  if (dataEnd > p.bytes.length) return fail("data-beyond-file", at);
  if (vaStart % p.pageSize !== 0 || vaEnd % p.pageSize !== 0) return fail("va-unaligned", at);
  if ((flags & ~CSF_FW_BINARY_IFACE_ENTRY_SUPPORTED_FLAGS) !== 0) {
    return fail("unsupported-flags", at);
  }
  const has = (bit: number) => (flags & bit) !== 0;
  if (has(CSF_FW_BINARY_IFACE_ENTRY_PROT)) {
    p.skipped.push({ offset: at, type: CSF_FW_BINARY_ENTRY_TYPE_IFACE, reason: "protected" });
    return undefined;
  }
  if (vaStart === CSF_MCU_SHARED_REGION_START && !has(CSF_FW_BINARY_IFACE_ENTRY_SHARED)) {
    return fail("shared-va-not-shared", at);
  }
  const size = vaEnd - vaStart;
  if (dataEnd - dataStart > size) return fail("data-exceeds-section", at);
  if (size === 0) {
    p.skipped.push({ offset: at, type: CSF_FW_BINARY_ENTRY_TYPE_IFACE, reason: "empty" });
    return undefined;
  }
  const headerEnd = body + PanthorFwBinarySectionEntryHdr.size;
  const cacheMode = flags & CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_MASK;
  const section: CsfFirmwareSection = {
    name: cString(p.bytes.subarray(headerEnd, body + bodyLen)),
    flags: flags >>> 0,
    vaStart,
    vaEnd,
    size,
    dataStart,
    dataEnd,
    data: p.bytes.slice(dataStart, dataEnd),
    cacheMode,
    cached: cacheMode === CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_CACHED,
    readable: has(CSF_FW_BINARY_IFACE_ENTRY_RD),
    writable: has(CSF_FW_BINARY_IFACE_ENTRY_WR),
    executable: has(CSF_FW_BINARY_IFACE_ENTRY_EX),
    shared: has(CSF_FW_BINARY_IFACE_ENTRY_SHARED),
    zero: has(CSF_FW_BINARY_IFACE_ENTRY_ZERO),
    update: (ehdr & CSF_FW_BINARY_ENTRY_UPDATE) !== 0,
    entryOffset: at,
  };
  p.sections.push(section);
  const ret = p.onSection?.(section) ?? 0;
  if (ret < 0)
    return { ok: false as const, errno: ret, check: "section-rejected" as const, offset: at };
  return undefined;
}

/**
 * A BUILD_INFO_METADATA entry. Mirrors panthor_fw_read_build_info(): only a body shorter than
 * the 8-byte header fails; a blob out of the file, without the "git_sha: " prefix or without a
 * final NUL is ignored (the kernel only logs it). Range checks use exact arithmetic where the
 * kernel adds in 32 bits, and a blob the file cannot hold is never read.
 */
function readBuildInfo(p: Parse, at: number, body: number, bodyLen: number) {
  if (bodyLen < PanthorFwBuildInfoHdr.size) return fail("build-info-short", at);
  const metaStart = p.view.getUint32(body + BUILD.meta_start, true);
  const metaSize = p.view.getUint32(body + BUILD.meta_size, true);
  const file = p.bytes;
  let gitSha: string | null = null;
  const inFile =
    metaStart + metaSize <= file.length && metaStart + GIT_SHA_PREFIX.length <= file.length;
  if (inFile && metaSize > 0 && GIT_SHA_PREFIX.every((c, i) => file[metaStart + i] === c)) {
    if (file[metaStart + metaSize - 1] === 0) {
      gitSha = cString(file.subarray(metaStart + GIT_SHA_PREFIX.length, metaStart + metaSize));
    }
  }
  p.buildInfo.push({ offset: at, metaStart, metaSize, gitSha });
  return undefined;
}

/**
 * The entry at `at`; `limit` is the header's size. Returns the next entry's offset or a
 * failure. Mirrors panthor_fw_load_entry().
 */
function loadEntry(p: Parse, at: number, limit: number): number | Failure {
  if (at + 4 > limit) return fail("entry-header-short", at);
  const ehdr = p.view.getUint32(at, true);
  const body = at + 4;
  const entrySize = (ehdr >>> 8) & 0xff;
  if (body % 4 !== 0 || entrySize % 4 !== 0) return fail("entry-unaligned", at);
  // the size includes the header word: 0 underflows in the kernel's size_t and fails the same way
  const bodyLen = entrySize - 4;
  if (bodyLen < 0 || body + bodyLen > limit) return fail("entry-too-long", at);
  const next = body + bodyLen;
  const type = ehdr & 0xff;
  let r: Failure | undefined;
  switch (type) {
    case CSF_FW_BINARY_ENTRY_TYPE_IFACE:
      r = loadSection(p, ehdr, at, body, bodyLen);
      return r ?? next;
    case CSF_FW_BINARY_ENTRY_TYPE_BUILD_INFO_METADATA:
      r = readBuildInfo(p, at, body, bodyLen);
      return r ?? next;
    case CSF_FW_BINARY_ENTRY_TYPE_CONFIG:
    case CSF_FW_BINARY_ENTRY_TYPE_FUTF_TEST:
    case CSF_FW_BINARY_ENTRY_TYPE_TRACE_BUFFER:
    case CSF_FW_BINARY_ENTRY_TYPE_TIMELINE_METADATA:
      p.skipped.push({ offset: at, type, reason: "metadata" });
      return next;
    default:
      break;
  }
  if ((ehdr & CSF_FW_BINARY_ENTRY_OPTIONAL) !== 0) {
    p.skipped.push({ offset: at, type, reason: "optional-unknown" });
    return next;
  }
  return fail("unknown-entry-type", at);
}

/**
 * Parses an image and says which check failed, if any. Runs the header checks, then every
 * entry from byte 20 up to the header's size, stopping at the first failure; it does not
 * require the shared section (see {@link validateCsfSections}). Mirrors panthor_fw_load() up to
 * its entry loop, and panthor_fw_load_entry() / panthor_fw_load_section_entry() per entry.
 */
export function inspectCsfFirmwareImage(
  bytes: Uint8Array,
  options: CsfFirmwareParseOptions = {},
): CsfFirmwareImageResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < PanthorFwBinaryHdr.size) return fail("header-short", 0);
  if (view.getUint32(HDR.magic, true) !== CSF_FW_BINARY_HEADER_MAGIC) return fail("bad-magic", 0);
  const major = view.getUint8(HDR.major);
  if (major !== CSF_FW_BINARY_HEADER_MAJOR_MAX) return fail("bad-major", 0);
  const size = view.getUint32(HDR.size, true);
  if (size > bytes.length) return fail("size-beyond-file", 0);
  const p: Parse = {
    bytes,
    view,
    pageSize: options.pageSize ?? CSF_MCU_VM_PAGE_SIZE,
    onSection: options.onSection,
    sections: [],
    skipped: [],
    buildInfo: [],
  };
  let at = PanthorFwBinaryHdr.size;
  while (at < size) {
    const r = loadEntry(p, at, size);
    if (typeof r !== "number") return r;
    at = r;
  }
  const image: CsfFirmwareImage = {
    minor: view.getUint8(HDR.minor),
    major,
    versionHash: view.getUint32(HDR.version_hash, true),
    size,
    fileSize: bytes.length,
    sections: p.sections,
    skipped: p.skipped,
    buildInfo: p.buildInfo,
  };
  return { ok: true, image };
}

/**
 * Parses an image: the image, or a negative errno (-EINVAL) for the first check it fails,
 * in the kernel's order. Never throws and never reads outside `bytes`. The shared section is
 * checked separately by {@link validateCsfSections}. Mirrors panthor_fw_load_entry() and
 * panthor_fw_load_section_entry() through panthor_fw_load()'s entry loop.
 */
export function parseCsfFirmwareImage(
  bytes: Uint8Array,
  options: CsfFirmwareParseOptions = {},
): CsfFirmwareImage | number {
  const r = inspectCsfFirmwareImage(bytes, options);
  return r.ok ? r.image : r.errno;
}

/**
 * The section the interface lives in: the last loaded section starting at
 * CSF_MCU_SHARED_REGION_START (the kernel keeps the last one it meets), or undefined.
 */
export function findSharedSection(image: CsfFirmwareImage): CsfFirmwareSection | undefined {
  let found: CsfFirmwareSection | undefined;
  for (const s of image.sections) if (s.vaStart === CSF_MCU_SHARED_REGION_START) found = s;
  return found;
}

/**
 * 0 when the image has its shared section at CSF_MCU_SHARED_REGION_START with the SHARED
 * flag, else -EINVAL. Mirrors the end of panthor_fw_load() ("shared interface region not
 * found"); the SHARED-flag part is panthor_fw_load_section_entry()'s check, repeated for
 * images not produced by {@link parseCsfFirmwareImage}.
 */
export function validateCsfSections(image: CsfFirmwareImage): number {
  const shared = findSharedSection(image);
  return shared?.shared === true ? 0 : -EINVAL;
}

/**
 * Everything panthor_fw_load() checks: {@link parseCsfFirmwareImage}, then
 * {@link validateCsfSections}. The image, or a negative errno.
 */
export function loadCsfFirmwareImage(
  bytes: Uint8Array,
  options: CsfFirmwareParseOptions = {},
): CsfFirmwareImage | number {
  const image = parseCsfFirmwareImage(bytes, options);
  if (typeof image === "number") return image;
  const err = validateCsfSections(image);
  return err < 0 ? err : image;
}
