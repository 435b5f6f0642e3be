/**
 * PanthorBo.folioSizeAt(): the folio size iova_mapped_as_huge_page() reads, from the 2 MiB runs
 * the shmem backing allocates (the huge tmpfs folios).
 */
import { describe, expect, it } from "vitest";
import { PanthorBo } from "../../src/gem/bo.js";
import { drmCloseDriver, drmOpenDriver } from "../igt/igt-lib.js";

describe("PanthorBo folio sizes", () => {
  it("reports 2 MiB for the pages of an allocated 2 MiB run and 4 KiB elsewhere", () => {
    const t = drmOpenDriver();
    const r = t.fd.boCreate(0x30_0000n);
    expect(r.ret).toBe(0);
    const obj = t.fd.handle.file.gemObjectLookup(r.handle);
    expect(obj).toBeInstanceOf(PanthorBo);
    const bo = obj as PanthorBo;
    // No pages yet: nothing is huge.
    expect(bo.folioSizeAt(0)).toBe(0x1000);
    expect(bo.getPages()).toBe(0);
    const pages = bo.pages as readonly number[];
    expect((pages[0] as number) % 0x20_0000).toBe(0);
    expect(pages[511]).toBe((pages[0] as number) + 511 * 0x1000);
    expect(bo.folioSizeAt(0)).toBe(0x20_0000);
    expect(bo.folioSizeAt(0x1f_f000 + 5)).toBe(0x20_0000);
    // The last MiB is not a whole 2 MiB block: single pages.
    expect(bo.folioSizeAt(0x20_0000)).toBe(0x1000);
    expect(bo.folioSizeAt(0x2f_f000)).toBe(0x1000);
    bo.putPages();
    bo.put();
    expect(t.fd.gemClose(r.handle)).toBe(0);
    drmCloseDriver(t);
  });
});
