/**
 * Job-descriptor generations of Job Manager Mali GPUs (Mesa genxml v4..v9). The 32-byte header
 * is the same from v4 to v7; v9 (Valhall-JM) drops the descriptor-size and three flag bits and
 * aligns descriptors to 128 bytes. Write Value IMMEDIATE_* types exist from v6.
 */

/** A job-header generation: 4, 5 (Midgard), 6, 7 (Bifrost), 9 (Valhall with a Job Manager). */
export type JobArch = 4 | 5 | 6 | 7 | 9;

/** Every {@link JobArch}, oldest first. */
export const JOB_ARCHES: readonly JobArch[] = [4, 5, 6, 7, 9];

/**
 * The job-header generation of a GPU from its product id (GPU_ID >> 16), or null for an id
 * that names a CSF GPU (arch 10 and later) or no known generation. Mirrors Mesa's pan_arch().
 */
export function jobArchForProductId(productId: number): JobArch | null {
  switch (productId) {
    case 0x600:
    case 0x620:
    case 0x720:
      return 4;
    case 0x750:
    case 0x820:
    case 0x830:
    case 0x860:
    case 0x880:
      return 5;
    default: {
      const major = productId >>> 12;
      return major === 6 || major === 7 || major === 9 ? major : null;
    }
  }
}

/** Required alignment in bytes of a job descriptor of generation `arch` (64, or 128 on v9). */
export function jobHeaderAlign(arch: JobArch): number {
  return arch === 9 ? 128 : 64;
}

/** Whether generation `arch` has the Write Value IMMEDIATE_8/16/32/64 types and payload field (v6+). */
export function hasWriteValueImmediate(arch: JobArch): boolean {
  return arch >= 6;
}

/** Whether generation `arch` honours the header's is_64b bit (v4..v7); v9 jobs are always 64-bit. */
export function hasDescriptorSizeBit(arch: JobArch): boolean {
  return arch !== 9;
}
