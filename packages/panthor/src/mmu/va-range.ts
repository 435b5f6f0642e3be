/** VM_CREATE's split of a VM's address space into the user range and the kernel auto-VA range. */
import { EINVAL } from "@panmmu/uapi";

const SZ_256M = 1n << 28n;
const SZ_4G = 1n << 32n;

/**
 * The user VA range picked for a new VM: 0 when the whole space is under 256 MiB; else the
 * requested range, or by default the CPU process size when smaller than the GPU space, else half
 * the space above 4 GiB (or all but 256 MiB below); always capped so 256 MiB stay for the kernel.
 * Mirrors panthor_vm_create_get_user_va_range().
 *
 * @param requested - user_va_range from userspace (0 = let the kernel choose).
 * @param fullVaRange - 2^va_bits.
 * @param taskSize - the process's TASK_SIZE.
 */
export function vmCreateUserVaRange(
  requested: bigint,
  fullVaRange: bigint,
  taskSize: bigint,
): bigint {
  if (fullVaRange < SZ_256M) return 0n;
  let range = requested;
  if (range === 0n) {
    if (taskSize < fullVaRange) range = taskSize;
    else range = fullVaRange > SZ_4G ? fullVaRange / 2n : fullVaRange - SZ_256M;
  }
  const cap = fullVaRange - SZ_256M;
  return range < cap ? range : cap;
}

/** Result of {@link vmCreateCheckArgs}. */
export interface VmCreateLayout {
  /** 0, or -EINVAL when the arguments are refused. */
  readonly ret: number;
  /** The user VA range the helper picked (reported even on failure). */
  readonly userVaRange: bigint;
  /** Start of the kernel auto-VA range (only meaningful when ret is 0). */
  readonly kernelVaStart: bigint;
  /** Size of the kernel auto-VA range: the largest power of two below what the user range leaves. */
  readonly kernelVaRange: bigint;
  /** What VM_CREATE writes back into user_va_range on success: the kernel range's start. */
  readonly reportedUserVaRange: bigint;
}

function largestPow2AtMost(v: bigint): bigint {
  if (v <= 0n) return 0n;
  let p = 1n;
  while (p << 1n <= v) p <<= 1n;
  return p;
}

/**
 * Validates VM_CREATE arguments and computes the user/kernel VA split. Every flag bit is invalid;
 * a VA space too small to hold a user range, or a requested range above the cap, is -EINVAL.
 * Mirrors panthor_vm_create_check_args() plus the split done in panthor_vm_pool_create_vm().
 */
export function vmCreateCheckArgs(
  vaBits: number,
  requested: bigint,
  flags: number,
  taskSize: bigint,
): VmCreateLayout {
  const full = 1n << BigInt(vaBits);
  const userVaRange = vmCreateUserVaRange(requested, full, taskSize);
  const bad = flags !== 0 || userVaRange === 0n || (requested !== 0n && requested > userVaRange);
  const kernelVaRange = largestPow2AtMost(full - userVaRange);
  const kernelVaStart = full - kernelVaRange;
  return {
    ret: bad ? -EINVAL : 0,
    userVaRange,
    kernelVaStart,
    kernelVaRange,
    reportedUserVaRange: kernelVaStart,
  };
}
