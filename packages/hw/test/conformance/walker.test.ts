/**
 * Cross-check of the hardware walker with the kernel's io-pgtable golden vectors: every case's
 * final table is rebuilt in SystemMemory by our own code, an address space is programmed through
 * MMIO as the kernel's driver would for that format, and every probe is translated.
 *
 * Granules: ARM_MALI_LPAE tables are walked in the legacy Mali LPAE mode, ARM_64_LPAE_S1 tables
 * with a 4 KiB granule in AArch64 4K mode (TRANSCFG ADRMODE_AARCH64_4K) and with a 64 KiB
 * granule in AArch64 64K mode (ADRMODE_AARCH64_64K). Skip rule: a case whose configuration
 * gives a 16 KiB granule (`result.granule` 16384) is not walked, because no Mali TRANSCFG
 * address mode walks 16 KiB tables; such cases are checked by @panmmu/iopgtable alone.
 */
import { loadGoldenCases } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import {
  AS_COMMAND,
  AS_COMMAND_UPDATE,
  AS_FAULTADDRESS_HI,
  AS_FAULTADDRESS_LO,
  AS_FAULTSTATUS,
  AS_MEMATTR_HI,
  AS_MEMATTR_LO,
  AS_TRANSCFG_ADRMODE_AARCH64_4K,
  AS_TRANSCFG_ADRMODE_AARCH64_64K,
  AS_TRANSCFG_ADRMODE_LEGACY,
  AS_TRANSCFG_HI,
  AS_TRANSCFG_LO,
  AS_TRANSCFG_PTW_MEMATTR_WB,
  AS_TRANSCFG_PTW_RA,
  AS_TRANSCFG_PTW_SH_OS,
  AS_TRANSTAB_HI,
  AS_TRANSTAB_LO,
  asReg,
  asTranscfgInaBits,
  createPlatform,
  EXCEPTION_ADDR_SIZE_FAULT_IN,
  EXCEPTION_ADDR_SIZE_FAULT_OUT_0,
  EXCEPTION_PERM_FAULT_0,
  EXCEPTION_TRANSLATION_FAULT_0,
  GpuAccessKind,
  MMU_INT_CLEAR,
  MMU_INT_RAWSTAT,
  TRANSLATE_FAULTED,
} from "../../src/index.js";
import {
  type DumpRow,
  hardwareOutput,
  lookupDump,
  rebuildDump,
  softwareOutput,
  splitHex64,
} from "../helpers/golden-pgtable.js";

interface GoldenPgtableCase {
  name: string;
  config: { fmt: "ARM_64_LPAE_S1" | "ARM_MALI_LPAE"; coherentWalk: boolean };
  result: null | {
    ias: number;
    oas: number;
    startLevel: number;
    granule: number;
    rootPhys: string;
    s1?: { ttbr: string };
    mali?: { transtab: string; memattr: string };
  };
  final: null | { dump: DumpRow[]; probes: { iova: string; phys: string }[] };
}

const AS = 1;
const cases = loadGoldenCases("iopgtable");
/** The one granule no Mali address mode walks (see the skip rule above). */
const GRANULE_WITHOUT_MALI_MODE = 16384;

/** Whether the case's configuration gives tables some Mali address mode can walk. */
function walkable(data: GoldenPgtableCase): boolean {
  return data.result === null || data.result.granule !== GRANULE_WITHOUT_MALI_MODE;
}

/** An access kind the leaf allows by the format's rules, or null when it allows none (S1 privileged-only). */
function allowedKind(fmt: string, row: DumpRow): GpuAccessKind | null {
  const { lo, hi } = splitHex64(row.desc);
  const xn = (hi & 0x400000) !== 0;
  if (fmt === "ARM_MALI_LPAE") {
    if ((lo & 0x40) !== 0) return GpuAccessKind.Read;
    if ((lo & 0x80) !== 0) return GpuAccessKind.Write;
    return xn ? null : GpuAccessKind.Execute;
  }
  if ((lo & 0x40) === 0) return null;
  return GpuAccessKind.Read;
}

describe("walker vs kernel io-pgtable golden vectors", () => {
  it("has cases", () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const c of cases) {
    const data = c.data as GoldenPgtableCase;
    it.skipIf(!walkable(data))(c.title, () => {
      const r = data.result;
      const mali = data.config.fmt === "ARM_MALI_LPAE";
      const granule = r?.granule ?? 4096;
      // The MMU covers the table's input and output sizes: 52-bit iovas and PAs (64 KiB granule,
      // oas 52) need 52 VA / PA bits; everything else runs with 48.
      const paBits = r !== null && r.oas > 48 ? 52 : 48;
      const sim = createPlatform(mali ? "g52" : "g610", {
        timing: { mmuCommandNs: 0 },
        memory: { base: 0x8000_0000, size: 64 * 1024 * 1024 },
        overrides: { vaBits: mali && r !== null ? r.ias : Math.max(48, r?.ias ?? 48), paBits },
      });
      const { mmio } = sim.platform;
      if (r === null || data.final === null) {
        // The kernel refused the configuration: no table exists, the AS stays disabled.
        expect(sim.gpu.mmu.translate(AS, 0x1000, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
        expect(mmio.read32(asReg(AS, AS_FAULTSTATUS)) & 0xff).toBe(EXCEPTION_TRANSLATION_FAULT_0);
        return;
      }
      const root = rebuildDump(sim.memory, data.final.dump, r.startLevel, granule);
      if (mali) {
        const transtab = splitHex64(r.mali?.transtab ?? "0x0");
        const memattr = splitHex64(r.mali?.memattr ?? "0x0");
        mmio.write32(asReg(AS, AS_TRANSTAB_LO), ((transtab.lo & 0xfff) | root.pa) >>> 0);
        mmio.write32(asReg(AS, AS_TRANSTAB_HI), 0);
        mmio.write32(asReg(AS, AS_MEMATTR_LO), memattr.lo);
        mmio.write32(asReg(AS, AS_MEMATTR_HI), memattr.hi);
        mmio.write32(asReg(AS, AS_TRANSCFG_LO), AS_TRANSCFG_ADRMODE_LEGACY);
        mmio.write32(asReg(AS, AS_TRANSCFG_HI), 0);
      } else {
        const transcfg =
          AS_TRANSCFG_PTW_MEMATTR_WB |
          AS_TRANSCFG_PTW_RA |
          (granule === 65536 ? AS_TRANSCFG_ADRMODE_AARCH64_64K : AS_TRANSCFG_ADRMODE_AARCH64_4K) |
          asTranscfgInaBits(55 - r.ias) |
          (data.config.coherentWalk ? AS_TRANSCFG_PTW_SH_OS : 0);
        mmio.write32(asReg(AS, AS_TRANSTAB_LO), root.pa);
        mmio.write32(asReg(AS, AS_TRANSTAB_HI), 0);
        mmio.write32(asReg(AS, AS_MEMATTR_LO), 0x48484848);
        mmio.write32(asReg(AS, AS_MEMATTR_HI), 0x48484848);
        mmio.write32(asReg(AS, AS_TRANSCFG_LO), transcfg >>> 0);
        mmio.write32(asReg(AS, AS_TRANSCFG_HI), 0);
      }
      mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_UPDATE);

      const limit = 1n << BigInt(r.ias);
      for (const p of data.final.probes) {
        const va = BigInt(p.iova);
        const golden = BigInt(p.phys);
        const where = `${p.iova} (golden ${p.phys})`;
        const faultOf = (kind: GpuAccessKind): { code: number; addr: bigint } => {
          const pa = sim.gpu.mmu.translate(AS, Number(va), kind, 0x2a);
          expect(pa, where).toBe(TRANSLATE_FAULTED);
          const fs = mmio.read32(asReg(AS, AS_FAULTSTATUS));
          const addr =
            (BigInt(mmio.read32(asReg(AS, AS_FAULTADDRESS_HI))) << 32n) |
            BigInt(mmio.read32(asReg(AS, AS_FAULTADDRESS_LO)));
          expect(mmio.read32(MMU_INT_RAWSTAT) & (1 << AS), where).not.toBe(0);
          expect(fs >>> 16, where).toBe(0x2a);
          expect((fs >>> 8) & 3, where).toBe(kind);
          mmio.write32(MMU_INT_CLEAR, 1 << AS);
          return { code: fs & 0xff, addr };
        };
        if (va >= limit) {
          const f = faultOf(GpuAccessKind.Read);
          expect(f.code, where).toBe(EXCEPTION_ADDR_SIZE_FAULT_IN);
          if (va < 1n << 53n) expect(f.addr, where).toBe(va);
          continue;
        }
        const look = lookupDump(root, va);
        if (!look.mapped) {
          expect(golden, where).toBe(0n);
          const f = faultOf(GpuAccessKind.Read);
          expect(f.code, where).toBe(EXCEPTION_TRANSLATION_FAULT_0 + look.level);
          expect(f.addr, where).toBe(va);
          continue;
        }
        // The kernel's software answer is the OR of the stored OA and the offset; hardware
        // ignores OA bits below the block size (RES0). They agree whenever the OA is aligned.
        expect(golden, where).toBe(softwareOutput(look.row, va, granule));
        const expected = hardwareOutput(look.row, va, granule);
        if (expected !== golden) {
          expect(look.row.kind, where).toBe("block");
        }
        if (expected >= 1n << BigInt(paBits)) {
          // A 64 KiB leaf whose OA[51:48] field (descriptor bits 15:12, e.g. from a paddr that is
          // only 4 KiB aligned) points at or above the MMU's physical address size.
          expect(granule, where).toBe(65536);
          const f = faultOf(GpuAccessKind.Read);
          expect(f.code, where).toBe(EXCEPTION_ADDR_SIZE_FAULT_OUT_0 + look.row.level);
          continue;
        }
        expect(sim.gpu.mmu.probe(AS, Number(va)), where).toBe(Number(expected));
        const kind = allowedKind(data.config.fmt, look.row);
        if (kind === null) {
          const f = faultOf(GpuAccessKind.Read);
          expect(f.code, where).toBe(EXCEPTION_PERM_FAULT_0 + look.row.level);
        } else {
          expect(sim.gpu.mmu.translate(AS, Number(va), kind, 0x2a), where).toBe(Number(expected));
        }
      }
      expect(sim.memory.stats.strayAccesses).toBe(0);
    });
  }
});
