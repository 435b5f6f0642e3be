/**
 * The per-VM VM_BIND queue: asynchronous bind operations run in order through a drm scheduler
 * with one credit and no timeout, each job carrying its prepared operation context.
 */
import {
  DmaFenceContext,
  DrmGpuSchedStat,
  DrmGpuScheduler,
  DrmSchedEntity,
  DrmSchedJob,
  DrmSchedPriority,
} from "@panmmu/drm";
import type { EventLoop } from "@panmmu/hw";
import type { WarningSink } from "@panmmu/uapi";
import type { OpLock } from "../mmu/op-lock.js";
import type { PanthorVmOpCtx } from "./op-ctx.js";

/** What the queue needs of the VM its jobs run on. */
export interface BindQueueVm {
  /** Runs a prepared operation; a failure makes the VM unusable. Mirrors panthor_vm_exec_op(). */
  execOp(ctx: PanthorVmOpCtx, flagUnusableOnFailure: boolean): number;
  /** Gives back what the operation did not use. Mirrors panthor_vm_cleanup_op_ctx(). */
  cleanupOpCtx(ctx: PanthorVmOpCtx): void;
  /** Drops the reference the job held. */
  put(): void;
  /** The VM's `op_lock`: run_job takes it, so a job waits for an operation in progress. */
  readonly opLock: OpLock;
}

/** An asynchronous VM_BIND operation. Mirrors `struct panthor_vm_bind_job`. */
export class PanthorVmBindJob extends DrmSchedJob {
  /**
   * @param vm - the VM (the job holds a reference on it).
   * @param ctx - the prepared operation.
   */
  constructor(
    readonly vm: BindQueueVm,
    readonly ctx: PanthorVmOpCtx,
  ) {
    super();
  }

  /** Releases a job that was never pushed (or was freed by the scheduler). Mirrors panthor_vm_bind_job_put(). */
  release(): void {
    this.vm.cleanupOpCtx(this.ctx);
    this.vm.put();
  }
}

/** A VM's bind queue: its scheduler and entity. */
export class PanthorBindQueue {
  /** The 1:1 scheduler (credit limit 1, no timeout). */
  readonly sched: DrmGpuScheduler<PanthorVmBindJob>;
  /** The VM's one entity. */
  readonly entity: DrmSchedEntity<PanthorVmBindJob>;
  /** Fences of jobs whose run_job waits for the VM's op_lock. */
  private readonly lockWaits: DmaFenceContext;

  constructor(loop: EventLoop, warnings: WarningSink) {
    this.lockWaits = new DmaFenceContext(loop, "panthor", "vm-bind-op-lock");
    this.sched = new DrmGpuScheduler<PanthorVmBindJob>(
      loop,
      {
        // Mirrors panthor_vm_bind_run_job(): the op runs now (its error ends the finished
        // fence); if an operation of the VM is in progress (a synchronous bind waiting on an
        // AS command), run_job sleeps on op_lock: the job runs when that operation ends.
        runJob: (job) => {
          if (!job.vm.opLock.held) {
            const ret = job.vm.execOp(job.ctx, true);
            return ret !== 0 ? ret : null;
          }
          const fence = this.lockWaits.createFence();
          job.vm.opLock.whenFree(() => {
            const ret = job.vm.execOp(job.ctx, true);
            fence.signal(ret !== 0 ? ret : undefined);
          });
          return fence;
        },
        // Mirrors panthor_vm_bind_timedout_job(): binds complete in run_job, never time out.
        timedoutJob: () => {
          warnings.warn("panthor_vm_bind_timedout_job", "VM_BIND ops are synchronous");
          return DrmGpuSchedStat.NOMINAL;
        },
        // Mirrors panthor_vm_bind_free_job().
        freeJob: (job) => job.release(),
      },
      { name: "panthor-vm-bind", creditLimit: 1 },
      warnings,
    );
    this.entity = new DrmSchedEntity<PanthorVmBindJob>(this.sched, DrmSchedPriority.KERNEL);
  }

  /** Stops the queue (before a reset). Mirrors panthor_vm_stop(). */
  stop(): void {
    this.sched.stop(null);
  }

  /** Restarts it (after a reset). Mirrors panthor_vm_start(). */
  start(): void {
    this.sched.start(0);
  }

  /** Tears the queue down with its VM. Mirrors drm_sched_entity_destroy() + drm_sched_fini(). */
  fini(): void {
    this.entity.destroy();
  }
}
