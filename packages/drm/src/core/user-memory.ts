/**
 * How ioctl handlers reach user memory behind the pointers inside ioctl arguments.
 */
import { EFAULT } from "@panmmu/uapi";

/**
 * The calling process's memory as the kernel's `copy_from_user`/`copy_to_user` see it. User
 * pointers are `bigint` (they are `__u64` fields in the ABI). `@panmmu/uapi`'s `UserMemory`
 * implements it; any type with these two methods works.
 */
export interface DrmUserMemory {
  /** Copies `length` bytes from user address `ptr`; the bytes, or -EFAULT when any byte is not mapped. */
  read(ptr: bigint, length: number): Uint8Array | number;
  /** Copies `data` to user address `ptr`; 0, or -EFAULT when any byte is not mapped. */
  write(ptr: bigint, data: Uint8Array): number;
}

/**
 * Copies `length` bytes from user memory; the bytes, or -EFAULT. A zero length never faults.
 * Mirrors copy_from_user().
 */
export function copyFromUser(
  user: DrmUserMemory,
  ptr: bigint,
  length: number,
): Uint8Array | number {
  if (length === 0) return new Uint8Array(0);
  if (ptr === 0n) return -EFAULT;
  const bytes = user.read(ptr, length);
  if (typeof bytes === "number" || bytes.length < length) return -EFAULT;
  return bytes.length === length ? bytes : bytes.subarray(0, length);
}

/** Copies `data` to user memory; 0 or -EFAULT. Mirrors copy_to_user(). */
export function copyToUser(user: DrmUserMemory, ptr: bigint, data: Uint8Array): number {
  if (data.length === 0) return 0;
  if (ptr === 0n) return -EFAULT;
  return user.write(ptr, data) === 0 ? 0 : -EFAULT;
}

/** Reads `count` little-endian u32 values from user memory; the array, or -EFAULT. */
export function copyU32ArrayFromUser(
  user: DrmUserMemory,
  ptr: bigint,
  count: number,
): Uint32Array | number {
  const bytes = copyFromUser(user, ptr, count * 4);
  if (typeof bytes === "number") return bytes;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = dv.getUint32(i * 4, true);
  return out;
}

/** Reads `count` little-endian u64 values from user memory; the array, or -EFAULT. */
export function copyU64ArrayFromUser(
  user: DrmUserMemory,
  ptr: bigint,
  count: number,
): BigUint64Array | number {
  const bytes = copyFromUser(user, ptr, count * 8);
  if (typeof bytes === "number") return bytes;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new BigUint64Array(count);
  for (let i = 0; i < count; i++) out[i] = dv.getBigUint64(i * 8, true);
  return out;
}

/** Writes one little-endian u64 to user memory; 0 or -EFAULT. */
export function putU64ToUser(user: DrmUserMemory, ptr: bigint, value: bigint): number {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return copyToUser(user, ptr, b);
}
