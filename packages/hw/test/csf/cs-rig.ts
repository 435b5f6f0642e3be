/**
 * A test-only host for the command-stream interpreter: a G610 with AS 1 programmed with
 * hand-built AArch64 tables, pages mapped at chosen VAs, and a way to run a stream to its end.
 */
import { CsAssembler } from "@panmmu/fixtures";
import {
  type CsEndResult,
  type CsExecution,
  type CsTiming,
  createPlatform,
} from "../../src/index.js";
import { A64_PAGE_RW, HandTables, programAarch64, waitReady } from "../helpers/hand-tables.js";

/** The AS the streams run in. */
export const AS = 1;
/** Where the stream code is mapped. */
export const CODE_VA = 0x10_0000;
/** Where data pages are mapped. */
export const DATA_VA = 0x20_0000;

/** A platform with mapped code and data pages and a stream runner. */
export function csRig(timing: Partial<CsTiming> = {}, dataPages = 4) {
  const sim = createPlatform("g610", { csTiming: timing });
  const { mmio } = sim.platform;
  const tables = new HandTables(sim.memory, 0);
  programAarch64(mmio, AS, tables.root);
  waitReady(mmio, sim.loop, AS);
  const pa = new Map<number, number>();
  const map = (va: number, pages: number): void => {
    for (let i = 0; i < pages; i++) {
      const p = sim.memory.allocPage() as number;
      tables.map(va + i * 4096, p, 3, A64_PAGE_RW);
      pa.set(va + i * 4096, p);
    }
  };
  map(CODE_VA, 4);
  map(DATA_VA, dataPages);
  const paOf = (va: number): number => {
    const base = va - (va % 4096);
    const p = pa.get(base);
    if (p === undefined) throw new Error(`0x${va.toString(16)} is not mapped`);
    return p + (va % 4096);
  };
  const cs = sim.gpu.cs;
  if (cs === undefined) throw new Error("no CS engine");
  return {
    sim,
    mmio,
    tables,
    cs,
    map,
    paOf,
    read32: (va: number): number => sim.memory.read32(paOf(va)),
    write32: (va: number, v: number): void => sim.memory.write32(paOf(va), v >>> 0),
    /** Writes `asm` at `va` (default {@link CODE_VA}) and starts it; the loop is not run. */
    start(asm: CsAssembler, va = CODE_VA, onSyncUpdate?: () => void) {
      const bytes = asm.bytes();
      for (let i = 0; i < bytes.length; i += 4) {
        sim.memory.write32(
          paOf(va + i),
          (bytes[i] as number) |
            ((bytes[i + 1] as number) << 8) |
            ((bytes[i + 2] as number) << 16) |
            ((bytes[i + 3] as number) << 24),
        );
      }
      const ended: CsEndResult[] = [];
      const run: CsExecution = cs.start({
        as: AS,
        va,
        length: bytes.length,
        onEnd: (r) => ended.push(r),
        ...(onSyncUpdate === undefined ? {} : { onSyncUpdate }),
      });
      return { run, ended };
    },
    /** Runs `asm` until the loop is idle; the run and its result. */
    run(asm: CsAssembler) {
      const s = this.start(asm);
      sim.loop.runUntilIdle(1_000_000);
      return { run: s.run, result: s.ended[0] };
    },
  };
}

/** A fresh assembler. */
export const asm = (): CsAssembler => new CsAssembler();
