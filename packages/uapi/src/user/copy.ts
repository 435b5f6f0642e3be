/** Kernel helpers that copy from user memory with the ABI-extension rules of Linux. */
import { E2BIG, EFAULT, EINVAL } from "../errno/errno.js";
import type { StructCodec } from "../struct/codec.js";
import type { UserMemory } from "./user-memory.js";

/** What reading user memory needs: `UserMemory`, or any memory with a compatible `read`. */
export type UserReader = Pick<UserMemory, "read">;

/**
 * Mirrors check_zeroed_user(): 1 when `len` bytes at `ptr` are all zero, 0 when one is not,
 * -EFAULT when the range is not mapped.
 */
export function checkZeroedUser(mem: UserReader, ptr: bigint, len: number): number {
  const bytes = mem.read(ptr, len);
  if (typeof bytes === "number") return bytes;
  return bytes.every((b) => b === 0) ? 1 : 0;
}

/**
 * Mirrors copy_struct_from_user(): reads a struct that userspace sized `usize` into a kernel
 * buffer of `ksize` bytes.
 *
 * - `usize < ksize`: the first `usize` bytes are copied and the rest zero-filled (old
 *   userspace, newer kernel);
 * - `usize > ksize`: the bytes the kernel does not know must be zero, else -E2BIG (newer
 *   userspace, older kernel);
 * - an unmapped range gives -EFAULT.
 *
 * @returns the `ksize`-byte kernel copy, or a negative errno.
 */
export function copyStructFromUser(
  mem: UserReader,
  ksize: number,
  src: bigint,
  usize: number,
): Uint8Array | number {
  const size = Math.min(ksize, usize);
  if (usize > ksize) {
    const zeroed = checkZeroedUser(mem, src + BigInt(ksize), usize - ksize);
    if (zeroed <= 0) return zeroed === 0 ? -E2BIG : zeroed;
  }
  const head = mem.read(src, size);
  if (typeof head === "number") return head;
  const out = new Uint8Array(ksize);
  out.set(head);
  return out;
}

/**
 * copy_struct_from_user() rules applied to bytes already copied in (no fault possible): the
 * `ksize`-byte kernel struct, zero-extended or checked for a zero tail (-E2BIG otherwise).
 */
export function copyStructFromBytes(ksize: number, src: Uint8Array): Uint8Array | number {
  if (src.length > ksize) {
    for (let i = ksize; i < src.length; i++) if (src[i] !== 0) return -E2BIG;
    return src.slice(0, ksize);
  }
  const out = new Uint8Array(ksize);
  out.set(src);
  return out;
}

/** {@link copyStructFromUser} followed by `codec.decode`: the struct value or a negative errno. */
export function readStructFromUser<T>(
  mem: UserReader,
  codec: StructCodec<T>,
  src: bigint,
  usize: number,
): T | number {
  const bytes = copyStructFromUser(mem, codec.size, src, usize);
  return typeof bytes === "number" ? bytes : codec.decode(bytes);
}

/**
 * Mirrors strndup_user(): the NUL-terminated string at `ptr`, at most `n` bytes including the
 * NUL. -EFAULT when unmapped before the NUL or when `n` is not positive (strnlen_user()
 * reports 0 for a count of 0, which strndup_user() turns into -EFAULT), -EINVAL when no NUL
 * within `n` bytes.
 */
export function strndupUser(mem: UserReader, ptr: bigint, n: number): string | number {
  if (!(n > 0)) return -EFAULT;
  const bytes: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = mem.read(ptr + BigInt(i), 1);
    if (typeof b === "number") return -EFAULT;
    const byte = b[0] as number;
    if (byte === 0) return new TextDecoder().decode(new Uint8Array(bytes));
    bytes.push(byte);
  }
  return -EINVAL;
}
