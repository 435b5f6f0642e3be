/**
 * The panthor device: a thin composition of its parts (GPU block, MMU block and VMs, firmware,
 * GEM, files and ioctls) on a platform, probed with the firmware (when the platform has a
 * firmware store) or without it (the MCU VM only created and activated on AS 0).
 */
import {
  DRIVER_GEM,
  DRIVER_RENDER,
  DRIVER_SYNCOBJ,
  DRIVER_SYNCOBJ_TIMELINE,
  DrmDevice,
  type DrmFile,
  DrmGemObject,
  type DrmVma,
} from "@panmmu/drm";
import {
  CACHE_CLEAN,
  CSF_MCU_SHARED_REGION_SIZE,
  CSF_MCU_SHARED_REGION_START,
  type EventHandle,
  GPU_ID,
  type GpuPlatform,
  type MmioBus,
  SYSTEM_COUNTER_FREQUENCY_HZ,
} from "@panmmu/hw";
import { ENODEV } from "@panmmu/uapi";
import { findFaultOwner, PanthorFaultLog } from "../debug/fault-log.js";
import { PanthorFilePriv } from "../file/file-priv.js";
import { PanthorFw } from "../fw/fw.js";
import type { PanthorFirmwareLoader } from "../fw/fw-load.js";
import { panthorIoctls } from "../ioctl/table.js";
import { PanthorMmu } from "../mmu/as-manager.js";
import type { OpLock } from "../mmu/op-lock.js";
import { type PanthorGroupEnv, panthorGroupPoolDestroy } from "../sched/group.js";
import { PanthorScheduler } from "../sched/scheduler.js";
import { PtCache } from "../vm/pt-cache.js";
import { PanthorVm } from "../vm/vm.js";
import type { PanthorDevQueryCtx } from "./dev-query.js";
import { MALI_G610_FW_PROFILE, type PanthorFwProfile, panthorCsifInfo } from "./fw-profile.js";
import { PanthorGpu } from "./gpu.js";
import { readPanthorGpuInfo, selectGpuCoherency } from "./gpu-info.js";
import { panthorMmap } from "./mmap.js";
import { platformMmuEnv } from "./mmu-env.js";
import { attachMmuIrq } from "./mmu-irq.js";
import { PanthorPm, PanthorPmState } from "./pm.js";

/** DRM driver name. */
export const PANTHOR_DRIVER_NAME = "panthor";
/** The uAPI minor version reported by DRM_IOCTL_VERSION (1.8). */
export const PANTHOR_UAPI_MINOR = 8;

/** Probe options. */
export interface PanthorProbeOptions {
  /** TASK_SIZE of the processes opening the device (default 2^47). */
  readonly taskSize?: bigint;
  /**
   * What the firmware's interface would report (CSG/CS slots, registers, scoreboards). Part 2
   * reads it from the firmware; default: a Mali-G610's.
   */
  readonly fwProfile?: PanthorFwProfile;
  /**
   * Later-kernel behaviour (default false, Linux 6.18 as the golden vectors pin it): VM_BIND
   * refuses with -EINVAL a user MAP or UNMAP whose range `[va, va + size)` intersects the VM's
   * kernel VA range (where ring buffers, queue syncobjs and heap chunks live). Linux 6.18
   * accepts such binds, as drm_gpuvm covers the whole VA space; IGT's
   * `vm_bind_intersect_kbo_range` expects the refusal and runs with this option on.
   */
  readonly rejectKernelRangeUserBinds?: boolean;
  /**
   * The platform's firmware store (request_firmware()): with it the probe loads
   * `arm/mali/arch<major>.<minor>/mali_csffw.bin` into the MCU VM, boots the MCU and reads the
   * interface from it (panthor_fw_init(); a failure fails the probe and leaves nothing
   * behind). Without it the device probes as before the firmware existed: the MCU VM active
   * on AS 0 and {@link fwProfile} standing for the interface.
   */
  readonly firmware?: PanthorFirmwareLoader;
}

/** An open file: the DRM file and its panthor state. */
export interface PanthorFileHandle {
  /** The DRM file. */
  readonly file: DrmFile<PanthorFilePriv>;
  /** Its panthor state. */
  readonly priv: PanthorFilePriv;
}

/** A probed panthor device. Mirrors `struct panthor_device`. */
export class PanthorDevice {
  /** The DRM device. */
  readonly drm: DrmDevice<PanthorFilePriv>;
  /** The GPU-control block. */
  readonly gpu: PanthorGpu;
  /** The MMU block. */
  readonly mmu: PanthorMmu;
  /** Page-table page cache (`pt_cache`). */
  readonly ptCache: PtCache;
  /** The MCU's VM (AS 0). */
  readonly mcuVm: PanthorVm;
  /** TASK_SIZE used for VM_CREATE's default split. */
  readonly taskSize: bigint;
  /** {@link PanthorProbeOptions.rejectKernelRangeUserBinds}: user binds into the kernel VA range fail. */
  readonly rejectKernelRangeUserBinds: boolean;
  /** GPU resets asked for. */
  resetRequests = 0;
  /** A reset was asked for and has not run yet. Mirrors `ptdev->reset.pending`. */
  resetPending = false;
  /** The firmware, when the probe loaded one. Mirrors `ptdev->fw`. */
  fw: PanthorFw | null = null;
  /** The CSG scheduler (with firmware). Mirrors `ptdev->scheduler`. */
  sched: PanthorScheduler | null = null;
  /** Job profiling flags (PANTHOR_DEVICE_PROFILING_*, the sysfs `profiling` knob). Mirrors `ptdev->profile_mask`. */
  profileMask = 0;
  /** What DEV_QUERY reports: GPU info read at probe, CSIF info, the timestamp sources. */
  queryCtx: PanthorDevQueryCtx;
  /** Set by {@link unplug}: ioctls that enter the device fail with -ENODEV. */
  unplugged = false;
  /**
   * Whether BOs created from now on get transparent huge folios. `@panmmu/drm`'s shmem
   * objects take a 2 MiB-aligned run of 512 pages for every aligned 2 MiB (a huge tmpfs
   * mount); when this is set (the default) such a run is one 2 MiB folio, so a partial unmap of
   * its 2 MiB block widens and re-maps the rest. Clear, the same contiguous pages are 4 KiB
   * folios (the kernel's non-THP contiguous case: io-pgtable refuses the partial unmap and the
   * VM becomes unusable). The policy is read at BO creation (Linux decides at page allocation).
   */
  shmemHugeFolios = true;
  /** Every MMU fault, decoded, with the file, VM and BO it hit (the kernel's drm_err() log). */
  readonly faultLog: PanthorFaultLog;
  /**
   * Power management. With firmware, runtime PM is enabled: the device suspends 50 ms after
   * its last use (the scheduler holds it while a scheduled group is busy). Without firmware the
   * device stays active (nothing would resume it).
   */
  readonly pm: PanthorPm;
  /** A queued reset work, if any. */
  private resetEvent: EventHandle | null = null;
  private nextFileName = 1;
  private pendingOpen: { name: string; privileged: boolean } | null = null;

  private constructor(
    readonly platform: GpuPlatform,
    options: PanthorProbeOptions,
    gpu: PanthorGpu,
  ) {
    this.gpu = gpu;
    this.taskSize = options.taskSize ?? 1n << 47n;
    this.rejectKernelRangeUserBinds = options.rejectKernelRangeUserBinds ?? false;
    const coherency = selectGpuCoherency(platform.mmio, platform.coherent);
    this.queryCtx = {
      gpuInfo: readPanthorGpuInfo(platform.mmio, coherency < 0 ? 31 : coherency),
      csifInfo: panthorCsifInfo(options.fwProfile ?? MALI_G610_FW_PROFILE),
      timestamp: {
        mmio: platform.mmio,
        loop: platform.loop,
        timestampFrequency: SYSTEM_COUNTER_FREQUENCY_HZ,
      },
    };
    const env = platformMmuEnv(platform, gpu, () => this.scheduleReset());
    this.mmu = new PanthorMmu(env);
    this.faultLog = new PanthorFaultLog((vm) =>
      findFaultOwner(
        this.drm.files,
        this.mcuVm,
        vm,
        this.sched?.csgSlots.map((s) => s.group) ?? [],
      ),
    );
    this.mmu.onFaultRecord = (f) => this.faultLog.report(f);
    this.ptCache = new PtCache(env.memory);
    this.drm = new DrmDevice<PanthorFilePriv>(
      {
        name: PANTHOR_DRIVER_NAME,
        desc: "Panthor DRM driver",
        date: "20230801",
        major: 1,
        minor: PANTHOR_UAPI_MINOR,
        patchlevel: 0,
        features: DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE,
        ioctls: panthorIoctls(this),
        open: (file) => this.fileOpen(file),
        postclose: (file) => this.filePostclose(file),
      },
      platform,
    );
    const mcu = this.createVm(
      true,
      0,
      2 ** 32,
      CSF_MCU_SHARED_REGION_START,
      CSF_MCU_SHARED_REGION_SIZE,
    );
    if (typeof mcu === "number") throw new Error(`MCU VM creation failed (${mcu})`);
    this.mcuVm = mcu;
    this.pm = new PanthorPm(platform.loop, {
      initialized: () => this.fw !== null && this.sched !== null,
      unplugged: () => this.unplugged,
      resetPending: () => this.resetPending,
      clearResetPending: () => {
        this.resetPending = false;
      },
      cancelResetWork: () => this.cancelResetWork(),
      fastReset: () => this.fw?.fastReset ?? false,
      forceSlowReset: () => {
        if (this.fw !== null) this.fw.fastReset = false;
      },
      schedSuspend: () => this.sched?.suspend(),
      schedResume: () => this.sched?.resume(),
      fwSuspend: () => this.fw?.preReset(false),
      fwResume: () => this.fw?.postReset() ?? 0,
      mmuSuspend: () => this.mmu.suspend(),
      mmuResume: () => this.mmu.resume(),
      gpuSuspend: () => this.gpu.suspend(this.fw?.fastReset ?? false),
      gpuResume: () => this.gpu.resume(),
      busyVmLock: () => this.busyVmLock(),
    });
    // panthor_device_init(): the device is powered while it probes.
    this.pm.state = PanthorPmState.Active;
    this.pm.rpm.setActive();
    this.queryCtx = {
      ...this.queryCtx,
      timestamp: { ...this.queryCtx.timestamp, pm: this.pm },
    };
  }

  /**
   * Probes a CSF GPU (architecture major 10 or later, else -ENODEV): GPU interrupt, MMU block
   * and interrupt, the MCU VM, then — with `options.firmware` — the firmware loaded, booted and
   * its interface read (its errno fails the probe, nothing left behind), or without it the MCU
   * VM made active on AS 0. Mirrors panthor_device_init() up to panthor_fw_init().
   */
  static probe(platform: GpuPlatform, options: PanthorProbeOptions = {}): PanthorDevice | number {
    const archMajor = (platform.mmio.read32(GPU_ID) >>> 28) & 0xf;
    if (archMajor < 10) return -ENODEV;
    const gpu = new PanthorGpu(platform.mmio, platform.loop, platform.warnings);
    gpu.attach(platform.irqs.gpu);
    const dev = new PanthorDevice(platform, options, gpu);
    attachMmuIrq(platform.irqs.mmu, platform.mmio, dev.mmu);
    if (options.firmware === undefined) {
      const ret = dev.mmu.vmActive(dev.mcuVm);
      if (ret !== 0) {
        dev.remove();
        return ret;
      }
      return dev;
    }
    const fw = PanthorFw.init(
      {
        platform,
        drm: dev.drm,
        vm: dev.mcuVm,
        vmActive: (vm) => dev.mmu.vmActive(vm),
        l2PowerOn: () => gpu.l2PowerOn(),
        shaderPresent: dev.queryCtx.gpuInfo.shader_present,
        gpuId: dev.queryCtx.gpuInfo.gpu_id,
        timerHz: SYSTEM_COUNTER_FREQUENCY_HZ,
        scheduleReset: () => dev.scheduleReset(),
        resetPending: () => dev.resetPending,
      },
      options.firmware,
    );
    if (typeof fw === "number") {
      dev.remove();
      return fw;
    }
    dev.fw = fw;
    const profile = fw.iface?.profile;
    if (profile !== undefined)
      dev.queryCtx = { ...dev.queryCtx, csifInfo: panthorCsifInfo(profile) };
    dev.sched = dev.createScheduler(fw);
    // The end of panthor_device_init(): autosuspend on, the probe's reference dropped.
    dev.pm.rpm.enable();
    dev.pm.rpm.markLastBusy();
    return dev;
  }

  /**
   * The CSG scheduler over the booted firmware: firmware events and MMU faults go to it.
   * Mirrors panthor_sched_init().
   */
  private createScheduler(fw: PanthorFw): PanthorScheduler {
    const csif = this.queryCtx.csifInfo;
    let gpuAsCount = 0;
    for (let m = (this.mmu.env.asPresent & ~1) >>> 0; m !== 0; m &= m - 1) gpuAsCount++;
    const sched = new PanthorScheduler({
      loop: this.platform.loop,
      warnings: this.platform.warnings,
      fw,
      vmActive: (vm) => this.mmu.vmActive(vm),
      vmIdle: (vm) => this.mmu.vmIdle(vm),
      asSlotCount: gpuAsCount,
      resetPending: () => this.resetPending,
      scheduleReset: () => this.scheduleReset(),
      ringDoorbell: (id) => fw.ringDoorbell(id),
      flushCaches: () => this.gpu.flushCaches(CACHE_CLEAN, CACHE_CLEAN, 0),
      scratchReg: csif.cs_reg_count - csif.unpreserved_cs_reg_count,
      vmHasUnhandledFaults: (vm) => vm.unhandledFault,
      busyVmLock: () => this.busyVmLock(),
      pm: this.pm,
    });
    fw.onEvents = (status) => sched.reportFwEvents(status);
    this.mmu.onFault = () => sched.reportMmuFault();
    return sched;
  }

  /**
   * Creates a VM with its reservation object (a bare GEM object, as
   * drm_gpuvm_resv_object_alloc() gives). Mirrors panthor_vm_create().
   */
  createVm(
    forMcu: boolean,
    kernelVaStart: number,
    kernelVaSize: number,
    autoStart: number,
    autoSize: number,
  ): PanthorVm | number {
    const root = new DrmGemObject(this.drm, 0);
    const vm = PanthorVm.create(this.mmu, this.ptCache, {
      forMcu,
      kernelVaStart,
      kernelVaSize,
      autoKernelVaStart: autoStart,
      autoKernelVaSize: autoSize,
      resvObj: root,
    });
    root.put();
    return vm;
  }

  /**
   * Asks for a GPU reset: once (a pending reset is not asked for twice), run as a work item on
   * an active device with firmware (a suspended one restarts slowly at resume instead).
   * Mirrors panthor_device_schedule_reset().
   */
  scheduleReset(): void {
    this.resetRequests++;
    if (this.resetPending) return;
    this.resetPending = true;
    if (this.fw !== null && this.pm.active && this.resetEvent === null) {
      this.resetEvent = this.platform.loop.schedule(
        0,
        () => {
          this.resetEvent = null;
          this.resetWork();
        },
        "panthor:reset",
      );
    }
  }

  /** Cancels a queued reset work (runtime suspend). Mirrors cancel_work_sync(&ptdev->reset.work). */
  private cancelResetWork(): void {
    if (this.resetEvent !== null) this.platform.loop.cancel(this.resetEvent);
    this.resetEvent = null;
  }

  /**
   * The `op_lock` of a VM (the MCU's or any file's) with an operation in progress, or null:
   * work that would sleep on it in the kernel waits for its release here.
   */
  private busyVmLock(): OpLock | null {
    if (this.mcuVm.opLock.held) return this.mcuVm.opLock;
    for (const file of this.drm.files) {
      for (const [, vm] of file.driverPriv?.vms.entries() ?? []) {
        if (vm.opLock.held) return vm.opLock;
      }
    }
    return null;
  }

  /** Resets done (reset work completed). */
  resetsDone = 0;

  /**
   * The reset: scheduler, firmware (as for a hang) and MMU stopped, GPU soft reset, L2 on, MMU
   * and firmware restarted (a firmware that does not boot again unplugs the device), the reset
   * no longer pending, the scheduler restarted. It waits for the scheduler lock and any VM
   * operation in progress, as the kernel's work would block on them. Mirrors
   * panthor_device_reset_work().
   */
  private resetWork(): void {
    const fw = this.fw;
    const sched = this.sched;
    if (this.unplugged || fw === null || sched === null) return;
    // A device entering suspend is not reset: its resume restarts slowly instead.
    if (!this.pm.active) return;
    if (sched.isLocked) {
      sched.whenUnlocked(() => this.resetWork());
      return;
    }
    const busy = this.busyVmLock();
    if (busy !== null) {
      busy.whenFree(() => this.resetWork());
      return;
    }
    sched.preReset();
    fw.preReset(true);
    this.mmu.preReset();
    this.gpu.softReset();
    this.gpu.l2PowerOn();
    this.mmu.postReset();
    const ret = fw.postReset();
    this.resetPending = false;
    this.resetsDone++;
    sched.postReset(ret !== 0);
    if (ret !== 0) this.unplug();
  }

  /**
   * System suspend (suspend-to-idle or to RAM): the device suspended whatever its usage, as
   * the kernel's system-sleep callback does (`DEFINE_RUNTIME_DEV_PM_OPS`: the runtime suspend
   * through pm_runtime_force_suspend()). 0 or the suspend's errno.
   */
  systemSuspend(): number {
    return this.pm.rpm.forceSuspend();
  }

  /** System resume: the device resumed if the system suspend suspended it. Mirrors pm_runtime_force_resume(). */
  systemResume(): number {
    return this.pm.rpm.forceResume();
  }

  // ---- files ------------------------------------------------------------------------------

  /**
   * Opens a file. `privileged` stands for DRM master / CAP_SYS_NICE. Returns the file or a
   * negative errno.
   */
  open(name?: string, privileged = false): PanthorFileHandle | number {
    this.pendingOpen = { name: name ?? `client-${this.nextFileName}`, privileged };
    this.nextFileName++;
    const file = this.drm.open("render");
    this.pendingOpen = null;
    if (typeof file === "number") return file;
    const priv = file.driverPriv;
    if (priv === null) return -ENODEV;
    return { file, priv };
  }

  /** Closes a file's fd; its release runs now or at its last munmap. */
  close(handle: PanthorFileHandle): number {
    return this.drm.close(handle.file);
  }

  /** Creates the file's state (its VM pool). Mirrors panthor_open(). */
  private fileOpen(file: DrmFile<PanthorFilePriv>): number {
    const p = this.pendingOpen ?? { name: `client-${this.nextFileName++}`, privileged: false };
    file.driverPriv = new PanthorFilePriv(p.name, p.privileged);
    return 0;
  }

  /** Destroys the file's groups, then its VMs. Mirrors panthor_postclose(). */
  private filePostclose(file: DrmFile<PanthorFilePriv>): void {
    const priv = file.driverPriv;
    if (priv === null) return;
    panthorGroupPoolDestroy(priv.groups, this.sched);
    priv.vms.destroyAll();
  }

  /**
   * What group creation needs: the MCU VM, the cores present and the suspend sizes of the
   * firmware's CSG slots; null without firmware.
   */
  get groupEnv(): PanthorGroupEnv | null {
    const profile = this.fw?.iface?.profile;
    if (profile === undefined) return null;
    return {
      drm: this.drm,
      mcuVm: this.mcuVm,
      shaderPresent: this.queryCtx.gpuInfo.shader_present,
      tilerPresent: this.queryCtx.gpuInfo.tiler_present,
      suspendSize: profile.suspendSize,
      protmSuspendSize: profile.protmSuspendSize,
    };
  }

  /** The GPU's register window. */
  get mmio(): MmioBus {
    return this.platform.mmio;
  }

  /**
   * mmap() of `file` (a file of this device): GEM objects at their fake offsets, the USER page
   * at the file's USER MMIO offset. See {@link panthorMmap}.
   */
  mmap(
    file: DrmFile<PanthorFilePriv>,
    offset: bigint,
    length: number,
    prot: number,
    flags: number,
  ): DrmVma | number {
    return panthorMmap(this, file, offset, length, prot, flags);
  }

  // ---- teardown ------------------------------------------------------------------------------

  /**
   * Unplugs the device: no more register access, ioctls that enter the device fail with
   * -ENODEV. Mirrors panthor_device_unplug() (MMU half).
   */
  unplug(): void {
    if (this.unplugged) return;
    // pm_runtime_get_sync(): the blocks are unplugged powered.
    const pmRet = this.pm.rpm.enabled && !this.pm.rpm.transitioning ? this.pm.resumeAndGet() : 0;
    if (pmRet !== 0)
      this.platform.warnings.warn("panthor_device_unplug", `resume failed (${pmRet})`);
    this.unplugged = true;
    this.sched?.unplug();
    this.fw?.unplug();
    this.mmu.unplug();
    // pm_runtime_dont_use_autosuspend() + pm_runtime_put_sync_suspend(): no hardware touched.
    this.pm.rpm.shutdown();
    this.pm.suspend();
  }

  /** Removes the device: unplug, IRQ handlers dropped, the MCU VM released. */
  remove(): void {
    this.unplug();
    this.platform.irqs.mmu.clearHandler();
    this.gpu.detach(this.platform.irqs.gpu);
    if (!this.mcuVm.isFreed) this.mcuVm.destroy();
  }
}
