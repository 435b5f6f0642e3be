/**
 * Benchmarks: AS switch round trip, jobs per host-second for 12 clients on 8 AS slots, and
 * 2 MiB BO create + map + unmap. Each group has a same-run baseline so results read as ratios.
 */
import { createPlatform, ProgramBuilder } from "@panmmu/hw";
import { CollectingWarningSink, PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import { bench, describe } from "vitest";
import { PanfrostClient } from "../src/client/client.js";
import { type ProgramSubmission, submitProgram } from "../src/client/program.js";
import { PanfrostDevice } from "../src/device/device.js";

function device(asPresent?: number): PanfrostDevice {
  const sim = createPlatform("t860", {
    seed: 3,
    warnings: new CollectingWarningSink(),
    ...(asPresent === undefined ? {} : { overrides: { asPresent } }),
  });
  const dev = PanfrostDevice.probe(sim.platform);
  if (typeof dev === "number") throw new Error(`probe ${dev}`);
  return dev;
}

function client(dev: PanfrostDevice, name: string): PanfrostClient {
  const c = PanfrostClient.open(dev, name);
  if (typeof c === "number") throw new Error(`open ${c}`);
  return c;
}

// ---- AS switch -------------------------------------------------------------------------------
const asDev = device(0x1);
const ctxA = client(asDev, "a").handle.priv.ctx;
const ctxB = client(asDev, "b").handle.priv.ctx;
const slots = asDev.mmu.slots;
let virtualNs = 0;
let switches = 0;

describe("AS switch round trip (asGet that steals + enable, then asPut)", () => {
  bench(
    "steal: two contexts alternating on one AS slot",
    () => {
      const t0 = asDev.platform.loop.now;
      for (const ctx of [ctxA, ctxB]) {
        slots.asGet(ctx);
        slots.asPut(ctx);
      }
      virtualNs += asDev.platform.loop.now - t0;
      switches += 2;
    },
    {
      teardown: () => {
        if (switches > 0) {
          console.log(
            `AS switch: ${(virtualNs / switches).toFixed(0)} virtual ns per steal+enable`,
          );
        }
      },
    },
  );
  bench("baseline: fast path (context already bound)", () => {
    slots.asGet(ctxB);
    slots.asPut(ctxB);
  });
});

// ---- jobs ------------------------------------------------------------------------------------
function jobRound(clients: PanfrostClient[], jobsPerClient: number, bos: number[]): void {
  const subs: Array<[PanfrostClient, ProgramSubmission]> = [];
  clients.forEach((c, i) => {
    for (let j = 0; j < jobsPerClient; j++) {
      const va = bos[i] ?? 0;
      const prog = new ProgramBuilder()
        .write32(va, j + 1)
        .check32(va, j + 1)
        .end()
        .buildBytes();
      subs.push([c, submitProgram(c, prog)]);
    }
  });
  const loop = clients[0]?.dev.platform.loop;
  loop?.runUntilIdle(1_000_000);
  for (const [c, s] of subs) c.gemClose(s.jobBo);
}

const jobDev12 = device();
const twelve = Array.from({ length: 12 }, (_, i) => client(jobDev12, `c${i}`));
const twelveBos = twelve.map((c) => c.createBo(4096, PANFROST_BO_NOEXEC).offset);
const jobDev1 = device();
const one = [client(jobDev1, "solo")];
const oneBo = [one[0]?.createBo(4096, PANFROST_BO_NOEXEC).offset ?? 0];

describe("jobs: 12 clients on 8 AS slots (one batch = 12 jobs)", () => {
  bench("12 clients x 1 job (AS slots stolen)", () => jobRound(twelve, 1, twelveBos));
  bench("baseline: 1 client x 12 jobs (no AS switch)", () => jobRound(one, 12, oneBo));
});

// ---- BO create + map + unmap --------------------------------------------------------------------
const boDev = device();
const boClient = client(boDev, "bo");

describe("BO create + map + unmap", () => {
  bench("2 MiB NOEXEC BO (one 2 MiB block)", () => {
    const r = boClient.createBo(2 << 20, PANFROST_BO_NOEXEC);
    boClient.gemClose(r.handle);
  });
  bench("baseline: 4 KiB BO", () => {
    const r = boClient.createBo(4096, PANFROST_BO_NOEXEC);
    boClient.gemClose(r.handle);
  });
});
