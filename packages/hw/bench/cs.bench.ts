/**
 * Command-stream interpreter throughput on the built package (benchmark mode loads
 * `@panmmu/hw` from dist): CS instructions per host second for an ALU loop, STORE_MULTIPLE
 * stores per host second through 4 KiB mappings (a TLB lookup per store), and the host latency
 * from `CsEngine.start` to the first instruction. Targets: >= 20 M instructions/s, >= 5 M
 * stores/s. Each sample runs a whole stream; the figures printed at the end are medians over
 * the samples of the timed phase.
 */
import { CsAssembler, CsCondition } from "@panmmu/fixtures";
import { type CsEndResult, createPlatform } from "@panmmu/hw";
import { afterAll, bench, describe } from "vitest";

const AS = 1;
const CODE = 0x1000;
const DATA = 0x10_0000;
const DATA_PAGES = 64;
const PTE_RW = 0xe43;

/** A G610 with AS 1 on hand-written AArch64 tables: one code page, 64 data pages. */
function rig() {
  const sim = createPlatform("g610");
  const mem = sim.memory;
  const page = (): number => {
    const p = mem.allocPage();
    if (p === null) throw new Error("out of memory");
    return p;
  };
  const [root, l1, l2, l3] = [page(), page(), page(), page()];
  const set = (t: number, i: number, lo: number): void => {
    mem.write32(t + i * 8, lo >>> 0);
    mem.write32(t + i * 8 + 4, 0);
  };
  set(root, 0, l1 | 3);
  set(l1, 0, l2 | 3);
  set(l2, 0, l3 | 3);
  const map = (va: number, pa: number): void => set(l3, (va >>> 12) & 511, pa | PTE_RW);
  const code = page();
  map(CODE, code);
  for (let i = 0; i < DATA_PAGES; i++) map(DATA + i * 4096, page());
  const as = (o: number, v: number): void => sim.platform.mmio.write32(0x2400 + AS * 0x40 + o, v);
  as(0x00, root); // TRANSTAB
  as(0x04, 0);
  as(0x08, 0x4848_4848); // MEMATTR
  as(0x0c, 0x4848_4848);
  as(0x30, 6 | (7 << 6)); // TRANSCFG: AArch64 4K, 48-bit input
  as(0x34, 0);
  as(0x18, 1); // COMMAND UPDATE
  sim.loop.runUntilIdle();
  const cs = sim.gpu.cs;
  if (cs === undefined) throw new Error("no CS engine");
  const load = (a: CsAssembler): number => {
    const b = a.bytes();
    mem.writeBytes(code, b);
    return b.length;
  };
  const run = (length: number): CsEndResult => {
    let end: CsEndResult | null = null;
    cs.start({ as: AS, va: CODE, length, onEnd: (r) => (end = r) });
    sim.loop.runUntilIdle();
    if (end === null) throw new Error("the stream did not end");
    return end;
  };
  return { sim, cs, load, run };
}

const samples = new Map<string, number[]>();
let recording = false;
const record = (label: string, v: number): void => {
  if (!recording) return;
  const list = samples.get(label) ?? [];
  list.push(v);
  samples.set(label, list);
};
const setup = (_t: unknown, mode: "warmup" | "run"): void => {
  recording = mode === "run";
};

const ALU_ITERATIONS = 200_000;
const alu = rig();
const aluLen = (() => {
  const a = new CsAssembler().move32(0, ALU_ITERATIONS);
  const loop = a.label();
  a.bind(loop).addImm32(1, 1, 1).addImm32(0, 0, -1).branch(CsCondition.GT, 0, loop);
  return alu.load(a);
})();

const STORES = 60_000; // 234 KiB: within the 64 mapped pages
const store = rig();
const storeLen = (() => {
  const a = new CsAssembler().move32(0, STORES).move48(40, DATA).move32(10, 7);
  const loop = a.label();
  a.bind(loop)
    .storeMultiple(10, 40, 1, 0)
    .addImm64(40, 40, 4)
    .addImm32(0, 0, -1)
    .branch(CsCondition.GT, 0, loop);
  return store.load(a);
})();

const first = rig();
const firstLen = first.load(new CsAssembler().nop());

describe("CS interpreter", () => {
  bench(
    "ALU loop (ADD_IMM32, ADD_IMM32, BRANCH)",
    () => {
      const t0 = performance.now();
      const end = alu.run(aluLen);
      record(
        "ALU, M instructions per host second",
        end.instructions / (performance.now() - t0) / 1e3,
      );
    },
    { time: 2000, warmupTime: 1000, setup },
  );
  bench(
    "STORE_MULTIPLE loop through 4 KiB mappings",
    () => {
      const t0 = performance.now();
      store.run(storeLen);
      record("STORE_MULTIPLE, M stores per host second", STORES / (performance.now() - t0) / 1e3);
    },
    { time: 2000, warmupTime: 1000, setup },
  );
  bench(
    "start to first instruction (a one-NOP stream, start to end)",
    () => {
      const t0 = performance.now();
      first.run(firstLen);
      record("start to end of a one-NOP stream, host µs", (performance.now() - t0) * 1e3);
    },
    { time: 1000, warmupTime: 500, setup },
  );
});

afterAll(() => {
  const rows = ["| workload | median |", "| --- | --- |"];
  for (const [label, xs] of samples) {
    const s = [...xs].sort((a, b) => a - b);
    rows.push(`| ${label} | ${(s[s.length >> 1] as number).toPrecision(3)} |`);
  }
  console.log(`\n${rows.join("\n")}\n`);
});
