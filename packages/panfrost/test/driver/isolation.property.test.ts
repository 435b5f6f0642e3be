/**
 * Isolation, property-based: random clients, BOs (some shared) and one-store memory programs.
 * A store lands only in a BO mapped in the storing file (its own or one shared with it); any
 * other store faults, and no page leaks once every file is closed.
 */
import { type DrmVma, drmGemFlink, drmGemOpen } from "@panmmu/drm";
import { ProgramBuilder } from "@panmmu/hw";
import { PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PanfrostClient } from "../../src/client/client.js";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { FORMAT_PRESETS, makeStack } from "../helpers/stack.js";

interface BoRec {
  id: number;
  pages: number;
  /** Per client index: { handle, va } where the BO is mapped. */
  maps: Map<number, { handle: number; va: number }>;
  owner: number;
}

const scenario = fc.record({
  clients: fc.integer({ min: 2, max: 4 }),
  bos: fc.array(
    fc.record({
      owner: fc.nat(3),
      pages: fc.integer({ min: 1, max: 4 }),
      shareWith: fc.option(fc.nat(3)),
    }),
    {
      minLength: 2,
      maxLength: 7,
    },
  ),
  rounds: fc.array(
    fc.array(
      fc.record({
        kind: fc.constantFrom("own", "other", "random"),
        bo: fc.nat(6),
        word: fc.nat(4095),
        random: fc.integer({ min: 0, max: 2 ** 33 - 1 }),
      }),
      { minLength: 4, maxLength: 4 },
    ),
    { minLength: 1, maxLength: 3 },
  ),
});

describe.each(FORMAT_PRESETS)("isolation on $label", ({ preset, probe }) => {
  it("programs reach only their file's BOs; other accesses fault; no page leaks", () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const s = makeStack(preset, probe);
        const clients: PanfrostClient[] = [];
        for (let i = 0; i < sc.clients; i++) clients.push(s.open(`p${i}`));
        const bos: BoRec[] = [];
        for (const b of sc.bos) {
          const owner = b.owner % sc.clients;
          const c = clients[owner] as PanfrostClient;
          const r = c.createBo(b.pages * 4096, PANFROST_BO_NOEXEC);
          expect(r.ret).toBe(0);
          const rec: BoRec = {
            id: bos.length,
            pages: b.pages,
            owner,
            maps: new Map([[owner, { handle: r.handle, va: r.offset }]]),
          };
          if (b.shareWith !== null) {
            const other = b.shareWith % sc.clients;
            if (other !== owner) {
              const name = drmGemFlink(c.handle.file, r.handle);
              const o = clients[other] as PanfrostClient;
              const opened = drmGemOpen(o.handle.file, name);
              if (typeof opened === "number") throw new Error("gem open");
              const off = o.getBoOffset(opened.handle);
              expect(off.ret).toBe(0);
              rec.maps.set(other, { handle: opened.handle, va: off.offset });
            }
          }
          bos.push(rec);
        }
        // Expected final words per BO: word index -> set of values.
        const expected = bos.map(() => new Map<number, Set<number>>());
        let tag = 1;
        for (const round of sc.rounds) {
          const subs: Array<{
            c: PanfrostClient;
            sub: ReturnType<typeof submitProgram>;
            hit: boolean;
          }> = [];
          round.forEach((op, i) => {
            if (i >= sc.clients) return;
            const c = clients[i] as PanfrostClient;
            const target = bos[op.bo % bos.length] as BoRec;
            let va: number;
            if (op.kind === "random") va = op.random - (op.random % 4);
            else if (op.kind === "own" && target.maps.has(i))
              va = (target.maps.get(i)?.va ?? 0) + ((op.word * 4) % (target.pages * 4096));
            else {
              // Another file's VA for this BO (meaningless in this file's address space).
              const [, m] = [...target.maps.entries()].find(([k]) => k !== i) ?? [
                i,
                target.maps.get(i),
              ];
              va = (m?.va ?? 0) + ((op.word * 4) % (target.pages * 4096));
            }
            // What this file's own address space holds at va.
            let hit = false;
            for (const b of bos) {
              const m = b.maps.get(i);
              if (m !== undefined && va >= m.va && va < m.va + b.pages * 4096) {
                hit = true;
                const w = (va - m.va) / 4;
                const set = expected[b.id]?.get(w) ?? new Set<number>();
                set.add(tag);
                expected[b.id]?.set(w, set);
              }
            }
            const handles = bos.filter((b) => b.maps.has(i)).map((b) => b.maps.get(i)?.handle ?? 0);
            const prog = new ProgramBuilder().write32(va, tag).end().buildBytes();
            tag++;
            const sub = submitProgram(c, prog, handles);
            expect(sub.ret).toBe(0);
            // The job's own BO (descriptor + program) is also mapped in this file.
            if (va >= sub.jobVa && va < sub.jobVa + 4096) hit = true;
            subs.push({ c, sub, hit });
          });
          for (const { c, sub, hit } of subs) {
            expect(waitSubmission(c, sub, 200_000_000)).toBe(true);
            const err = c.fenceError(sub.outSync);
            if (hit) expect(err).toBe(0);
            else expect(err).not.toBe(0);
            c.gemClose(sub.jobBo);
          }
        }
        for (const b of bos) {
          const [ci, m] = [...b.maps.entries()][0] as [number, { handle: number; va: number }];
          const view = (clients[ci] as PanfrostClient).map(m.handle) as DrmVma;
          const bytes = view.read(0, b.pages * 4096);
          view.munmap();
          const dv = new DataView(bytes.buffer);
          for (let w = 0; w < b.pages * 1024; w++) {
            const v = dv.getUint32(w * 4, true);
            const set = expected[b.id]?.get(w);
            if (set === undefined) expect(v).toBe(0);
            else expect(set.has(v)).toBe(true);
          }
        }
        for (const c of clients) expect(c.close()).toBe(0);
        s.sim.loop.runUntilIdle(1_000_000);
        expect(s.sim.memory.allocatedPages).toBe(s.basePages);
        expect(s.warnings.warnings).toEqual([]);
      }),
      { numRuns: 12, seed: 0x5eed },
    );
  });
});
