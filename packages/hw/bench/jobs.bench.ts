/**
 * Job-engine throughput. The memory-program COPY of 64 MiB through 4 KiB mappings is compared
 * with a raw typed-array copy of the same size in the same run (GB/s = 0.0671 * hz).
 */
import { bench, describe } from "vitest";
import { createPlatform } from "../src/gpu/platform.js";
import { igtJobLoopImage } from "../src/jobs/igt-images.js";
import { ProgramBuilder } from "../src/jobs/program/builder.js";
import { MemoryProgramEngine } from "../src/jobs/program/program-engine.js";
import { JsCommand, JsReg, jsRegOffset } from "../src/jobs/registers.js";
import {
  AS_COMMAND,
  AS_COMMAND_UPDATE,
  AS_TRANSTAB_HI,
  AS_TRANSTAB_LO,
  AS_TRANSTAB_LPAE_ADRMODE_TABLE,
  asReg,
} from "../src/regs/mmu-regs.js";
import { Rig } from "../test/jobs/helpers.js";
import { LpaeTables } from "../test/jobs/lpae-tables.js";

const SIZE = 64 * 1024 * 1024;
const SRC = 0x1_0000_0000;
const DST = 0x2_0000_0000;
const AS = 1;

function copyRig() {
  const r = new Rig();
  // Map page by page from scattered physical pages so every 4 KiB needs its own translation.
  for (const va of [SRC, DST]) {
    for (let off = 0; off < SIZE; off += 4096) {
      const pa = r.memory.allocPage();
      if (pa === null) throw new Error("out of memory");
      r.port.map(AS, va + off, pa, 4096);
    }
  }
  const engine = new MemoryProgramEngine({ loop: r.loop, memory: r.memory, port: r.port });
  const program = new ProgramBuilder().copy(DST, SRC, SIZE).build();
  return { r, engine, program };
}

const rig = copyRig();
const rawSrc = new Uint8Array(SIZE);
const rawDst = new Uint8Array(SIZE);
const pagesSrc: Uint8Array[] = [];
const pagesDst: Uint8Array[] = [];
for (let i = 0; i < SIZE / 4096; i++) {
  pagesSrc.push(new Uint8Array(4096));
  pagesDst.push(new Uint8Array(4096));
}

describe("memory program: COPY 64 MiB through 4 KiB mappings", () => {
  bench(
    "baseline: raw Uint8Array.set of 64 MiB",
    () => {
      rawDst.set(rawSrc);
    },
    { time: 1500 },
  );

  bench(
    "baseline: 16384 page-sized Uint8Array.set",
    () => {
      for (let i = 0; i < pagesSrc.length; i++) pagesDst[i]!.set(pagesSrc[i]!);
    },
    { time: 1500 },
  );

  bench(
    "runProgram COPY 64 MiB (test port)",
    () => {
      let status = 0;
      rig.engine.runProgram(AS, rig.program, { onComplete: (res) => (status = res.status) });
      rig.r.loop.runUntilIdle();
      if (status !== 1) throw new Error(`copy failed: ${status}`);
    },
    { time: 1500 },
  );
});

describe("job chains", () => {
  const r = new Rig();
  r.bo(AS, 0x10_0000, 4096);
  r.write(AS, 0x10_0000, igtJobLoopImage(0x10_0000));

  bench("IGT job loop: 10 ms of virtual time (~5000 WRITE_VALUE jobs)", () => {
    r.jc.write32(0x004, 0xffffffff);
    r.write(AS, 0x10_0000, new Uint8Array(4));
    r.write(AS, 0x10_0040, new Uint8Array(4));
    r.submit(1, 0x10_0000, AS);
    r.loop.advance(10_000_000);
    r.jc.write32(jsRegOffset(1, JsReg.COMMAND), JsCommand.HARD_STOP);
    r.loop.runUntilIdle();
  });
});

describe("memory program on the real MMU (Mali-G52, LPAE tables, 512-entry TLB)", () => {
  const sim = createPlatform("g52", { memory: { size: 512 * 1024 * 1024 } });
  const tables = new LpaeTables(sim.memory);
  for (const va of [SRC, DST]) {
    for (let off = 0; off < SIZE; off += 4096) tables.map(va + off, tables.page());
  }
  const mmio = sim.platform.mmio;
  mmio.write32(asReg(AS, AS_TRANSTAB_LO), (tables.root % 2 ** 32) + AS_TRANSTAB_LPAE_ADRMODE_TABLE);
  mmio.write32(asReg(AS, AS_TRANSTAB_HI), Math.floor(tables.root / 2 ** 32));
  mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_UPDATE);
  sim.loop.advance(100_000);
  const program = new ProgramBuilder().copy(DST, SRC, SIZE).build();

  bench(
    "runProgram COPY 64 MiB (real MMU: TLB miss + 4-level walk per page)",
    () => {
      let status = 0;
      sim.gpu.programs.runProgram(AS, program, { onComplete: (res) => (status = res.status) });
      sim.loop.runUntilIdle();
      if (status !== 1) throw new Error(`copy failed: ${status}`);
    },
    { time: 1500 },
  );
});
