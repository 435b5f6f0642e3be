/**
 * `struct drm_device`: the device, its open files and the device-wide GEM state.
 */
import type { EventLoop, PhysicalMemory } from "@panmmu/hw";
import { EBADF, type WarningSink } from "@panmmu/uapi";
import type { DrmGemObject } from "../gem/gem-object.js";
import { DrmVmaOffsetManager } from "../gem/vma-manager.js";
import { CORE_IOCTLS } from "./core-ioctls.js";
import { drmIoctlDispatch } from "./dispatch.js";
import { FdTable } from "./fd-table.js";
import { DrmOpenFile } from "./file.js";
import { Idr } from "./idr.js";
import { DrmIoctlTable } from "./ioctl.js";
import type { DrmDeviceCore, DrmDriver, DrmFile, DrmNodeType } from "./types.js";
import type { DrmUserMemory } from "./user-memory.js";

/** What a device runs on: a `GpuPlatform` satisfies it. */
export interface DrmDeviceEnv {
  /** System memory GEM pages come from. */
  readonly memory: PhysicalMemory;
  /** The event loop: fences wait on it, the scheduler runs on it. */
  readonly loop: EventLoop;
  /** Where WARN_ON reports go. */
  readonly warnings: WarningSink;
}

/** Options of {@link DrmDevice}. */
export interface DrmDeviceOptions {
  /** Highest GEM/syncobj handle a file may get (default INT_MAX); beyond it creation fails with -ENOSPC. */
  readonly maxHandles?: number;
  /**
   * The fd table of the process that opened the device. Pass one {@link FdTable} to several
   * devices to model one process using them all: a dma-buf fd exported on one device can then
   * be imported on another, as in Linux where dma-buf fds live in the process's fd table.
   * Default: a table of the device's own.
   */
  readonly fds?: FdTable;
}

/**
 * A DRM device: one driver instance with its files. `P` is the driver's per-file data type.
 */
export class DrmDevice<P = unknown> implements DrmDeviceCore<P> {
  /** The driver. */
  readonly driver: DrmDriver<P>;
  /** System memory. */
  readonly memory: PhysicalMemory;
  /** Event loop. */
  readonly loop: EventLoop;
  /** WARN_ON sink. */
  readonly warnings: WarningSink;
  /**
   * Open files, most recently opened first (the kernel adds to the head of `filelist`). Drivers
   * walk it on reset and when looking up which file owns a faulting address space.
   */
  readonly files: DrmFile<P>[] = [];
  /** Flink names → objects (`object_name_idr`, names from 1). */
  readonly objectNames = new Idr<DrmGemObject>(1);
  /**
   * The simulated process's fd table (dma-bufs, syncobj and sync files); shared with other
   * devices when {@link DrmDeviceOptions.fds} was given.
   */
  readonly fds: FdTable;
  /** Objects not yet freed (the debugfs `gem_names`/`gems` view). */
  readonly objects = new Set<DrmGemObject>();
  /** The fake mmap offsets of the device's objects (`vma_offset_manager`, set up by drm_gem_init()). */
  readonly vmaOffsetManager: DrmVmaOffsetManager<DrmGemObject>;
  private readonly driverTable: DrmIoctlTable<P>;
  private readonly coreTable: DrmIoctlTable<P>;
  private readonly maxHandles: number;
  private nextClientId = 1;

  /** Creates the device; throws RangeError when the driver's ioctl table is malformed. */
  constructor(driver: DrmDriver<P>, env: DrmDeviceEnv, options: DrmDeviceOptions = {}) {
    this.driver = driver;
    this.memory = env.memory;
    this.loop = env.loop;
    this.warnings = env.warnings;
    this.maxHandles = options.maxHandles ?? 0x7fff_ffff;
    this.fds = options.fds ?? new FdTable();
    this.vmaOffsetManager = new DrmVmaOffsetManager<DrmGemObject>(
      undefined,
      undefined,
      env.warnings,
    );
    for (const e of driver.ioctls) {
      const nr = e.request & 0xff;
      if (nr < 0x40 || nr >= 0xa0) {
        throw new RangeError(`${e.name}: driver ioctl number ${nr} outside the driver range`);
      }
    }
    this.driverTable = new DrmIoctlTable<P>(driver.ioctls);
    this.coreTable = new DrmIoctlTable<P>(CORE_IOCTLS);
  }

  /** Whether the driver has every feature bit in `feature`. Mirrors drm_core_check_feature(). */
  hasFeature(feature: number): boolean {
    return (this.driver.features & feature) === feature;
  }

  /**
   * Opens a file on `node` ("render" by default): sets up empty handle tables, calls the driver's
   * `open` hook and adds the file to {@link files}. Returns the file, or the hook's negative
   * errno (nothing stays allocated then). Mirrors drm_open_helper() / drm_file_alloc().
   */
  open(node: DrmNodeType = "render"): DrmFile<P> | number {
    const file: DrmFile<P> = new DrmOpenFile<P>(
      this,
      this.nextClientId,
      node,
      this.maxHandles,
      () => this.release(file),
    );
    if (this.driver.open !== undefined) {
      const ret = this.driver.open(file);
      if (ret < 0) return ret;
    }
    this.nextClientId++;
    this.files.unshift(file);
    return file;
  }

  /**
   * Closes `file`'s fd, dropping the fd's reference on the file: no more ioctls (-EBADF) or
   * mmaps on it. The file's release (its handles and syncobjs released, the driver's
   * `postclose`) runs now if nothing else holds the file, else when the last mapping of it is
   * unmapped, as a `struct file` lives until its last `fput()`. Returns 0, or -EBADF for a file
   * already closed or of another device. Mirrors close(2) of a DRM fd.
   */
  close(file: DrmFile<P>): number {
    if (file.dev !== this || file.closed) return -EBADF;
    file.markClosed();
    file.put();
    return 0;
  }

  /**
   * The last reference on `file` went: removes it from {@link files}, releases its syncobjs and
   * GEM handles (each object's `close` runs), then calls the driver's `postclose`. Mirrors
   * drm_release() / drm_close_helper() / drm_file_free().
   */
  private release(file: DrmFile<P>): void {
    const i = this.files.indexOf(file);
    if (i >= 0) this.files.splice(i, 1);
    for (const [handle, syncobj] of file.syncobjIdr.entries()) {
      file.syncobjIdr.remove(handle);
      syncobj.put();
    }
    file.releaseAllHandles();
    this.driver.postclose?.(file);
    file.driverPriv = null;
  }

  /** Dispatches an ioctl of `file`; see drmIoctlDispatch() for the rules. Mirrors drm_ioctl(). */
  ioctl(file: DrmFile<P>, request: number, arg: Uint8Array | null, user: DrmUserMemory): number {
    if (file.closed) return -EBADF;
    return drmIoctlDispatch(file, request, arg, user, this.coreTable, this.driverTable);
  }

  /**
   * Closes fd `fd` of the simulated process (a dma-buf, syncobj or sync file), whichever device
   * created it when the table is shared; 0 or -EBADF.
   */
  closeFd(fd: number): number {
    return this.fds.close(fd);
  }
}
