/**
 * A group's queue: its ring buffer (in the group's VM, where the firmware's stream fetches
 * from), its ring interface pages (in the MCU VM, where the firmware reads `insert` and
 * writes `extract`), and its job-profiling slots.
 */
import type {
  DmaFence,
  DmaFenceContext,
  DrmGemDevice,
  DrmGpuScheduler,
  DrmSchedEntity,
  DrmSchedJob,
} from "@panmmu/drm";
import type { EventHandle } from "@panmmu/hw";
import { CSF_RINGBUF_INPUT, CSF_RINGBUF_OUTPUT } from "@panmmu/hw";
import {
  DRM_PANTHOR_BO_NO_MMAP,
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  type DrmPanthorQueueCreateArgs,
  EINVAL,
} from "@panmmu/uapi";
import {
  type PanthorKernelBo,
  panthorKernelBoCreate,
  panthorKernelBoDestroy,
  panthorKernelBoVmap,
} from "../gem/kernel-bo.js";
import type { PanthorVm } from "../vm/vm.js";
import { PANTHOR_VM_KERNEL_AUTO_VA } from "../vm/vm-types.js";
import { calcProfilingRingbufNumSlots, PANTHOR_JOB_PROFILING_DATA_SIZE } from "./job-instrs.js";

/** Highest queue priority inside a group. Mirrors CSF_MAX_QUEUE_PRIO. */
export const CSF_MAX_QUEUE_PRIO = 15;
/** Smallest ring buffer. */
export const RINGBUF_MIN_SIZE = 4096;
/** Largest ring buffer. */
export const RINGBUF_MAX_SIZE = 64 * 1024;
/** Bytes of a queue's interface memory: the input page, then the output page. */
export const QUEUE_IFACE_SIZE = 8192;

/** Where a queue's kernel objects go. */
export interface PanthorQueueEnv {
  /** GEM device. */
  readonly drm: DrmGemDevice;
  /** The MCU VM (firmware-visible memory). */
  readonly mcuVm: PanthorVm;
}

/** A queue's ring interface pages. */
export interface PanthorQueueIface {
  /** The 8 KiB kernel BO in the MCU VM (vmapped). */
  readonly mem: PanthorKernelBo;
  /** MCU VA of the input page (`{u64 insert, u64 extract}`). */
  readonly inputFwVa: number;
  /** MCU VA of the output page (`{u64 extract, u32 active}`). */
  readonly outputFwVa: number;
}

/** What the queue tracks of a job it runs. */
export interface QueueJob extends DrmSchedJob {
  /** Index of the queue in its group. */
  readonly queueIdx: number;
  /** The user's stream: GPU VA, bytes, flush id. */
  readonly callInfo: {
    readonly start: number;
    readonly size: number;
    readonly latestFlush: number;
  };
  /** Where the job's instructions are in the ring (byte positions, not wrapped). */
  readonly ringbuf: { start: number; end: number };
  /** Signalled when the queue's sync object passes the job's seqno (null for an empty stream until it runs). */
  doneFence: DmaFence | null;
  /** Profiling flags and slot. */
  readonly profiling: { readonly mask: number; slot: number };
}

/** What a queue waits on when its stream blocked in SYNC_WAIT. Mirrors `panthor_queue.syncwait`. */
export interface QueueSyncWait {
  /** GPU VA of the sync object. */
  gpuVa: number;
  /** The value compared against. */
  ref: bigint;
  /** Greater-than (else less-or-equal). */
  gt: boolean;
  /** A 64-bit object. */
  sync64: boolean;
}

/** A queue. Mirrors `struct panthor_queue`. */
export class PanthorQueue {
  /** Doorbell the scheduler gives it while its group is on a CSG slot (-1 otherwise). */
  doorbellId = -1;
  /** Index of the next profiling slot. */
  profilingSeqno = 0;
  /** Its drm scheduler (1:1 with its entity), set up by the scheduler. */
  scheduler: DrmGpuScheduler<QueueJob> | null = null;
  /** Its entity. */
  entity: DrmSchedEntity<QueueJob> | null = null;
  /** Fence context of its done fences (`fence_ctx`). */
  fenceCtx: DmaFenceContext | null = null;
  /** Done fence of the last job with a stream (`fence_ctx.last_fence`). */
  lastFence: DmaFence | null = null;
  /** Jobs in the ring, oldest first (`fence_ctx.in_flight_jobs`). */
  readonly inFlight: QueueJob[] = [];
  /** The job timeout: its timer, or the time left while it is suspended (`timeout`). */
  readonly timeout: { event: EventHandle | null; remaining: number; expires: number } = {
    event: null,
    remaining: 0,
    expires: 0,
  };
  /** What a blocked stream waits on. */
  readonly syncwait: QueueSyncWait = { gpuVa: 0, ref: 0n, gt: false, sync64: false };

  /**
   * @param priority - priority inside the group (0..15).
   * @param ringbuf - the ring buffer (vmapped).
   * @param iface - the ring interface pages.
   * @param profilingSlots - one {@link PANTHOR_JOB_PROFILING_DATA_SIZE} slot per profiled job the ring can hold (vmapped).
   * @param profilingSlotCount - how many slots.
   * @param name - `panthor-queue-<client>-<group>-<queue>`.
   */
  constructor(
    readonly priority: number,
    readonly ringbuf: PanthorKernelBo,
    readonly iface: PanthorQueueIface,
    readonly profilingSlots: PanthorKernelBo,
    readonly profilingSlotCount: number,
    readonly name: string,
  ) {}

  /** The ring's `insert` position (bytes, from the input page). */
  get insert(): number {
    return readU64(this.iface.mem, CSF_RINGBUF_INPUT.insert);
  }

  /** The ring's `extract` position the firmware published (bytes, from the output page). */
  get extract(): number {
    return readU64(this.iface.mem, 4096 + CSF_RINGBUF_OUTPUT.extract);
  }
}

function readU64(bo: PanthorKernelBo, off: number): number {
  const kmap = bo.kmap;
  if (kmap === null) return 0;
  return kmap.readU32(off + 4) * 0x1_0000_0000 + kmap.readU32(off);
}

/** Every kernel BO the queue holds, for the group's accounting. */
export function queueKernelBos(q: PanthorQueue): PanthorKernelBo[] {
  return [q.ringbuf, q.iface.mem, q.profilingSlots];
}

/** Destroys a queue's kernel objects. Mirrors group_free_queue(). */
export function groupFreeQueue(q: PanthorQueue): void {
  for (const bo of queueKernelBos(q)) panthorKernelBoDestroy(bo);
}

/**
 * Checks a queue's arguments (pad, ring size a power of two in [4 KiB, 64 KiB], priority ≤ 15:
 * -EINVAL) and creates its objects: the ring buffer in `vm` ("CS ring buffer", NO_MMAP,
 * NOEXEC|UNCACHED, kernel auto-VA, vmapped), the interface pages in the MCU VM ("Queue FW
 * interface", zeroed) and the profiling slots in `vm` ("Group job stats"). A failure destroys
 * what was made and returns its errno. Mirrors group_create_queue() and
 * panthor_fw_alloc_queue_iface_mem().
 */
export function groupCreateQueue(
  env: PanthorQueueEnv,
  vm: PanthorVm,
  args: DrmPanthorQueueCreateArgs,
  clientId: number,
  gid: number,
  qid: number,
): PanthorQueue | number {
  if (args.pad.some((b) => b !== 0)) return -EINVAL;
  const size = args.ringbuf_size;
  if (size < RINGBUF_MIN_SIZE || size > RINGBUF_MAX_SIZE || (size & (size - 1)) !== 0) {
    return -EINVAL;
  }
  if (args.priority > CSF_MAX_QUEUE_PRIO) return -EINVAL;
  const made: PanthorKernelBo[] = [];
  const fail = (ret: number): number => {
    for (const bo of made) panthorKernelBoDestroy(bo);
    return ret;
  };
  const create = (target: PanthorVm, bytes: number, label: string): PanthorKernelBo | number => {
    const bo = panthorKernelBoCreate(
      env.drm,
      target,
      bytes,
      DRM_PANTHOR_BO_NO_MMAP,
      DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC | DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
      PANTHOR_VM_KERNEL_AUTO_VA,
      label,
    );
    if (typeof bo === "number") return bo;
    made.push(bo);
    const ret = panthorKernelBoVmap(bo);
    return ret !== 0 ? ret : bo;
  };
  const ringbuf = create(vm, size, "CS ring buffer");
  if (typeof ringbuf === "number") return fail(ringbuf);
  const ifaceMem = create(env.mcuVm, QUEUE_IFACE_SIZE, "Queue FW interface");
  if (typeof ifaceMem === "number") return fail(ifaceMem);
  ifaceMem.kmap?.write(0, new Uint8Array(ifaceMem.size));
  const slotCount = calcProfilingRingbufNumSlots(size);
  const slots = create(vm, slotCount * PANTHOR_JOB_PROFILING_DATA_SIZE, "Group job stats");
  if (typeof slots === "number") return fail(slots);
  const iface: PanthorQueueIface = {
    mem: ifaceMem,
    inputFwVa: ifaceMem.gpuVa,
    outputFwVa: ifaceMem.gpuVa + 4096,
  };
  return new PanthorQueue(
    args.priority,
    ringbuf,
    iface,
    slots,
    slotCount,
    `panthor-queue-${clientId}-${gid}-${qid}`,
  );
}
