/** The function-like macros of panthor_drm.h: ID register decoders, OBJ_ARRAY, DRM_IOCTL_PANTHOR. */
import { DRM_COMMAND_BASE, DRM_IOR, DRM_IOW, DRM_IOWR } from "../ioctl/drm-ioc.js";

/** Mirrors `DRM_PANTHOR_ARCH_MAJOR(x)`: architecture major of `gpu_info.gpu_id`. */
export function DRM_PANTHOR_ARCH_MAJOR(x: number): number {
  return x >>> 28;
}
/** Mirrors `DRM_PANTHOR_ARCH_MINOR(x)`. */
export function DRM_PANTHOR_ARCH_MINOR(x: number): number {
  return (x >>> 24) & 0xf;
}
/** Mirrors `DRM_PANTHOR_ARCH_REV(x)`. */
export function DRM_PANTHOR_ARCH_REV(x: number): number {
  return (x >>> 20) & 0xf;
}
/** Mirrors `DRM_PANTHOR_PRODUCT_MAJOR(x)`. */
export function DRM_PANTHOR_PRODUCT_MAJOR(x: number): number {
  return (x >>> 16) & 0xf;
}
/** Mirrors `DRM_PANTHOR_VERSION_MAJOR(x)`. */
export function DRM_PANTHOR_VERSION_MAJOR(x: number): number {
  return (x >>> 12) & 0xf;
}
/** Mirrors `DRM_PANTHOR_VERSION_MINOR(x)`. */
export function DRM_PANTHOR_VERSION_MINOR(x: number): number {
  return (x >>> 4) & 0xff;
}
/** Mirrors `DRM_PANTHOR_VERSION_STATUS(x)`. */
export function DRM_PANTHOR_VERSION_STATUS(x: number): number {
  return x & 0xf;
}
/** Mirrors `DRM_PANTHOR_CSHW_MAJOR(x)`: command stream hardware major of `gpu_info.csf_id`. */
export function DRM_PANTHOR_CSHW_MAJOR(x: number): number {
  return (x >>> 26) & 0x3f;
}
/** Mirrors `DRM_PANTHOR_CSHW_MINOR(x)`. */
export function DRM_PANTHOR_CSHW_MINOR(x: number): number {
  return (x >>> 20) & 0x3f;
}
/** Mirrors `DRM_PANTHOR_CSHW_REV(x)`. */
export function DRM_PANTHOR_CSHW_REV(x: number): number {
  return (x >>> 16) & 0xf;
}
/** Mirrors `DRM_PANTHOR_MCU_MAJOR(x)`: firmware (MCU) major of `gpu_info.csf_id`. */
export function DRM_PANTHOR_MCU_MAJOR(x: number): number {
  return (x >>> 10) & 0x3f;
}
/** Mirrors `DRM_PANTHOR_MCU_MINOR(x)`. */
export function DRM_PANTHOR_MCU_MINOR(x: number): number {
  return (x >>> 4) & 0x3f;
}
/** Mirrors `DRM_PANTHOR_MCU_REV(x)`. */
export function DRM_PANTHOR_MCU_REV(x: number): number {
  return x & 0xf;
}
/** Mirrors `DRM_PANTHOR_MMU_VA_BITS(x)`: VA width from `gpu_info.mmu_features`. */
export function DRM_PANTHOR_MMU_VA_BITS(x: number): number {
  return x & 0xff;
}

/**
 * Mirrors `DRM_PANTHOR_OBJ_ARRAY(cnt, ptr)`: an obj_array whose stride is the element size
 * this side knows (`codec.size`).
 */
export function DRM_PANTHOR_OBJ_ARRAY(
  count: number,
  ptr: bigint,
  codec: { readonly size: number },
): { stride: number; count: number; array: bigint } {
  return { stride: codec.size, count, array: ptr };
}

/**
 * Mirrors `DRM_IOCTL_PANTHOR(__access, __id, __type)`: `DRM_IO<access>(DRM_COMMAND_BASE + id,
 * type)`.
 */
export function DRM_IOCTL_PANTHOR(
  access: "R" | "W" | "WR",
  id: number,
  codec: { readonly size: number },
): number {
  const nr = DRM_COMMAND_BASE + id;
  return access === "R"
    ? DRM_IOR(nr, codec)
    : access === "W"
      ? DRM_IOW(nr, codec)
      : DRM_IOWR(nr, codec);
}
