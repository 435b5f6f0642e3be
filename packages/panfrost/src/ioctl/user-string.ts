/**
 * NUL-terminated strings behind ioctl pointers.
 */
import { copyFromUser, type DrmUserMemory } from "@panmmu/drm";
import { EFAULT, EINVAL } from "@panmmu/uapi";

/**
 * The NUL-terminated string at user address `ptr`, at most `n` bytes counting the NUL (so at
 * most `n - 1` characters): the string (UTF-8 decoded), -EFAULT when a byte before the NUL is not
 * mapped (or `n` is not positive), -EINVAL when the first `n` bytes hold no NUL. Bytes past the
 * NUL are never read.
 *
 * Mirrors strndup_user().
 */
export function strndupFromUser(user: DrmUserMemory, ptr: bigint, n: number): string | number {
  if (!(n > 0)) return -EFAULT;
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const b = copyFromUser(user, ptr + BigInt(i), 1);
    if (typeof b === "number") return -EFAULT;
    const byte = b[0] ?? 0;
    if (byte === 0) return new TextDecoder().decode(bytes.subarray(0, i));
    bytes[i] = byte;
  }
  return -EINVAL;
}
