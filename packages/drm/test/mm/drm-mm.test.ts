/**
 * Behaviour of the DrmMm API beyond the golden vectors: argument domains and errno, state left
 * untouched by bad input, misuse warnings, takedown leak reports, replace, iteration, the
 * panfrost colour rule, mode decoding and the red-black tree port itself.
 */
import { CollectingWarningSink, EINVAL, ENOSPC } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  DRM_MM_INSERT_BEST,
  DRM_MM_INSERT_EVICT,
  DRM_MM_INSERT_HIGH,
  DRM_MM_INSERT_HIGHEST,
  DRM_MM_INSERT_LOW,
  DRM_MM_INSERT_LOWEST,
  DrmMm,
  DrmMm64,
  DrmMmNode,
  insertModeOnce,
  insertModeSearch,
  PANFROST_PFN_4G,
  panfrostColorAdjust,
  panfrostColorAdjust64,
  RB_NIL,
  RbTree,
} from "../../src/mm/index.js";

function snapshot(mm: DrmMm): string {
  return JSON.stringify([
    mm.holeList(),
    mm.holeStack(),
    mm.holeAddrTree(),
    [...mm.nodes()].map((n) => [n.start, n.size]),
  ]);
}

describe("DrmMm API", () => {
  it("places a node with insertNode and frees it again", () => {
    const mm = new DrmMm();
    mm.init(0x1000, 0x10000);
    const n = new DrmMmNode(0, 0);
    expect(mm.insertNode(n, 0x100)).toBe(0);
    expect([n.start, n.size, n.color, n.allocated]).toEqual([0x1000, 0x100, 0, true]);
    expect(mm.holeList()).toEqual([{ start: 0x1100, size: 0xff00 }]);
    mm.removeNode(n);
    expect(n.allocated).toBe(false);
    expect(mm.holeList()).toEqual([{ start: 0x1000, size: 0x10000 }]);
    expect(mm.clean).toBe(true);
  });

  it("rejects arguments outside the number domain with -EINVAL and changes nothing", () => {
    const mm = new DrmMm();
    mm.init(0, 1 << 20);
    const keep = new DrmMmNode(0, 0);
    mm.insertNode(keep, 10);
    const before = snapshot(mm);
    const n = new DrmMmNode(0, 0);
    expect(mm.insertNodeInRange(n, 1.5, 0, 0, 0, 100, 0)).toBe(-EINVAL);
    expect(mm.insertNodeInRange(n, 16, -1, 0, 0, 100, 0)).toBe(-EINVAL);
    expect(mm.insertNodeInRange(n, 16, 0, 0, 0, 2 ** 60, 0)).toBe(-EINVAL);
    expect(mm.insertNodeInRange(n, 16, 0, -3, 0, 100, 0)).toBe(-EINVAL);
    expect(mm.reserveNode(new DrmMmNode(Number.NaN, 4))).toBe(-EINVAL);
    expect(snapshot(mm)).toBe(before);
    expect(n.allocated).toBe(false);
  });

  it("rejects a manager that does not fit safe integers", () => {
    expect(() => new DrmMm().init(2 ** 52, 2 ** 52)).toThrow(RangeError);
    expect(() => new DrmMm64().init(-1n, 2n)).toThrow(RangeError);
  });

  it("refuses to insert an allocated node and warns", () => {
    const warnings = new CollectingWarningSink();
    const mm = new DrmMm({ warnings });
    mm.init(0, 100);
    const n = new DrmMmNode(0, 0);
    expect(mm.insertNode(n, 10)).toBe(0);
    const before = snapshot(mm);
    expect(mm.insertNode(n, 10)).toBe(-EINVAL);
    expect(mm.reserveNode(n)).toBe(-EINVAL);
    expect(snapshot(mm)).toBe(before);
    expect(warnings.warnings.map((w) => w.where)).toEqual([
      "drm_mm_insert_node_in_range",
      "drm_mm_reserve_node",
    ]);
  });

  it("warns on removing a node that is not allocated here", () => {
    const warnings = new CollectingWarningSink();
    const mm = new DrmMm({ warnings });
    mm.init(0, 100);
    const other = new DrmMm();
    other.init(0, 100);
    const n = new DrmMmNode(0, 0);
    mm.removeNode(n);
    other.insertNode(n, 5);
    mm.removeNode(n);
    expect(n.allocated).toBe(true);
    expect(warnings.warnings).toHaveLength(2);
    expect(warnings.warnings.every((w) => w.where === "drm_mm_remove_node")).toBe(true);
  });

  it("takedown reports each leaked node", () => {
    const warnings = new CollectingWarningSink();
    const mm = new DrmMm({ warnings });
    mm.init(0, 0x1000);
    const a = new DrmMmNode(0, 0);
    const b = new DrmMmNode(0x800, 0x10, 3);
    mm.insertNode(a, 0x20);
    expect(mm.reserveNode(b)).toBe(0);
    expect(mm.takedown()).toEqual([a, b]);
    expect(warnings.warnings).toEqual([
      { where: "drm_mm_takedown", message: "Memory manager not clean during takedown." },
      { where: "drm_mm_takedown", message: "leaked node [0x00000000 + 0x00000020] color 0" },
      { where: "drm_mm_takedown", message: "leaked node [0x00000800 + 0x00000010] color 3" },
    ]);
    mm.removeNode(a);
    mm.removeNode(b);
    warnings.clear();
    expect(mm.takedown()).toEqual([]);
    expect(warnings.warnings).toEqual([]);
  });

  it("replaceNode hands over the allocation and its hole", () => {
    const mm = new DrmMm();
    mm.init(0, 100);
    const a = new DrmMmNode(0, 0);
    const b = new DrmMmNode(0, 0);
    mm.insertNodeGeneric(a, 10, 0, 7, DRM_MM_INSERT_LOW);
    const before = JSON.stringify([mm.holeList(), mm.holeStack(), mm.holeAddrTree()]);
    mm.replaceNode(a, b);
    expect([a.allocated, b.allocated, b.start, b.size, b.color]).toEqual([false, true, 0, 10, 7]);
    expect(mm.holeFollows(b)).toBe(true);
    expect(JSON.stringify([mm.holeList(), mm.holeStack(), mm.holeAddrTree()])).toBe(before);
    mm.removeNode(b);
    expect(mm.holeList()).toEqual([{ start: 0, size: 100 }]);
  });

  it("iterates nodes in address order and nodes overlapping a range", () => {
    const mm = new DrmMm();
    mm.init(0, 100);
    const nodes = [40, 10, 70].map((s) => {
      const n = new DrmMmNode(s, 5);
      expect(mm.reserveNode(n)).toBe(0);
      return n;
    });
    expect([...mm.nodes()].map((n) => n.start)).toEqual([10, 40, 70]);
    expect([...mm.nodesInRange(12, 41)].map((n) => n.start)).toEqual([10, 40]);
    expect([...mm.nodesInRange(45, 70)]).toEqual([]);
    expect(mm.holeList()).toEqual([
      { start: 0, size: 10 },
      { start: 15, size: 25 },
      { start: 45, size: 25 },
      { start: 75, size: 25 },
    ]);
    for (const n of nodes) mm.removeNode(n);
  });

  it("EVICT takes the newest hole, BEST the smallest (newest among equals)", () => {
    const mm = new DrmMm();
    mm.init(0, 1000);
    const nodes = [0, 100, 200, 300, 400].map((s) => {
      const n = new DrmMmNode(s, 50);
      mm.reserveNode(n);
      return n;
    });
    // Holes: [50,100) [150,200) [250,300) [350,400) [450,1000); remove makes merged holes newest.
    mm.removeNode(nodes[1] as DrmMmNode);
    const e = new DrmMmNode(0, 0);
    expect(mm.insertNodeGeneric(e, 10, 0, 0, DRM_MM_INSERT_EVICT)).toBe(0);
    expect(e.start).toBe(50);
    const b = new DrmMmNode(0, 0);
    expect(mm.insertNodeGeneric(b, 40, 0, 0, DRM_MM_INSERT_BEST)).toBe(0);
    // Equal 50-unit holes at 250 and 350: both added at reserve time, 350's later, so newest.
    expect(b.start).toBe(350);
    const h = new DrmMmNode(0, 0);
    expect(mm.insertNodeGeneric(h, 40, 16, 0, DRM_MM_INSERT_HIGH)).toBe(0);
    expect(h.start).toBe(960);
    const h2 = new DrmMmNode(0, 0);
    expect(mm.insertNodeGeneric(h2, 40, 24, 0, DRM_MM_INSERT_HIGH)).toBe(0);
    // 920 is not a multiple of 24: HIGH rounds down to 912.
    expect(h2.start).toBe(912);
  });

  it("the u64 top edge: the last unit of [0, 2^64-1) is never allocatable", () => {
    const mm = new DrmMm64();
    mm.init(0n, 0xffff_ffff_ffff_ffffn);
    expect(mm.reserveNode(new DrmMmNode(0xffff_ffff_ffff_ffffn, 1n))).toBe(-ENOSPC);
    const n = new DrmMmNode(0xffff_ffff_ffff_fffen, 1n);
    expect(mm.reserveNode(n)).toBe(0);
    const top = new DrmMmNode(0n, 0n);
    expect(mm.insertNodeGeneric(top, 0x10n, 0x10n, 0, DRM_MM_INSERT_HIGH)).toBe(0);
    expect(top.start).toBe(0xffff_ffff_ffff_ffe0n);
    // A round-up past 2^64 wraps to a small start and is rejected.
    const wrap = new DrmMmNode(0n, 0n);
    expect(
      mm.insertNodeInRange(
        wrap,
        1n,
        0x8000_0000_0000_0000n,
        0,
        0xffff_ffff_ffff_fff0n,
        0xffff_ffff_ffff_fff8n,
        0,
      ),
    ).toBe(-ENOSPC);
  });

  it("decodes raw modes like the kernel", () => {
    expect([0, 1, 2, 3, 4, 0x7fffffff].map(insertModeSearch)).toEqual([0, 1, 2, 3, 0, 0]);
    expect(insertModeSearch(DRM_MM_INSERT_HIGHEST)).toBe(DRM_MM_INSERT_HIGH);
    expect(insertModeSearch(DRM_MM_INSERT_LOWEST)).toBe(DRM_MM_INSERT_LOW);
    expect([DRM_MM_INSERT_LOWEST, DRM_MM_INSERT_LOW, 0x80000004].map(insertModeOnce)).toEqual([
      true,
      false,
      true,
    ]);
  });
});

describe("panfrostColorAdjust", () => {
  const cases: [number, number, number][] = [
    // [color, start, end]
    [0, 0x2000, 0x100000],
    [0, 0x0, 0x200000],
    [0, 0xff000, 0x100800],
    [0, 0xff800, 0x300000],
    [0, 0x100001, 0x100400],
    [1, 0x0, 0x100000],
    [2, 0x100000, 0x200000],
  ];
  it("keeps exec windows inside one 4 GiB segment, off its first and last page", () => {
    const r = { start: 0x2000, end: 0x100000 };
    panfrostColorAdjust(new DrmMmNode(0, 0), 0, r);
    expect(r).toEqual({ start: 0x2000, end: 0xfffff });
    const s = { start: 0xff000, end: 0x300000 };
    panfrostColorAdjust(new DrmMmNode(0, 0), 0, s);
    expect(s).toEqual({ start: PANFROST_PFN_4G + 1, end: 2 * PANFROST_PFN_4G - 1 });
    const noexec = { start: 0, end: 0x100000 };
    panfrostColorAdjust(new DrmMmNode(0, 0), 1, noexec);
    expect(noexec).toEqual({ start: 0, end: 0x100000 });
  });
  it("number and bigint flavours agree", () => {
    for (const [color, start, end] of cases) {
      const a = { start, end };
      const b = { start: BigInt(start), end: BigInt(end) };
      panfrostColorAdjust(new DrmMmNode(0, 0), color, a);
      panfrostColorAdjust64(new DrmMmNode(0n, 0n), color, b);
      expect([BigInt(a.start), BigInt(a.end)]).toEqual([b.start, b.end]);
    }
  });
});

describe("red-black tree port", () => {
  function keysInOrder(t: RbTree, keys: number[]): number[] {
    const out: number[] = [];
    for (let n = t.first(); n !== RB_NIL; n = t.next(n)) out.push(keys[n] as number);
    return out;
  }
  function insert(t: RbTree, keys: number[], slot: number): void {
    let link = t.root;
    let parent = RB_NIL;
    let left = false;
    while (link !== RB_NIL) {
      parent = link;
      left = (keys[slot] as number) < (keys[link] as number);
      link = left ? t.leftOf(link) : t.rightOf(link);
    }
    t.link(slot, parent, left);
    t.insertColor(slot);
  }
  function blackHeight(t: RbTree, n: number): number {
    if (n === RB_NIL) return 1;
    if (!t.isBlack(n)) {
      for (const c of [t.leftOf(n), t.rightOf(n)])
        if (c !== RB_NIL) expect(t.isBlack(c)).toBe(true);
    }
    const l = blackHeight(t, t.leftOf(n));
    expect(blackHeight(t, t.rightOf(n))).toBe(l);
    return l + (t.isBlack(n) ? 1 : 0);
  }

  it("builds the kernel's shapes for ascending inserts", () => {
    const t = new RbTree(new Int32Array(10 * 16).fill(RB_NIL), 0);
    const keys = [10, 20, 30, 40, 50];
    keys.forEach((_, i) => {
      insert(t, keys, i);
    });
    // 20 is the black root; 10 black; 40 black with red 30 and 50.
    expect(t.root).toBe(1);
    expect([t.leftOf(1), t.rightOf(1)]).toEqual([0, 3]);
    expect([t.leftOf(3), t.rightOf(3)]).toEqual([2, 4]);
    expect([0, 1, 2, 3, 4].map((n) => t.isBlack(n))).toEqual([true, true, false, true, false]);
  });

  it("keeps order and red-black rules through random inserts and erases", () => {
    const cap = 512;
    const t = new RbTree(new Int32Array(10 * cap).fill(RB_NIL), 0);
    const keys = Array.from({ length: cap }, (_, i) => (i * 7919) % 1009);
    const live = new Set<number>();
    for (let step = 0; step < 3000; step++) {
      const slot = (step * 104729) % cap;
      if (live.has(slot)) {
        t.erase(slot);
        live.delete(slot);
      } else {
        insert(t, keys, slot);
        live.add(slot);
      }
      if (step % 97 === 0) {
        const inOrder = keysInOrder(t, keys);
        expect(inOrder).toEqual([...live].map((s) => keys[s] as number).sort((a, b) => a - b));
        if (t.root !== RB_NIL) expect(t.isBlack(t.root)).toBe(true);
        blackHeight(t, t.root);
      }
    }
  });
});
