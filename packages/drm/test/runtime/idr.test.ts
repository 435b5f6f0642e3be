import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Idr } from "../../src/index.js";

describe("Idr", () => {
  it("property: alloc always returns the lowest free id >= base, like idr_alloc", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 40 })), { maxLength: 200 }),
        (ops) => {
          const idr = new Idr<string>(1);
          const used = new Set<number>();
          for (const op of ops) {
            if (op === -1) {
              let expected = 1;
              while (used.has(expected)) expected++;
              expect(idr.alloc("x")).toBe(expected);
              used.add(expected);
            } else {
              expect(idr.remove(op) !== undefined).toBe(used.has(op));
              used.delete(op);
            }
            expect(idr.size).toBe(used.size);
          }
          expect(idr.ids()).toEqual([...used].sort((a, b) => a - b));
        },
      ),
    );
  });

  it("returns -ENOSPC beyond max and supports find/replace", () => {
    const idr = new Idr<number>(3, 4);
    expect([idr.alloc(10), idr.alloc(11), idr.alloc(12)]).toEqual([3, 4, -28]);
    expect(idr.find(4)).toBe(11);
    expect(idr.replace(4, 99)).toBe(true);
    expect(idr.replace(5, 1)).toBe(false);
    expect(idr.entries()).toEqual([
      [3, 10],
      [4, 99],
    ]);
    expect(idr.remove(3)).toBe(10);
    expect(idr.alloc(13)).toBe(3);
  });
});
