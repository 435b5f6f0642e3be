import { it } from "vitest";
import { formatFault } from "../src/debug/fault-log.js";
import { makeStack, absTimeout } from "./helpers/stack.js";
import { doSubmit, igtPanfrostJobLoop, syncobjWait } from "./igt/igt-lib.js";
it("dbg", () => {
  const s = makeStack("g57", { forceAarch64Pgtable: true });
  const fd = s.open("igt");
  const job = igtPanfrostJobLoop(fd);
  console.log("submit", doSubmit(fd, job));
  console.log("wait", syncobjWait(fd, job.outSync, absTimeout(s, 100_000_000)), fd.fenceError(job.outSync), s.sim.loop.now);
  console.log(s.dev.mmu.faultLog.records.map(formatFault), s.dev.jobs.counters);
  const m = job.submitBo.map!;
  console.log([0, 4, 8, 12, 64, 68, 72].map((o) => m.readU32(o).toString(16)));
});
