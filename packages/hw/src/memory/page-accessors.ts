/**
 * Byte and word accessors by physical address over a page lookup: what a simulated CPU or DMA
 * engine uses. Bytes of unallocated pages read as 0 and writes to them are dropped; both are
 * counted as stray accesses.
 */
import { PAGE_SIZE } from "../platform/interfaces.js";

/** Address-based accessors of a paged memory. */
export abstract class PageAccessors {
  /** The word view of the allocated page holding `pa`, or undefined. */
  abstract words(pa: number): Uint32Array | undefined;

  /** Counts one access to an unallocated page. */
  protected abstract countStray(): void;

  /** Reads the aligned 32-bit word at `pa`; 0 (and a stray access counted) if unallocated. */
  read32(pa: number): number {
    const w = this.words(pa);
    if (w === undefined) {
      this.countStray();
      return 0;
    }
    return w[(pa & 0xfff) >>> 2] as number;
  }

  /** Writes the aligned 32-bit word at `pa`; dropped (and counted) if unallocated. */
  write32(pa: number, value: number): void {
    const w = this.words(pa);
    if (w === undefined) {
      this.countStray();
      return;
    }
    w[(pa & 0xfff) >>> 2] = value;
  }

  /** Low half of the aligned 64-bit word at `pa`. */
  read64Lo(pa: number): number {
    return this.read32(pa);
  }

  /** High half of the aligned 64-bit word at `pa`. */
  read64Hi(pa: number): number {
    return this.read32(pa + 4);
  }

  /** Writes the aligned 64-bit word at `pa` as two halves. */
  write64(pa: number, lo: number, hi: number): void {
    this.write32(pa, lo);
    this.write32(pa + 4, hi);
  }

  /** Reads `length` bytes from `pa` (unallocated bytes read as 0). */
  readBytes(pa: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const addr = pa + done;
      const off = addr % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - done);
      const w = this.words(addr);
      if (w === undefined) this.countStray();
      else out.set(new Uint8Array(w.buffer, w.byteOffset + off, n), done);
      done += n;
    }
    return out;
  }

  /** Writes `data` at `pa` (bytes landing in unallocated pages are dropped and counted). */
  writeBytes(pa: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const addr = pa + done;
      const off = addr % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, data.length - done);
      const w = this.words(addr);
      if (w === undefined) this.countStray();
      else new Uint8Array(w.buffer, w.byteOffset + off, n).set(data.subarray(done, done + n));
      done += n;
    }
  }

  /** Copies `length` bytes from `src` to `dst` (regions may overlap). */
  copy(dst: number, src: number, length: number): void {
    this.writeBytes(dst, this.readBytes(src, length));
  }

  /** Fills `length` bytes at `pa` with `byte`. */
  fill(pa: number, length: number, byte: number): void {
    let done = 0;
    while (done < length) {
      const addr = pa + done;
      const off = addr % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - done);
      const w = this.words(addr);
      if (w === undefined) this.countStray();
      else new Uint8Array(w.buffer, w.byteOffset + off, n).fill(byte);
      done += n;
    }
  }
}
