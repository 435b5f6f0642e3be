/**
 * The types of {@link PanKmodClient}: its options, the device properties it caches, its BOs,
 * VM operations and VA events, and its VM.
 */
import type { DrmVma } from "@panmmu/drm";
import type {
  DrmPanthorCsifInfoArgs,
  DrmPanthorGpuInfoArgs,
  DrmPanthorTimestampInfoArgs,
} from "@panmmu/uapi";
import type { PanKmodDrmVersion } from "./pan-kmod-drm-fd.js";
import type { PanKmodTrace } from "./pan-kmod-trace.js";
import type { PanKmodVaCollect, PanKmodVaHeap } from "./pan-kmod-va.js";

/** 4 KiB and 2 MiB pages: what Mesa assumes before MMU_INFO exists (uAPI < 1.9). */
export const PAN_KMOD_PGSIZE_4K_2M = 0x1000n | 0x20_0000n;
/** Lowest user VA the Gallium driver hands out (PAN_VA_USER_START: the low 32 MiB are kept). */
export const PAN_VA_USER_START = 0x200_0000n;
/** Highest user VA the Gallium driver asks for (PAN_VA_USER_END), clamped to the kmod range. */
export const PAN_VA_USER_END = 1n << 48n;

/** How {@link PanKmodClient.open} behaves. */
export interface PanKmodOptions {
  /** Name of the file (its fdinfo client name). Default "mesa". */
  readonly name?: string;
  /** Where the calls are recorded. Default: a new trace on the platform's clock. */
  readonly trace?: PanKmodTrace;
  /**
   * Lowest uAPI minor at which SET_USER_MMIO_OFFSET is issued. Mesa versions differ (1.5 in the
   * newer ones, 1.10 in some); default 5.
   */
  readonly userMmioOffsetMinMinor?: number;
  /** Virtual time standing for Mesa's INT64_MAX waits. Default 10 s. */
  readonly waitTimeoutNs?: number;
  /** Called with every VA event of the client's VM, when it happens. */
  readonly onVaEvent?: (event: PanKmodVaEvent) => void;
}

/** The device properties `panthor_kmod_dev_create()` caches. */
export interface PanKmodProps {
  /** DRM_IOCTL_VERSION. */
  readonly version: PanKmodDrmVersion;
  /** DEV_QUERY GPU_INFO. */
  readonly gpu: DrmPanthorGpuInfoArgs;
  /** DEV_QUERY CSIF_INFO. */
  readonly csif: DrmPanthorCsifInfoArgs;
  /** DEV_QUERY TIMESTAMP_INFO (uAPI ≥ 1.1), else null. */
  readonly timestamp: DrmPanthorTimestampInfoArgs | null;
  /** Group priorities allowed (bit n: priority n); LOW and MEDIUM before uAPI 1.2. */
  readonly allowedPriorities: number;
  /** VA page sizes (MMU_INFO from uAPI 1.9, else 4 KiB | 2 MiB). */
  readonly pgsizeBitmap: bigint;
}

/** What a BO is for. Mirrors the PAN_KMOD_BO_FLAG_* / PAN_BO_* flags Gallium passes. */
export interface PanKmodBoFlags {
  /** Holds shaders: mapped READONLY (and executable) instead of NOEXEC. */
  readonly executable?: boolean;
  /** GPU-only ("invisible"): created NO_MMAP, never CPU-mapped. */
  readonly invisible?: boolean;
  /** Mapped UNCACHED on the GPU. */
  readonly gpuUncached?: boolean;
  /** CPU mapping write-back cached (BO_CREATE WB_MMAP, uAPI ≥ 1.7). */
  readonly wbMmap?: boolean;
  /** May be shared: not exclusive to the VM, with its own syncobj for implicit sync. */
  readonly shareable?: boolean;
  /** Not CPU-mapped at creation (PAN_BO_DELAY_MMAP). */
  readonly delayMmap?: boolean;
}

/** A BO of the client. Mirrors `struct panthor_kmod_bo` with the Gallium `panfrost_bo` around it. */
export interface PanKmodBo {
  /** GEM handle. */
  readonly handle: number;
  /** Bytes (page-aligned, as BO_CREATE returned). */
  readonly size: bigint;
  /** The flags it was made with. */
  readonly flags: PanKmodBoFlags;
  /** Its label. */
  readonly label: string;
  /** GPU VA it is mapped at. */
  readonly va: bigint;
  /** CPU mapping, or null. */
  cpu: DrmVma | null;
  /** Syncobj of its accesses: the VM's for a VM-private BO, its own otherwise. */
  readonly syncHandle: number;
  /** Last VM point (or own timeline point) that reads it. */
  readPoint: bigint;
  /** Last VM point (or own timeline point) that writes it. */
  writePoint: bigint;
  /** Whether it was freed. */
  freed: boolean;
}

/** How a VM operation is issued. Mirrors `enum pan_kmod_vm_op_mode`. */
export type PanKmodVmOpMode = "immediate" | "async" | "defer-to-next-idle-point";

/** One VM operation. Mirrors `struct pan_kmod_vm_op`. */
export interface PanKmodVmOp {
  /** MAP, UNMAP or SYNC_ONLY. */
  readonly type: "map" | "unmap" | "sync-only";
  /** VA, or "auto" for a MAP on an AUTO_VA VM; set to the VA chosen once the MAP succeeded. */
  va: bigint | "auto";
  /** Bytes. */
  readonly size: bigint;
  /** The BO of a MAP. */
  readonly bo?: PanKmodBo;
  /** Offset in the BO. */
  readonly boOffset?: bigint;
}

/** A VA event of the client's VM. */
export interface PanKmodVaEvent {
  /**
   * `alloc`: a range handed out for a MAP (before the VM_BIND); `defer-free`: a range whose
   * asynchronous unmap was queued, free once `point` signals; `collect`: such a range given
   * back; `free`: a range given back at once (a synchronous unmap, or a MAP that failed).
   */
  readonly kind: "alloc" | "defer-free" | "collect" | "free";
  /** First address. */
  readonly va: bigint;
  /** Bytes. */
  readonly size: bigint;
  /** VM timeline point of a `defer-free` / `collect`, else 0. */
  readonly point: bigint;
  /** Virtual time. */
  readonly at: number;
}

/** The client's VM with activity tracking and automatic VAs. Mirrors `struct panthor_kmod_vm`. */
export interface PanKmodVm {
  /** VM id. */
  readonly id: number;
  /** Timeline syncobj tracking the VM's jobs and binds. */
  readonly syncHandle: number;
  /** Last point handed out on the timeline. */
  point: bigint;
  /** VA allocator. */
  readonly heap: PanKmodVaHeap;
  /** Ranges waiting for their asynchronous unmap, oldest first. */
  readonly gc: PanKmodVaCollect[];
}
