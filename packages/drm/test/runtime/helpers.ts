/**
 * Shared fixtures of the runtime tests: a platform (real SystemMemory and EventLoopSim), a toy
 * driver whose BOs are shmem objects pinned per file like panfrost's, and a user-memory model.
 */
import { EventLoopSim, SystemMemory } from "@panmmu/hw";
import {
  CollectingWarningSink,
  DRM_IOCTL_PANFROST_CREATE_BO,
  DrmPanfrostCreateBo,
  type DrmPanfrostCreateBoArgs,
  EINVAL,
  ENOMEM,
  UserMemory,
} from "@panmmu/uapi";
import {
  DRIVER_GEM,
  DRIVER_RENDER,
  DRIVER_SYNCOBJ,
  DRIVER_SYNCOBJ_TIMELINE,
  DrmDevice,
  type DrmDriver,
  type DrmFile,
  type DrmGemObject,
  DrmGemShmemObject,
  type DrmIoctlContext,
  type DrmUserMemory,
  type DrmVma,
  drmGemCreateMmapOffset,
  drmGemMmap,
  drmIoctlDef,
} from "../../src/index.js";

/** Per-file data of the toy driver. */
export interface ToyFilePriv {
  /** Handles opened in this file, in open order (from the BO open callback). */
  readonly opened: number[];
  /** Objects whose close callback ran for this file. */
  readonly closed: number[];
}

/** Calls recorded by the toy driver. */
export interface ToyLog {
  /** "open:<client>", "postclose:<client>", "bo-open:<obj>:<client>", "bo-close:<obj>:<client>", "bo-free:<obj>". */
  readonly events: string[];
}

/**
 * A toy BO: opening it in a file pins its pages and allocates one page standing for the file's
 * page tables (as panfrost_gem_open maps the BO into the file's VM); closing undoes both.
 */
export class ToyBo extends DrmGemShmemObject {
  /** Set to make the next open callback fail with this errno. */
  failOpen = 0;

  constructor(
    dev: DrmDevice,
    size: number,
    private readonly log: ToyLog,
    readonly pinOnOpen: boolean,
  ) {
    super(dev, size);
  }

  /** Per-file "page-table" page allocated by the open callback (client id → page). */
  readonly mappingPages = new Map<number, number>();

  override open(file: DrmFile): number {
    if (this.failOpen !== 0) return this.failOpen;
    if (this.pinOnOpen) {
      const ret = this.pin();
      if (ret < 0) return ret;
      const pt = this.dev.memory.allocPage();
      if (pt === null) {
        this.unpin();
        return -ENOMEM;
      }
      this.mappingPages.set(file.clientId, pt);
    }
    this.log.events.push(`bo-open:${this.id}:${file.clientId}`);
    (file.driverPriv as ToyFilePriv | null)?.opened.push(this.id);
    return 0;
  }

  override close(file: DrmFile): void {
    if (this.pinOnOpen) {
      const pt = this.mappingPages.get(file.clientId);
      if (pt !== undefined) this.dev.memory.freePage(pt);
      this.mappingPages.delete(file.clientId);
      this.unpin();
    }
    this.log.events.push(`bo-close:${this.id}:${file.clientId}`);
    (file.driverPriv as ToyFilePriv | null)?.closed.push(this.id);
  }

  override free(): void {
    this.log.events.push(`bo-free:${this.id}`);
    super.free();
  }
}

/** Test platform. */
export interface TestEnv {
  readonly memory: SystemMemory;
  readonly loop: EventLoopSim;
  readonly warnings: CollectingWarningSink;
}

/** A 64 MiB memory, a loop and a warning sink. */
export function makeEnv(size = 64 * 1024 * 1024): TestEnv {
  const warnings = new CollectingWarningSink();
  return { memory: new SystemMemory({ size, warnings }), loop: new EventLoopSim(), warnings };
}

/** Options of {@link makeToyDriver}. */
export interface ToyDriverOptions {
  /** errno returned by the driver open hook (0: succeed). */
  readonly openErr?: number;
  /** Whether BOs pin their pages when opened in a file (default true). */
  readonly pinOnOpen?: boolean;
  /** Feature bits (default GEM | SYNCOBJ | SYNCOBJ_TIMELINE | RENDER). */
  readonly features?: number;
}

/**
 * A toy driver with one ioctl, panfrost's CREATE_BO (number, struct and codec from uapi): it
 * creates a ToyBo and a handle, and reports the BO's first page address as `offset`.
 */
export function makeToyDriver(log: ToyLog, options: ToyDriverOptions = {}): DrmDriver<ToyFilePriv> {
  const pinOnOpen = options.pinOnOpen ?? true;
  const createBo = (args: DrmPanfrostCreateBoArgs, ctx: DrmIoctlContext<ToyFilePriv>): number => {
    if (args.size === 0 || args.pad !== 0 || args.flags !== 0) return -EINVAL;
    const bo = new ToyBo(ctx.dev as DrmDevice, args.size, log, pinOnOpen);
    const handle = ctx.file.gemHandleCreate(bo);
    bo.put();
    if (handle < 0) return handle;
    args.handle = handle;
    args.offset = BigInt(bo.pages?.[0] ?? 0);
    return 0;
  };
  return {
    name: "toy",
    desc: "toy DRM driver",
    date: "20261121",
    major: 1,
    minor: 3,
    patchlevel: 0,
    features:
      options.features ?? DRIVER_GEM | DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE | DRIVER_RENDER,
    ioctls: [
      drmIoctlDef<DrmPanfrostCreateBoArgs, ToyFilePriv>(
        { name: "DRM_IOCTL_PANFROST_CREATE_BO", request: DRM_IOCTL_PANFROST_CREATE_BO },
        DrmPanfrostCreateBo,
        createBo,
      ),
    ],
    open(file) {
      if (options.openErr) return options.openErr;
      log.events.push(`open:${file.clientId}`);
      file.driverPriv = { opened: [], closed: [] };
      return 0;
    },
    postclose(file) {
      log.events.push(`postclose:${file.clientId}:${file.objectIdr.size}`);
    },
  };
}

/** A device of the toy driver on a fresh platform. */
export function makeToyDevice(options: ToyDriverOptions & { maxHandles?: number } = {}) {
  const env = makeEnv();
  const log: ToyLog = { events: [] };
  const dev = new DrmDevice<ToyFilePriv>(
    makeToyDriver(log, options),
    env,
    options.maxHandles === undefined ? {} : { maxHandles: options.maxHandles },
  );
  return { env, log, dev };
}

/** Opens a file, failing the test on error. */
export function openFile<P>(dev: DrmDevice<P>, node: "primary" | "render" = "render"): DrmFile<P> {
  const f = dev.open(node);
  if (typeof f === "number") throw new Error(`open failed: ${f}`);
  return f;
}

/** uapi's user memory with the shorthands the tests use. */
export class TestUserMemory extends UserMemory {
  /** Maps a copy of `bytes` and returns its address. */
  map(bytes: Uint8Array): bigint {
    const ptr = this.alloc(bytes.length);
    this.write(ptr, bytes);
    return ptr;
  }

  /** Maps little-endian u32 values. */
  mapU32(values: readonly number[]): bigint {
    return this.writeU32Array(values);
  }

  /** Maps little-endian u64 values. */
  mapU64(values: readonly bigint[]): bigint {
    return this.writeU64Array(values);
  }

  /** Reads u64 values back; throws on a fault. */
  readU64(ptr: bigint, count: number): bigint[] {
    const r = this.readU64Array(ptr, count);
    if (typeof r === "number") throw new Error(`fault ${r}`);
    return r;
  }
}

/** Issues an ioctl with `codec`-encoded `args`; returns the result and the decoded struct after. */
export function callIoctl<T>(
  file: DrmFile<unknown>,
  request: number,
  codec: { encode(v: T): Uint8Array; decode(b: Uint8Array): T },
  args: T,
  user: DrmUserMemory,
): { ret: number; out: T } {
  const buf = codec.encode(args);
  const ret = file.ioctl(request, buf, user);
  return { ret, out: codec.decode(buf) };
}

/**
 * mmap() of all of `obj` through `file`, which must hold a handle to it (the offset is created
 * first, as a driver's MMAP_BO ioctl does); fails the test on error.
 */
export function mmapObject(file: DrmFile, obj: DrmGemObject): DrmVma {
  const ret = drmGemCreateMmapOffset(obj);
  if (ret < 0) throw new Error(`mmap offset: ${ret}`);
  const vma = drmGemMmap(file, obj.vmaNode.offsetAddr);
  if (typeof vma === "number") throw new Error(`mmap: ${vma}`);
  return vma;
}
