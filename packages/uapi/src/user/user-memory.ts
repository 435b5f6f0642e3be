/**
 * `UserMemory`: a small model of one process's address space, so drivers can follow user
 * pointers (`__u64` fields) exactly as the kernel does with copy_from_user()/copy_to_user().
 *
 * Conventions: pointers are `bigint` user addresses; reads return the bytes or a negative errno
 * (`-EFAULT`) as a `number`; writes return 0 or `-EFAULT`. A zero-length access always succeeds.
 * Every allocation is its own mapping, bounded to the byte and followed by an unmapped guard
 * gap, so an access that runs past the end of an allocation faults (stricter than real page
 * granular memory, which is what tests want).
 */
import { EFAULT, EINVAL, ENOMEM } from "../errno/errno.js";
import { KernelError } from "../errno/kernel-error.js";
import type { StructCodec } from "../struct/codec.js";

interface Region {
  readonly start: bigint;
  readonly end: bigint;
  readonly bytes: Uint8Array;
}

/** Options of a {@link UserMemory}. */
export interface UserMemoryOptions {
  /** First address handed out (default 0x10000). */
  readonly base?: bigint;
  /** Maximum number of bytes that may be allocated at once (default 256 MiB). */
  readonly capacity?: number;
}

/** A process's user memory: allocate, read and write bytes at user pointers. */
export class UserMemory {
  /** Default first address handed out. */
  static readonly DEFAULT_BASE: bigint = 0x10000n;
  /** End of the user address space (47-bit, like TASK_SIZE on arm64/x86_64 with 4-level tables). */
  static readonly LIMIT: bigint = 1n << 47n;
  /** Unmapped gap left after every allocation. */
  static readonly GUARD: bigint = 0x1000n;

  private readonly regions: Region[] = [];
  private next: bigint;
  private used = 0;
  private readonly capacity: number;

  /** Creates an empty address space. */
  constructor(options: UserMemoryOptions = {}) {
    this.next = options.base ?? UserMemory.DEFAULT_BASE;
    this.capacity = options.capacity ?? 256 * 1024 * 1024;
    if (this.next <= 0n)
      throw new RangeError("UserMemory base must be above 0 (NULL stays unmapped)");
  }

  /** Bytes currently allocated. */
  get allocatedBytes(): number {
    return this.used;
  }

  /** Number of live allocations. */
  get allocationCount(): number {
    return this.regions.length;
  }

  /**
   * Maps `size` zeroed bytes at an address aligned to `align` and returns the user pointer.
   *
   * @throws RangeError for a negative/non-integer size or a non-power-of-two alignment.
   * @throws KernelError(ENOMEM) when the capacity or the address space is exhausted.
   */
  alloc(size: number, align = 8): bigint {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad size ${size}`);
    if (!Number.isSafeInteger(align) || align <= 0 || (align & (align - 1)) !== 0) {
      throw new RangeError(`bad alignment ${align}`);
    }
    if (this.used + size > this.capacity) {
      throw new KernelError(ENOMEM, `UserMemory: ${size} bytes exceed the capacity`);
    }
    const a = BigInt(align);
    const start = ((this.next + a - 1n) / a) * a;
    const end = start + BigInt(size);
    if (end > UserMemory.LIMIT)
      throw new KernelError(ENOMEM, "UserMemory: address space exhausted");
    this.regions.push({ start, end, bytes: new Uint8Array(size) });
    this.next = end + UserMemory.GUARD;
    this.used += size;
    return start;
  }

  /** Unmaps the allocation starting at `ptr`; returns 0, or -EINVAL if none starts there. */
  free(ptr: bigint): number {
    const i = this.find(ptr);
    const r = i < 0 ? undefined : this.regions[i];
    if (r === undefined || r.start !== ptr) return -EINVAL;
    this.regions.splice(i, 1);
    this.used -= r.bytes.length;
    return 0;
  }

  /** True when `[ptr, ptr + len)` is entirely mapped (always true for len 0). */
  isMapped(ptr: bigint, len: number): boolean {
    return this.locate(ptr, len) !== undefined;
  }

  /** Mirrors copy_from_user(): a copy of `len` bytes at `ptr`, or -EFAULT. */
  read(ptr: bigint, len: number): Uint8Array | number {
    if (len === 0) return new Uint8Array(0);
    const loc = this.locate(ptr, len);
    if (loc === undefined) return -EFAULT;
    return loc.region.bytes.slice(loc.offset, loc.offset + len);
  }

  /** Mirrors copy_to_user(): writes `bytes` at `ptr`; 0, or -EFAULT (nothing written). */
  write(ptr: bigint, bytes: Uint8Array): number {
    if (bytes.length === 0) return 0;
    const loc = this.locate(ptr, bytes.length);
    if (loc === undefined) return -EFAULT;
    loc.region.bytes.set(bytes, loc.offset);
    return 0;
  }

  /** Mirrors clear_user(): zeroes (or fills with `byte`) `len` bytes; 0, or -EFAULT. */
  fill(ptr: bigint, len: number, byte = 0): number {
    if (len === 0) return 0;
    const loc = this.locate(ptr, len);
    if (loc === undefined) return -EFAULT;
    loc.region.bytes.fill(byte, loc.offset, loc.offset + len);
    return 0;
  }

  /** Allocates room for one struct, writes `value` there and returns the pointer. */
  writeStruct<T>(codec: StructCodec<T>, value: T): bigint {
    const ptr = this.alloc(codec.size);
    this.write(ptr, codec.encode(value));
    return ptr;
  }

  /** Writes `value` at an existing `ptr`; 0, or -EFAULT. */
  writeStructAt<T>(codec: StructCodec<T>, ptr: bigint, value: T): number {
    return this.write(ptr, codec.encode(value));
  }

  /** Reads one struct at `ptr`, or -EFAULT. */
  readStruct<T>(codec: StructCodec<T>, ptr: bigint): T | number {
    const bytes = this.read(ptr, codec.size);
    return typeof bytes === "number" ? bytes : codec.decode(bytes);
  }

  /**
   * Allocates an array of structs with `stride` bytes per element (default: the struct size),
   * writes each value at `i * stride` and returns the pointer. Bytes past the struct in each
   * element stay zero.
   */
  writeArray<T>(codec: StructCodec<T>, values: readonly T[], stride: number = codec.size): bigint {
    if (!Number.isSafeInteger(stride) || stride <= 0) throw new RangeError(`bad stride ${stride}`);
    const ptr = this.alloc(stride * values.length);
    values.forEach((v, i) => {
      const bytes = codec.encode(v);
      this.write(ptr + BigInt(i * stride), bytes.subarray(0, Math.min(stride, bytes.length)));
    });
    return ptr;
  }

  /** Allocates and writes a `__u32` array (handles), returning the pointer. */
  writeU32Array(values: readonly number[]): bigint {
    const ptr = this.alloc(values.length * 4, 4);
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => {
      view.setUint32(i * 4, v >>> 0, true);
    });
    this.write(ptr, bytes);
    return ptr;
  }

  /** Reads `count` `__u32` values at `ptr`, or -EFAULT. */
  readU32Array(ptr: bigint, count: number): number[] | number {
    const bytes = this.read(ptr, count * 4);
    if (typeof bytes === "number") return bytes;
    const view = new DataView(bytes.buffer);
    return Array.from({ length: count }, (_, i) => view.getUint32(i * 4, true));
  }

  /** Allocates and writes a `__u64` array (timeline points), returning the pointer. */
  writeU64Array(values: readonly bigint[]): bigint {
    const ptr = this.alloc(values.length * 8, 8);
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => {
      view.setBigUint64(i * 8, BigInt.asUintN(64, v), true);
    });
    this.write(ptr, bytes);
    return ptr;
  }

  /** Reads `count` `__u64` values at `ptr`, or -EFAULT. */
  readU64Array(ptr: bigint, count: number): bigint[] | number {
    const bytes = this.read(ptr, count * 8);
    if (typeof bytes === "number") return bytes;
    const view = new DataView(bytes.buffer);
    return Array.from({ length: count }, (_, i) => view.getBigUint64(i * 8, true));
  }

  /** Allocates a NUL-terminated UTF-8 copy of `s` and returns its pointer. */
  writeString(s: string): bigint {
    const utf8 = new TextEncoder().encode(s);
    const ptr = this.alloc(utf8.length + 1, 1);
    this.write(ptr, utf8);
    return ptr;
  }

  private find(ptr: bigint): number {
    let lo = 0;
    let hi = this.regions.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.regions[mid] as Region;
      if (r.start <= ptr) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private locate(ptr: bigint, len: number): { region: Region; offset: number } | undefined {
    if (typeof ptr !== "bigint" || ptr < 0n || !Number.isSafeInteger(len) || len < 0) {
      return undefined;
    }
    if (len === 0) return { region: { start: ptr, end: ptr, bytes: new Uint8Array(0) }, offset: 0 };
    const i = this.find(ptr);
    const r = i < 0 ? undefined : this.regions[i];
    if (r === undefined || ptr + BigInt(len) > r.end) return undefined;
    return { region: r, offset: Number(ptr - r.start) };
  }
}
