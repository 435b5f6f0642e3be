/**
 * Property: any interleaving of exports, cross-device imports, handle deletions, fd closes and
 * file closes keeps imports on their exporter's pages with the exporter pinned once per live
 * attachment, and once everything is closed no page, object or warning is left.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DmaBuf, DrmFile, DrmGemShmemObject } from "../../src/index.js";
import { openFile } from "./helpers.js";
import { fdToHandle, handleToFd, makeTwoDevices, shmemWithHandle } from "./prime-helpers.js";

type Op =
  | { kind: "create"; pages: number }
  | { kind: "export"; pick: number }
  | { kind: "import"; pick: number; file: number }
  | { kind: "dropGpu"; pick: number }
  | { kind: "dropKms"; pick: number }
  | { kind: "closeFd"; pick: number }
  | { kind: "reopen"; file: number }
  | { kind: "write"; pick: number; value: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("create" as const), pages: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("export" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("import" as const), pick: fc.nat(), file: fc.nat({ max: 1 }) }),
  fc.record({ kind: fc.constant("dropGpu" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("dropKms" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("closeFd" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("reopen" as const), file: fc.nat({ max: 1 }) }),
  fc.record({
    kind: fc.constant("write" as const),
    pick: fc.nat(),
    value: fc.integer({ min: 1, max: 0xffff_ffff }),
  }),
);

function pick<T>(items: readonly T[], i: number): T | undefined {
  return items.length === 0 ? undefined : items[i % items.length];
}

describe("cross-device PRIME lifetimes (property)", () => {
  it("imports track their exporter, pins match attachments, nothing leaks", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const t = makeTwoDevices();
        const gpuFiles: DrmFile[] = [t.gpuFile, openFile(t.gpu)];
        const kmsHandles: number[] = [];
        const fds: number[] = [];
        const exporters = new Set<DrmGemShmemObject>();
        for (const op of ops) {
          switch (op.kind) {
            case "create": {
              const [h, obj] = shmemWithHandle(t.kmsFile, op.pages * 4096);
              kmsHandles.push(h);
              exporters.add(obj);
              break;
            }
            case "export": {
              const h = pick(kmsHandles, op.pick);
              if (h === undefined) break;
              const [ret, fd] = handleToFd(t.kmsFile, h, 0, t.user);
              expect(ret).toBe(0);
              fds.push(fd);
              break;
            }
            case "import": {
              const fd = pick(fds, op.pick);
              const f = gpuFiles[op.file] as DrmFile;
              if (fd === undefined) break;
              const [ret, h] = fdToHandle(f, fd, t.user);
              expect(ret).toBe(0);
              expect(fdToHandle(f, fd, t.user)).toEqual([0, h]);
              break;
            }
            case "dropGpu": {
              const f = gpuFiles[op.pick % 2] as DrmFile;
              const h = pick(
                [...f.objectIdr.entries()].map(([k]) => k),
                op.pick,
              );
              if (h !== undefined) expect(f.gemHandleDelete(h)).toBe(0);
              break;
            }
            case "dropKms": {
              const i = kmsHandles.length === 0 ? -1 : op.pick % kmsHandles.length;
              if (i < 0) break;
              expect(t.kmsFile.gemHandleDelete(kmsHandles[i] as number)).toBe(0);
              kmsHandles.splice(i, 1);
              break;
            }
            case "closeFd": {
              const i = fds.length === 0 ? -1 : op.pick % fds.length;
              if (i < 0) break;
              expect(t.gpu.closeFd(fds[i] as number)).toBe(0);
              fds.splice(i, 1);
              break;
            }
            case "reopen": {
              expect(t.gpu.close(gpuFiles[op.file] as DrmFile)).toBe(0);
              gpuFiles[op.file] = openFile(t.gpu);
              break;
            }
            case "write": {
              const f = gpuFiles[op.pick % 2] as DrmFile;
              const obj = pick(
                [...f.objectIdr.entries()].map(([, o]) => o as DrmGemShmemObject),
                op.pick,
              );
              const exporter = obj?.importAttach?.dmabuf.obj as DrmGemShmemObject | undefined;
              if (obj === undefined || exporter === undefined) break;
              const w = obj.vmap();
              const r = exporter.vmap();
              if (typeof w === "number" || typeof r === "number") throw new Error("vmap");
              w.writeU32(obj.size - 4, op.value);
              expect(r.readU32(obj.size - 4)).toBe(op.value >>> 0);
              w.unmap();
              r.unmap();
              break;
            }
          }
          // Invariants after every step.
          for (const e of exporters) {
            if (e.freed) continue;
            const attachments = (e.dmaBuf ?? null)?.attachments.size ?? null;
            let live = 0;
            for (const f of gpuFiles) {
              for (const [, o] of f.objectIdr.entries()) {
                const buf: DmaBuf | undefined = o.importAttach?.dmabuf;
                if (buf?.obj === e) {
                  live++;
                  expect((o as DrmGemShmemObject).pages).toEqual(e.pages);
                }
              }
            }
            expect(e.pagesPinCount).toBe(live);
            if (attachments !== null) expect(attachments).toBe(live);
          }
        }
        for (const f of gpuFiles) t.gpu.close(f);
        for (const fd of fds) t.kms.closeFd(fd);
        t.kms.close(t.kmsFile);
        for (const e of exporters) expect(e.freed).toBe(true);
        expect(t.kms.objects.size + t.gpu.objects.size).toBe(0);
        expect(t.kms.fds.size).toBe(0);
        expect(t.env.memory.allocatedPages).toBe(0);
        expect(t.env.warnings.warnings).toEqual([]);
      }),
      { numRuns: 150, seed: 0x9e1 },
    );
  });
});
