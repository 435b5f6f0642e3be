/**
 * `struct drm_file`: one open file of a DRM device, with its GEM handle table, syncobj table
 * and PRIME cache.
 */
import { EINVAL, ENOENT } from "@panmmu/uapi";
import type { DmaBuf } from "../gem/dma-buf.js";
import type { DrmGemObject } from "../gem/gem-object.js";
import type { DrmSyncobj } from "../syncobj/syncobj.js";
import { Idr } from "./idr.js";
import type { DrmDeviceCore, DrmFile, DrmNodeType } from "./types.js";
import type { DrmUserMemory } from "./user-memory.js";

/**
 * The open file {@link DrmFile} describes (see there for its members). `DrmDevice.open`
 * creates it with one reference, its fd's.
 */
export class DrmOpenFile<P = unknown> implements DrmFile<P> {
  /** The device. */
  readonly dev: DrmDeviceCore<P>;
  /** Sequential id of the file within its device (client id, as in fdinfo). */
  readonly clientId: number;
  /** Node the file was opened on: render nodes only get `DRM_RENDER_ALLOW` ioctls. */
  readonly node: DrmNodeType;
  /** The driver's per-file data, set by `DrmDriver.open`. */
  driverPriv: P | null = null;
  /** GEM handle → object (`object_idr`). */
  readonly objectIdr: Idr<DrmGemObject>;
  /** Syncobj handle → syncobj (`syncobj_idr`). */
  readonly syncobjIdr: Idr<DrmSyncobj>;
  /** PRIME cache: dma-buf → handle in this file (`prime.dmabufs`). */
  readonly primeByBuf = new Map<DmaBuf, number>();
  /** PRIME cache: handle → dma-buf (`prime.handles`). */
  readonly primeByHandle = new Map<number, DmaBuf>();
  private isClosed = false;
  private refs = 1;
  private isReleased = false;
  private readonly release: () => void;

  /**
   * Core use only: files come from {@link DrmDevice.open}. The file starts with one reference,
   * its fd's; `release` runs when the last reference goes.
   */
  constructor(
    dev: DrmDeviceCore<P>,
    clientId: number,
    node: DrmNodeType,
    maxHandles: number,
    release: () => void,
  ) {
    this.dev = dev;
    this.clientId = clientId;
    this.node = node;
    this.objectIdr = new Idr<DrmGemObject>(1, maxHandles);
    this.syncobjIdr = new Idr<DrmSyncobj>(1, maxHandles);
    this.release = release;
  }

  /**
   * Whether the file's fd was closed ({@link DrmDevice.close}): no more ioctls or mmaps. The
   * file itself lives on while mappings hold it; see {@link released}.
   */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Whether the file's final release ran (every handle and syncobj released, the driver's
   * `postclose` called): after its fd was closed and its last mapping unmapped.
   */
  get released(): boolean {
    return this.isReleased;
  }

  /** References on the file: its fd (until closed) and each mapping of it. */
  get refcount(): number {
    return this.refs;
  }

  /** Core use only: marks the file's fd closed. */
  markClosed(): void {
    this.isClosed = true;
  }

  /** Takes a reference on the file (a mapping's `vm_file`). Mirrors get_file(). */
  get(): this {
    if (this.refs <= 0) {
      this.dev.warnings.warn("get_file", `file of client ${this.clientId} used after release`);
      return this;
    }
    this.refs++;
    return this;
  }

  /**
   * Drops a reference; the last one runs the file's release (drm_release(): handles, syncobjs,
   * the driver's postclose). Mirrors fput().
   */
  put(): void {
    if (this.refs <= 0) {
      this.dev.warnings.warn("fput", `file of client ${this.clientId} put after release`);
      return;
    }
    if (--this.refs === 0) {
      this.isReleased = true;
      this.release();
    }
  }

  /**
   * Issues ioctl `request` with the argument bytes `arg` (the user buffer the ioctl pointer
   * points at, or null for a NULL pointer), reaching other user memory through `user`. Returns
   * 0 or a negative errno, as drm_ioctl() does; see {@link DrmDevice.ioctl}.
   */
  ioctl(request: number, arg: Uint8Array | null, user: DrmUserMemory): number {
    return this.dev.ioctl(this, request, arg, user);
  }

  /**
   * Creates a handle for `obj` in this file: the lowest free handle from 1. Counts the handle
   * on the object, puts the file on the object's mmap allow list (once more per handle), then
   * calls the object's `open`; any failure (-ENOSPC from the table, the open callback's errno)
   * undoes everything. Returns the handle or a negative errno. Mirrors
   * drm_gem_handle_create_tail().
   */
  gemHandleCreate(obj: DrmGemObject): number {
    obj.handleGet();
    const handle = this.objectIdr.alloc(obj);
    if (handle < 0) {
      obj.handlePut();
      return handle;
    }
    obj.vmaNode.allow(this);
    const ret = obj.open(this);
    if (ret < 0) {
      obj.vmaNode.revoke(this);
      this.objectIdr.remove(handle);
      obj.handlePut();
      return ret;
    }
    return handle;
  }

  /**
   * Deletes `handle`: calls the object's `close`, drops the PRIME cache entry, the file's count
   * on the mmap allow list and the handle's count. Returns 0, or -EINVAL for a handle that names nothing. Mirrors drm_gem_handle_delete().
   */
  gemHandleDelete(handle: number): number {
    const obj = this.objectIdr.remove(handle);
    if (obj === undefined) return -EINVAL;
    this.releaseHandle(handle, obj);
    return 0;
  }

  /**
   * Looks `handle` up and takes a reference on the object (drop it with `put()`); null when the
   * handle names nothing. Mirrors drm_gem_object_lookup().
   */
  gemObjectLookup(handle: number): DrmGemObject | null {
    const obj = this.objectIdr.find(handle);
    return obj === undefined ? null : obj.get();
  }

  /**
   * Looks several handles up, taking a reference on each; the objects or -ENOENT if any handle
   * names nothing (then no reference is kept). Mirrors drm_gem_objects_lookup().
   */
  gemObjectsLookup(handles: ArrayLike<number>): DrmGemObject[] | number {
    const out: DrmGemObject[] = [];
    for (let i = 0; i < handles.length; i++) {
      const obj = this.objectIdr.find(handles[i] as number);
      if (obj === undefined) {
        for (const o of out) o.put();
        return -ENOENT;
      }
      out.push(obj.get());
    }
    return out;
  }

  /** The handle under which this file holds `obj`, or 0. */
  gemHandleOf(obj: DrmGemObject): number {
    for (const [h, o] of this.objectIdr.entries()) if (o === obj) return h;
    return 0;
  }

  /** Core use only: releases every GEM handle of the file (file close). Mirrors drm_gem_release(). */
  releaseAllHandles(): void {
    for (const [handle, obj] of this.objectIdr.entries()) {
      this.objectIdr.remove(handle);
      this.releaseHandle(handle, obj);
    }
  }

  private releaseHandle(handle: number, obj: DrmGemObject): void {
    obj.close(this);
    const buf = this.primeByHandle.get(handle);
    if (buf !== undefined) {
      this.primeByHandle.delete(handle);
      this.primeByBuf.delete(buf);
      buf.put();
    }
    obj.vmaNode.revoke(this);
    obj.handlePut();
  }
}
