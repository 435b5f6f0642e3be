/**
 * Adapts `@panmmu/uapi`'s process-memory model to the DRM core's user-memory interface.
 */
import type { DrmUserMemory } from "@panmmu/drm";
import type { UserMemory } from "@panmmu/uapi";

/** Wraps a {@link UserMemory} (errno-returning) as a {@link DrmUserMemory} (null/false on fault). */
export function drmUserMemory(mem: UserMemory): DrmUserMemory {
  return {
    read(ptr: bigint, length: number): Uint8Array | null {
      const r = mem.read(ptr, length);
      return typeof r === "number" ? null : r;
    },
    write(ptr: bigint, data: Uint8Array): boolean {
      return mem.write(ptr, data) === 0;
    },
  };
}
