/**
 * A TypeScript stand-in for Mesa's `pan_kmod` layer over panthor (src/panfrost/lib/kmod,
 * panthor backend) plus the parts of the Gallium driver that sit right on it (device open, the
 * BO life cycle of pan_bo.c): the same ioctls, in the same order, with the same arguments, on
 * one DRM file of a simulated panthor device. Every call is recorded in a {@link PanKmodTrace}.
 *
 * Known differences from Mesa: waits Mesa makes with an INFINITE timeout use
 * {@link PanKmodOptions.waitTimeoutNs} of virtual time (a device with firmware never goes
 * idle); there is no userspace BO cache (as with `PAN_MESA_DEBUG=nocache`, every free goes to
 * the kernel); the debug-build check of `panthor_kmod_vm_sync_unlock()` (a WAIT_AVAILABLE
 * SYNCOBJ_TIMELINE_WAIT) is not issued, as in a release build.
 */
import type { DrmVma } from "@panmmu/drm";
import {
  DRM_PANTHOR_BO_NO_MMAP,
  DRM_PANTHOR_BO_WB_MMAP,
  DRM_PANTHOR_DEV_QUERY_CSIF_INFO,
  DRM_PANTHOR_DEV_QUERY_GPU_INFO,
  DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO,
  DRM_PANTHOR_DEV_QUERY_MMU_INFO,
  DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO,
  DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET,
  DRM_PANTHOR_USER_MMIO_OFFSET,
  DRM_SYNCOBJ_CREATE_SIGNALED,
  DrmPanthorCsifInfo,
  DrmPanthorGpuInfo,
  DrmPanthorGroupPrioritiesInfo,
  DrmPanthorMmuInfo,
  DrmPanthorTimestampInfo,
  type DrmPanthorTimestampInfoArgs,
  EINVAL,
  MAP_SHARED,
  PANTHOR_GROUP_PRIORITY_LOW,
  PANTHOR_GROUP_PRIORITY_MEDIUM,
  PROT_READ,
  PROT_WRITE,
} from "@panmmu/uapi";
import type { PanthorDevice } from "../device/device.js";
import { PanKmodFd } from "./pan-kmod-fd.js";
import { PanKmodTrace } from "./pan-kmod-trace.js";
import {
  PAN_KMOD_PGSIZE_4K_2M,
  type PanKmodBo,
  type PanKmodBoFlags,
  type PanKmodOptions,
  type PanKmodProps,
  type PanKmodVmOp,
} from "./pan-kmod-types.js";
import { PanKmodVmBase } from "./pan-kmod-vm.js";

/** One process's view of a panthor device through Mesa's kmod layer. */
export class PanKmodClient extends PanKmodVmBase {
  /** The LATEST_FLUSH_ID page, mapped at creation. */
  private flushIdPage: DrmVma | null;
  /** BOs allocated and not freed. */
  readonly bos = new Set<PanKmodBo>();

  private constructor(fd: PanKmodFd, props: PanKmodProps, flushId: DrmVma, o: PanKmodOptions) {
    super(fd, props, o);
    this.flushIdPage = flushId;
  }

  /**
   * Opens the render node and creates the kmod device on it: DRM_IOCTL_VERSION (twice, as
   * drmGetVersion() does), GPU_INFO and CSIF_INFO, MMU_INFO (≥ 1.9), TIMESTAMP_INFO (≥ 1.1),
   * SET_USER_MMIO_OFFSET, the LATEST_FLUSH_ID page mapped, GROUP_PRIORITIES_INFO (≥ 1.2).
   * The client, or the negative errno of the first failure (the file is closed again).
   * Mirrors pan_kmod_dev_create() and panthor_kmod_dev_create().
   */
  static open(dev: PanthorDevice, o: PanKmodOptions = {}): PanKmodClient | number {
    const trace = o.trace ?? new PanKmodTrace(() => dev.platform.loop.now);
    const fd = PanKmodFd.open(dev, o.name ?? "mesa", trace);
    if (typeof fd === "number") return fd;
    const fail = (ret: number): number => {
      fd.close();
      return ret;
    };
    const version = fd.version();
    if (typeof version === "number") return fail(version);
    if (version.name !== "panthor") return fail(-EINVAL);
    const at = (minor: number): boolean =>
      version.major > 1 || (version.major === 1 && version.minor >= minor);
    const gpu = fd.devQuery(DRM_PANTHOR_DEV_QUERY_GPU_INFO, "GPU_INFO", DrmPanthorGpuInfo.size);
    if (typeof gpu === "number") return fail(gpu);
    const csif = fd.devQuery(DRM_PANTHOR_DEV_QUERY_CSIF_INFO, "CSIF_INFO", DrmPanthorCsifInfo.size);
    if (typeof csif === "number") return fail(csif);
    let pgsizeBitmap = PAN_KMOD_PGSIZE_4K_2M;
    if (at(9)) {
      const mmu = fd.devQuery(DRM_PANTHOR_DEV_QUERY_MMU_INFO, "MMU_INFO", DrmPanthorMmuInfo.size);
      if (typeof mmu === "number") return fail(mmu);
      pgsizeBitmap = DrmPanthorMmuInfo.decode(mmu).page_size_bitmap;
    }
    let timestamp: DrmPanthorTimestampInfoArgs | null = null;
    if (at(1)) {
      const ts = fd.devQuery(
        DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO,
        "TIMESTAMP_INFO",
        DrmPanthorTimestampInfo.size,
      );
      if (typeof ts === "number") return fail(ts);
      timestamp = DrmPanthorTimestampInfo.decode(ts);
    }
    if (at(o.userMmioOffsetMinMinor ?? 5)) {
      const ret = fd.setUserMmioOffset(DRM_PANTHOR_USER_MMIO_OFFSET);
      if (ret < 0) return fail(ret);
    }
    const page = fd.mmap(
      "USER_FLUSH_ID",
      DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET,
      0x1000,
      PROT_READ,
      MAP_SHARED,
    );
    if (typeof page === "number") return fail(page);
    let allowedPriorities =
      (1 << PANTHOR_GROUP_PRIORITY_MEDIUM) | (1 << PANTHOR_GROUP_PRIORITY_LOW);
    if (at(2)) {
      const prio = fd.devQuery(
        DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO,
        "GROUP_PRIORITIES_INFO",
        DrmPanthorGroupPrioritiesInfo.size,
      );
      if (typeof prio === "number") {
        fd.munmap("USER_FLUSH_ID", page);
        return fail(prio);
      }
      allowedPriorities = DrmPanthorGroupPrioritiesInfo.decode(prio).allowed_mask;
    }
    const props: PanKmodProps = {
      version,
      gpu: DrmPanthorGpuInfo.decode(gpu),
      csif: DrmPanthorCsifInfo.decode(csif),
      timestamp,
      allowedPriorities,
      pgsizeBitmap,
    };
    return new PanKmodClient(fd, props, page, o);
  }

  /** LATEST_FLUSH_ID as the mapped page reads now. Mirrors panthor_kmod_get_flush_id(). */
  flushId(): number {
    return this.flushIdPage?.readU32(0) ?? 0;
  }

  /**
   * Allocates a BO as Gallium's panfrost_bo_create() does without its cache: BO_CREATE
   * (page-aligned size; NO_MMAP for GPU-only BOs, WB_MMAP when asked; exclusive to the VM unless
   * shareable), a signalled syncobj of its own when shareable, BO_SET_LABEL (≥ 1.4), a
   * synchronous VM_BIND MAP at an automatic VA, then BO_MMAP_OFFSET + mmap unless GPU-only or
   * delayed. The BO, or the negative errno (nothing kept then).
   * Mirrors panthor_kmod_bo_alloc() and panfrost_bo_alloc().
   */
  boAlloc(size: bigint, flags: PanKmodBoFlags, label: string): PanKmodBo | number {
    const vm = this.requireVm();
    const bytes = (size + 0xfffn) & ~0xfffn;
    let createFlags = 0;
    if (flags.invisible === true) createFlags |= DRM_PANTHOR_BO_NO_MMAP;
    if (flags.wbMmap === true && flags.invisible !== true && this.versionAtLeast(7))
      createFlags |= DRM_PANTHOR_BO_WB_MMAP;
    const exclusive = flags.shareable !== true;
    const c = this.fd.boCreate(bytes, createFlags, exclusive ? vm.id : 0);
    if (c.ret < 0) return c.ret;
    let syncHandle = vm.syncHandle;
    if (!exclusive) {
      syncHandle = this.fd.syncobjCreate(DRM_SYNCOBJ_CREATE_SIGNALED, "SIGNALED");
      if (syncHandle < 0) {
        this.fd.gemClose(c.handle);
        return syncHandle;
      }
    }
    if (this.versionAtLeast(4)) this.fd.boSetLabel(c.handle, label);
    const bo: PanKmodBo = {
      handle: c.handle,
      size: c.size,
      flags,
      label,
      va: 0n,
      cpu: null,
      syncHandle,
      readPoint: 0n,
      writePoint: 0n,
      freed: false,
    };
    const op: PanKmodVmOp = { type: "map", va: "auto", size: c.size, bo };
    const ret = this.vmBind("immediate", [op]);
    if (ret < 0 || op.va === "auto") {
      this.boPut(bo);
      return ret < 0 ? ret : -EINVAL;
    }
    const placed: PanKmodBo = { ...bo, va: op.va };
    if (flags.invisible !== true && flags.delayMmap !== true) {
      const m = this.boMmap(placed);
      if (m < 0) {
        this.boFree(placed);
        return m;
      }
    }
    this.bos.add(placed);
    return placed;
  }

  /**
   * Maps a BO for the CPU: BO_MMAP_OFFSET then a shared read/write mmap of the whole BO.
   * Mirrors panthor_kmod_bo_get_mmap_offset() + pan_kmod_bo_mmap().
   */
  boMmap(bo: PanKmodBo): number {
    if (bo.cpu !== null) return 0;
    const r = this.fd.boMmapOffset(bo.handle);
    if (r.ret < 0) return r.ret;
    const vma = this.fd.mmap("BO", r.offset, Number(bo.size), PROT_READ | PROT_WRITE, MAP_SHARED);
    if (typeof vma === "number") return vma;
    bo.cpu = vma;
    return 0;
  }

  /** Drops the kmod BO: its own syncobj destroyed, the handle closed. Mirrors panthor_kmod_bo_free(). */
  private boPut(bo: PanKmodBo): void {
    if (bo.syncHandle !== this.vm?.syncHandle) this.fd.syncobjDestroy(bo.syncHandle);
    this.fd.gemClose(bo.handle);
  }

  /**
   * Frees a BO as Gallium does when its last reference goes: CPU mapping removed, an
   * asynchronous UNMAP deferred to the VM's next idle point (it waits for every job and bind
   * queued so far and signals the next point, its range given back once that point signalled),
   * then the kmod BO dropped. 0, or the UNMAP's errno. Mirrors panfrost_bo_free().
   */
  boFree(bo: PanKmodBo): number {
    if (bo.freed) return -EINVAL;
    bo.freed = true;
    this.bos.delete(bo);
    if (bo.cpu !== null) {
      this.fd.munmap("BO", bo.cpu);
      bo.cpu = null;
    }
    const ret = this.vmBind("defer-to-next-idle-point", [
      { type: "unmap", va: bo.va, size: bo.size },
    ]);
    this.boPut(bo);
    return ret;
  }

  /** The VM timeline point a job that accesses `bo` must wait for (0: none). Mirrors panthor_kmod_bo_get_sync_point(). */
  boSyncPoint(bo: PanKmodBo, readOnly: boolean): bigint {
    if (readOnly) return bo.writePoint;
    return bo.readPoint > bo.writePoint ? bo.readPoint : bo.writePoint;
  }

  /**
   * Records that the job signalling VM point `point` accesses `bo`: a VM-private BO keeps the
   * point; a shareable one gets a point of its own timeline, transferred from the VM's. 0, or
   * the transfer's errno. Mirrors panthor_kmod_bo_attach_sync_point().
   */
  boAttachSyncPoint(bo: PanKmodBo, point: bigint, written: boolean): number {
    const vm = this.requireVm();
    if (bo.syncHandle === vm.syncHandle) {
      if (point > bo.readPoint) bo.readPoint = point;
      if (written && point > bo.writePoint) bo.writePoint = point;
      return 0;
    }
    const own = (bo.writePoint > bo.readPoint ? bo.writePoint : bo.readPoint) + 1n;
    const ret = this.fd.syncobjTransfer(bo.syncHandle, own, vm.syncHandle, point, 0);
    if (ret < 0) return ret;
    bo.readPoint = own;
    if (written) bo.writePoint = own;
    return 0;
  }

  /**
   * Tears the device down as the Gallium screen does: every BO still allocated freed, the VM
   * destroyed, the LATEST_FLUSH_ID page unmapped (panthor_kmod_dev_destroy()), the file
   * closed. 0, or the first errno. Contexts must have been destroyed before.
   * Mirrors panfrost_close_device() + panthor_kmod_dev_destroy().
   */
  close(): number {
    let first = 0;
    const keep = (r: number): void => {
      if (first === 0 && r < 0) first = r;
    };
    for (const bo of [...this.bos]) keep(this.boFree(bo));
    if (this.vm !== null) keep(this.vmDestroy());
    if (this.flushIdPage !== null) {
      keep(this.fd.munmap("USER_FLUSH_ID", this.flushIdPage));
      this.flushIdPage = null;
    }
    keep(this.fd.close());
    return first;
  }
}
