/**
 * Hand-built Mali LPAE page tables (4 levels of 512 entries) for tests and benches that run on
 * the real MMU: written descriptor by descriptor, the way a driver-less test would.
 */
import type { SystemMemory } from "../../src/memory/system-memory.js";

const TWO32 = 2 ** 32;

/** A Mali LPAE table tree in system memory. */
export class LpaeTables {
  /** Physical address of the level-0 table. */
  readonly root: number;

  constructor(private readonly memory: SystemMemory) {
    this.root = this.page();
  }

  /** Allocates a zeroed page. */
  page(): number {
    const pa = this.memory.allocPage();
    if (pa === null) throw new Error("out of memory");
    return pa;
  }

  private set(table: number, index: number, pa: number, bits: number): void {
    const w = this.memory.pageU32(table);
    w[index * 2] = ((pa % TWO32) + bits) >>> 0;
    w[index * 2 + 1] = Math.floor(pa / TWO32) >>> 0;
  }

  private next(table: number, index: number): number {
    const w = this.memory.pageU32(table);
    const lo = w[index * 2]!;
    if ((lo & 3) === 3) return (w[index * 2 + 1]! & 0xffff) * TWO32 + ((lo & 0xfffff000) >>> 0);
    const t = this.page();
    this.set(table, index, t, 3);
    return t;
  }

  /** Maps the 4 KiB page at `va` to `pa`: level-3 type 0b01, read (bit 6) and write (bit 7), executable. */
  map(va: number, pa: number): void {
    let t = this.root;
    for (let level = 0; level < 3; level++) {
      t = this.next(t, Math.floor(va / 2 ** (39 - 9 * level)) % 512);
    }
    this.set(t, Math.floor(va / 4096) % 512, pa, 0x1 | 0x40 | 0x80);
  }
}
