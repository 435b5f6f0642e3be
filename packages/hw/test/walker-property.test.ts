import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPlatform, GpuAccessKind, TRANSLATE_FAULTED } from "../src/index.js";
import {
  A64_PAGE_RW,
  HandTables,
  MALI_PAGE_RW,
  programAarch64,
  programMali,
} from "./helpers/hand-tables.js";

describe("walker property", () => {
  for (const format of ["mali", "aarch64"] as const) {
    it(`${format}: every mapped page translates to its frame, every other page faults`, () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 36 - 1 }), { minLength: 1, maxLength: 24 }),
          fc.array(fc.integer({ min: 0, max: 2 ** 36 - 1 }), { maxLength: 24 }),
          (mappedVpns, probeVpns) => {
            const sim = createPlatform(format === "mali" ? "g57" : "g610", {
              timing: { mmuCommandNs: 0 },
            });
            const t = new HandTables(sim.memory);
            const frames = new Map<number, number>();
            for (const vpn of mappedVpns) {
              const pa = sim.memory.allocPage() as number;
              frames.set(vpn, pa);
              t.map(vpn * 4096, pa, 3, format === "mali" ? MALI_PAGE_RW : A64_PAGE_RW);
            }
            if (format === "mali") programMali(sim.platform.mmio, 0, t.root);
            else programAarch64(sim.platform.mmio, 0, t.root);
            for (const vpn of [...mappedVpns, ...probeVpns]) {
              const pa = sim.gpu.mmu.translate(0, vpn * 4096 + 0x123, GpuAccessKind.Read, 0);
              const frame = frames.get(vpn);
              expect(pa).toBe(frame === undefined ? TRANSLATE_FAULTED : frame + 0x123);
              sim.platform.mmio.write32(0x2004, 0xffffffff);
            }
          },
        ),
        { numRuns: 40 },
      );
    });
  }
});
