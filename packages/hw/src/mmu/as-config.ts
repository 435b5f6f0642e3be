/**
 * The translation configuration an address space runs with, latched from its registers by
 * AS_COMMAND_UPDATE, and its decoding from TRANSTAB / TRANSCFG.
 */
import {
  AS_TRANSCFG_ADRMODE_AARCH64_4K,
  AS_TRANSCFG_ADRMODE_AARCH64_64K,
  AS_TRANSCFG_ADRMODE_IDENTITY,
  AS_TRANSCFG_ADRMODE_LEGACY,
  AS_TRANSCFG_ADRMODE_MASK,
  AS_TRANSCFG_ADRMODE_UNMAPPED,
  AS_TRANSCFG_HI_DISABLE_AF_FAULT,
  AS_TRANSCFG_HI_DISABLE_HIER_AP,
  AS_TRANSCFG_HI_WXN,
  AS_TRANSCFG_HI_XREADABLE,
  AS_TRANSTAB_LPAE_ADRMODE_IDENTITY,
  AS_TRANSTAB_LPAE_ADRMODE_MASK,
  AS_TRANSTAB_LPAE_ADRMODE_TABLE,
} from "../regs/mmu-regs.js";

/** Translation modes of an address space. */
export enum TranslationMode {
  /** Every access faults (AS disabled). */
  Unmapped = 0,
  /** Output address = input address. */
  Identity = 1,
  /** Mali LPAE legacy tables (Midgard/Bifrost "legacy" mode): always a 4-level walk. */
  MaliLpae = 2,
  /** AArch64 stage-1-style tables with a 4 KiB granule (TRANSCFG ADRMODE_AARCH64_4K). */
  Aarch64_4K = 3,
  /** A mode this model does not implement (reserved ADRMODE codes): accesses fault. */
  Unsupported = 4,
  /**
   * AArch64 stage-1-style tables with a 64 KiB granule (TRANSCFG ADRMODE_AARCH64_64K): 8192
   * entries per table, 64 KiB pages, 512 MiB blocks, and 4 TiB level-1 blocks when the MMU has
   * 52 physical address bits.
   */
  Aarch64_64K = 5,
}

/** Walk geometry of a 4 KiB granule (Mali LPAE and AArch64 4K): the level-3 index starts at bit 12. */
const PG_SHIFT_4K = 12;
/** Walk geometry of the 64 KiB granule: the level-3 index starts at bit 16. */
const PG_SHIFT_64K = 16;

/** What an MMU generation supports, for decoding its registers. */
export interface MmuCapabilities {
  /** Virtual address bits (GPU_MMU_FEATURES[7:0]). */
  vaBits: number;
  /** Physical address bits (GPU_MMU_FEATURES[15:8]). */
  paBits: number;
  /**
   * Whether the AArch64 4 KiB table format is available (the kernel's HW_FEATURE_AARCH64_MMU:
   * Mali-G76, G31, G57 and the CSF GPUs; not Midgard, and not G71/G72/G51/G52).
   */
  aarch64: boolean;
  /**
   * Whether the AS_TRANSCFG register exists (every Bifrost and later GPU; Midgard has none).
   * Defaults to {@link MmuCapabilities.aarch64}. A GPU with TRANSCFG but without the AArch64
   * format honours ADRMODE legacy/unmapped/identity and treats ADRMODE_AARCH64_4K as a mode it
   * does not implement (every access faults).
   */
  transcfg?: boolean;
  /** Whether TRANSCFG ADRMODE 0 selects the legacy LPAE mode (JM GPUs); on CSF GPUs it is unmapped. */
  legacy: boolean;
}

/** A latched AS configuration; plain numeric fields so the walker reads it without allocation. */
export class AsConfig {
  /** Translation mode. */
  mode: TranslationMode = TranslationMode.Unmapped;
  /** Physical address of the root table. */
  root = 0;
  /** Input address size in bits: VAs at or above 2^ias fault with ADDR_SIZE_FAULT_IN. */
  ias = 48;
  /** 2^ias, precomputed. */
  vaLimit = 2 ** 48;
  /** 2^paBits: output addresses at or above it fault with ADDR_SIZE_FAULT_OUT. */
  paLimit = 2 ** 40;
  /** Level the walk starts at (0..3). */
  startLevel = 0;
  /** log2 of the translation granule: 12 (4 KiB) or 16 (64 KiB). */
  pgShift = PG_SHIFT_4K;
  /** Index bits per table: pgShift − 3 (9 or 13). */
  bitsPerLevel = PG_SHIFT_4K - 3;
  /** Shallowest level at which a block descriptor is valid (1, or 2 for 64 KiB without 52-bit PAs). */
  minBlockLevel = 1;
  /**
   * Low-word descriptor bits holding output-address bits 51:48: bits 15:12 with the 64 KiB
   * granule (the 52-bit layout), none with 4 KiB.
   */
  oaFoldMask = 0;
  /** iova bit where each level's index starts, which is also log2 of its entries' size. */
  readonly levelShift = Int32Array.of(39, 30, 21, 12);
  /** Ignore APTable/UXNTable bits in table descriptors (AArch64). */
  disableHierAp = false;
  /** Never raise access-flag faults (AArch64). */
  disableAfFault = false;
  /** Writable pages are not executable (AArch64). */
  wxn = false;
  /** Executable pages are readable (AArch64). */
  xreadable = false;
  /** Raw TRANSTAB (low, high), MEMATTR (low, high) and TRANSCFG (low, high) as latched. */
  readonly raw = new Uint32Array(6);

  /** Copies another configuration. */
  copyFrom(o: AsConfig): void {
    this.mode = o.mode;
    this.root = o.root;
    this.ias = o.ias;
    this.vaLimit = o.vaLimit;
    this.paLimit = o.paLimit;
    this.startLevel = o.startLevel;
    this.pgShift = o.pgShift;
    this.bitsPerLevel = o.bitsPerLevel;
    this.minBlockLevel = o.minBlockLevel;
    this.oaFoldMask = o.oaFoldMask;
    this.levelShift.set(o.levelShift);
    this.disableHierAp = o.disableHierAp;
    this.disableAfFault = o.disableAfFault;
    this.wxn = o.wxn;
    this.xreadable = o.xreadable;
    this.raw.set(o.raw);
  }

  /** Resets to the power-on state (all registers 0: unmapped). */
  clear(caps: MmuCapabilities): void {
    this.raw.fill(0);
    this.decode(caps);
  }

  /**
   * Decodes the latched registers. TRANSCFG selects the mode on GPUs that have it (ADRMODE 0 =
   * legacy on JM GPUs, where TRANSTAB's LPAE mode bits then apply); otherwise TRANSTAB does.
   * In AArch64 mode the input size is `55 - TRANSCFG.INA_BITS`, clamped to [25, vaBits]; the
   * walk starts at the level that resolves exactly that many bits with the mode's granule (4 or
   * 64 KiB), like a stage-1 TCR.T0SZ.
   */
  decode(caps: MmuCapabilities): void {
    const [tLo = 0, tHi = 0, , , cLo = 0, cHi = 0] = this.raw;
    this.paLimit = 2 ** caps.paBits;
    this.disableHierAp = false;
    this.disableAfFault = false;
    this.wxn = false;
    this.xreadable = false;
    this.ias = caps.vaBits;
    this.startLevel = 0;
    this.setGranule(PG_SHIFT_4K, caps.paBits);
    const hasTranscfg = caps.transcfg ?? caps.aarch64;
    const adrmode = hasTranscfg ? cLo & AS_TRANSCFG_ADRMODE_MASK : AS_TRANSCFG_ADRMODE_LEGACY;
    if (adrmode === AS_TRANSCFG_ADRMODE_LEGACY && (caps.legacy || !hasTranscfg)) {
      const m = tLo & AS_TRANSTAB_LPAE_ADRMODE_MASK;
      this.mode =
        m === AS_TRANSTAB_LPAE_ADRMODE_TABLE
          ? TranslationMode.MaliLpae
          : m === AS_TRANSTAB_LPAE_ADRMODE_IDENTITY
            ? TranslationMode.Identity
            : TranslationMode.Unmapped;
      this.root = (tHi & 0xffff) * 2 ** 32 + ((tLo & 0xfffff000) >>> 0);
    } else if (
      (adrmode === AS_TRANSCFG_ADRMODE_AARCH64_4K || adrmode === AS_TRANSCFG_ADRMODE_AARCH64_64K) &&
      caps.aarch64
    ) {
      const is64k = adrmode === AS_TRANSCFG_ADRMODE_AARCH64_64K;
      this.mode = is64k ? TranslationMode.Aarch64_64K : TranslationMode.Aarch64_4K;
      this.setGranule(is64k ? PG_SHIFT_64K : PG_SHIFT_4K, caps.paBits);
      this.root = (tHi & 0xffff) * 2 ** 32 + ((tLo & 0xfffffff0) >>> 0);
      const ina = (cLo >>> 6) & 0x1f;
      this.ias = Math.max(25, Math.min(55 - ina, caps.vaBits));
      this.startLevel = 4 - Math.ceil((this.ias - this.pgShift) / this.bitsPerLevel);
      this.disableHierAp = (cHi & AS_TRANSCFG_HI_DISABLE_HIER_AP) !== 0;
      this.disableAfFault = (cHi & AS_TRANSCFG_HI_DISABLE_AF_FAULT) !== 0;
      this.wxn = (cHi & AS_TRANSCFG_HI_WXN) !== 0;
      this.xreadable = (cHi & AS_TRANSCFG_HI_XREADABLE) !== 0;
    } else if (adrmode === AS_TRANSCFG_ADRMODE_IDENTITY) {
      this.mode = TranslationMode.Identity;
      this.root = 0;
    } else if (adrmode === AS_TRANSCFG_ADRMODE_UNMAPPED || adrmode === AS_TRANSCFG_ADRMODE_LEGACY) {
      this.mode = TranslationMode.Unmapped;
      this.root = 0;
    } else {
      this.mode = TranslationMode.Unsupported;
      this.root = 0;
    }
    this.vaLimit = 2 ** this.ias;
  }

  /**
   * Sets the walk geometry of a granule of 2^`pgShift` bytes: per-level index shifts, where
   * blocks may appear, and where output-address bits 51:48 live. Level-1 blocks of the 64 KiB
   * granule (4 TiB) and its OA[51:48] field belong to 52-bit physical addressing; on an MMU
   * with fewer PA bits a level-1 block is invalid and a non-zero OA[51:48] is an address size
   * fault (the output is at or above 2^paBits).
   */
  private setGranule(pgShift: number, paBits: number): void {
    this.pgShift = pgShift;
    this.bitsPerLevel = pgShift - 3;
    for (let l = 0; l < 4; l++) this.levelShift[l] = pgShift + this.bitsPerLevel * (3 - l);
    const big = pgShift > PG_SHIFT_4K;
    this.minBlockLevel = big && paBits < 52 ? 2 : 1;
    this.oaFoldMask = big ? 0xf000 : 0;
  }
}
