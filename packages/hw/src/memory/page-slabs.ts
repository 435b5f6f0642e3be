/**
 * The host memory behind {@link SystemMemory}'s pages: slabs of 256 pages (1 MiB), each created
 * when a page of it is first needed and kept afterwards, with one word view per page for the
 * page's whole life (so allocating a page costs a fill, not a host allocation).
 */
import { PAGE_SIZE } from "../platform/interfaces.js";

/** Pages per slab (256 pages, 1 MiB). */
const SLAB_SHIFT = 8;
const SLAB_PAGES = 1 << SLAB_SHIFT;
const SLAB_MASK = SLAB_PAGES - 1;
const PAGE_WORDS = PAGE_SIZE / 4;

/** The byte freed pages are filled with when poisoning is on (Linux's PAGE_POISON). */
export const PAGE_POISON = 0xaa;
/** A word of {@link PAGE_POISON} bytes. */
export const POISON_WORD = 0xaaaaaaaa;

/** Page views by page index, backed by slabs. */
export class PageSlabs {
  private readonly slabs: (Uint32Array[] | undefined)[];
  private readonly bytes: (Uint8Array | undefined)[];

  /**
   * @param pageCount - pages in the range.
   * @param poison - new slabs are filled with the poison instead of zeros.
   */
  constructor(
    private readonly pageCount: number,
    private readonly poison: boolean,
  ) {
    this.slabs = new Array<Uint32Array[] | undefined>(Math.ceil(pageCount / SLAB_PAGES)).fill(
      undefined,
    );
    this.bytes = new Array<Uint8Array | undefined>(pageCount).fill(undefined);
  }

  /** The word view of page `idx` (its slab is created if needed). */
  words(idx: number): Uint32Array {
    const slab = this.slabs[idx >>> SLAB_SHIFT] ?? this.newSlab(idx >>> SLAB_SHIFT);
    return slab[idx & SLAB_MASK] as Uint32Array;
  }

  /** The byte view of page `idx`, made on first request. */
  bytesOf(idx: number): Uint8Array {
    let u8 = this.bytes[idx];
    if (u8 === undefined) {
      const w = this.words(idx);
      u8 = new Uint8Array(w.buffer, w.byteOffset, PAGE_SIZE);
      this.bytes[idx] = u8;
    }
    return u8;
  }

  /**
   * The index of the first word of `w` that is not the poison, or -1 (Linux's
   * check_poison_mem()).
   */
  static firstUnpoisoned(w: Uint32Array): number {
    for (let i = 0; i < w.length; i++) if (w[i] !== POISON_WORD) return i;
    return -1;
  }

  private newSlab(s: number): Uint32Array[] {
    const pages = Math.min(SLAB_PAGES, this.pageCount - s * SLAB_PAGES);
    const buffer = new ArrayBuffer(pages * PAGE_SIZE);
    if (this.poison) new Uint32Array(buffer).fill(POISON_WORD);
    const views = new Array<Uint32Array>(pages);
    for (let i = 0; i < pages; i++) views[i] = new Uint32Array(buffer, i * PAGE_SIZE, PAGE_WORDS);
    this.slabs[s] = views;
    return views;
  }
}
