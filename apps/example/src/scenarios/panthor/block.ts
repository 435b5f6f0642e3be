/**
 * A BO mapped with 2 MiB blocks in a process's VM, and the partial unmap inside one of them:
 * on transparent-huge-page folios the driver widens the unmap to the block and re-maps the
 * survivors; on 4 KiB folios io-pgtable refuses to split the block and the VM becomes unusable.
 */
import { drmSyncobjCreate } from "@panmmu/drm";
import {
  DRM_PANTHOR_VM_BIND_ASYNC,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  errnoName,
} from "@panmmu/uapi";
import { StackError } from "../../stack/stack.js";
import { type PanthorProcess, PROBE_WORD, SIGNAL } from "./process.js";
import type { PanthorRig } from "./rig.js";

/** 2 MiB. */
export const SZ_2M = 0x20_0000;
/** VA of the block-mapped BO in its VM (2 MiB-aligned). */
export const BLOCK_VA = 0x2_0000_0000;
/** Offset in the BO of the pages the partial unmap removes (inside the first block). */
export const HOLE_OFFSET = 0x10_0000;
/** Bytes the partial unmap removes. */
export const HOLE_BYTES = 0x4000;

/** A block-mapped BO of one process. */
export class BlockRegion {
  /** Syncobj of the queued partial unmap (0 before). */
  private syncobj = 0;

  private constructor(
    readonly owner: PanthorProcess,
    readonly handle: number,
    readonly bytes: number,
    readonly hugeFolios: boolean,
  ) {}

  /**
   * Creates a `bytes` BO for `owner` while the system's shmem huge-page policy is `hugeFolios`,
   * fills its probe words, and maps it at {@link BLOCK_VA} (synchronous bind).
   */
  static create(
    rig: PanthorRig,
    owner: PanthorProcess,
    bytes: number,
    hugeFolios: boolean,
  ): BlockRegion {
    const policy = rig.dev.shmemHugeFolios;
    rig.dev.shmemHugeFolios = hugeFolios;
    const bo = owner.client.boCreate(BigInt(bytes));
    rig.dev.shmemHugeFolios = policy;
    if (bo.ret !== 0) throw new StackError(`BO_CREATE failed: ${errnoName(-bo.ret)}`);
    const region = new BlockRegion(owner, bo.handle, bytes, hugeFolios);
    owner.fill(bo.handle, (off) => region.value(off), bytes);
    const r = owner.client.vmBind(owner.vmId, [
      { boHandle: bo.handle, va: BigInt(BLOCK_VA), size: BigInt(bytes) },
    ]);
    if (r.ret !== 0) throw new StackError(`VM_BIND failed: ${errnoName(-r.ret)}`);
    return region;
  }

  /** The data at byte `off` of the BO. */
  value(off: number): number {
    return this.owner.expected(7, off + 0x40_0000);
  }

  /** Whether byte `off` of the BO lies in the hole. */
  static inHole(off: number): boolean {
    return off >= HOLE_OFFSET && off < HOLE_OFFSET + HOLE_BYTES;
  }

  /** VAs of surviving words the GPU reads: the hole's neighbours and each block's ends. */
  survivorVas(): number[] {
    const offs = [0, HOLE_OFFSET - 0x1000, HOLE_OFFSET + HOLE_BYTES, SZ_2M - 0x1000];
    if (this.bytes > SZ_2M) offs.push(SZ_2M, this.bytes - 0x1000);
    return offs.map((o) => BLOCK_VA + o + PROBE_WORD);
  }

  /** VA of a word in the hole. */
  get holeVa(): number {
    return BLOCK_VA + HOLE_OFFSET + PROBE_WORD;
  }

  /** Queues the async UNMAP of the hole; the ioctl's result. */
  queueHoleUnmap(): number {
    const c = this.owner.client;
    this.syncobj = drmSyncobjCreate(c.handle.file, 0);
    if (this.syncobj < 0) throw new StackError(`syncobj: ${errnoName(-this.syncobj)}`);
    const r = c.vmBind(
      this.owner.vmId,
      [
        {
          flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
          va: BigInt(BLOCK_VA + HOLE_OFFSET),
          size: BigInt(HOLE_BYTES),
          syncs: [{ flags: SIGNAL, handle: this.syncobj }],
        },
      ],
      DRM_PANTHOR_VM_BIND_ASYNC,
    );
    return r.ret;
  }

  /** The queued unmap's fence (null before it is queued). */
  fence() {
    return this.owner.fenceOf(this.syncobj);
  }
}
