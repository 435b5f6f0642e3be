/**
 * Fixtures of the cross-device PRIME and dumb-buffer tests: a KMS-like exporter driver and a
 * GPU-like importer driver over one platform, optionally sharing one process fd table.
 */
import {
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DrmPrimeHandle,
} from "@panmmu/uapi";
import {
  DRIVER_GEM,
  DRIVER_MODESET,
  DRIVER_RENDER,
  DRM_GEM_SHMEM_DRIVER_OPS,
  DrmDevice,
  type DrmDriver,
  type DrmFile,
  DrmGemShmemObject,
  FdTable,
} from "../../src/index.js";
import { callIoctl, makeEnv, openFile, type TestEnv, TestUserMemory } from "./helpers.js";

/** A driver named `name` with `features` and the given hooks, no ioctls of its own. */
export function plainDriver(
  name: string,
  features: number,
  hooks: Partial<Pick<DrmDriver, "dumbCreate" | "gemPrimeImportSgTable">> = {},
): DrmDriver {
  return {
    name,
    desc: `${name} test driver`,
    date: "20261121",
    major: 1,
    minor: 0,
    patchlevel: 0,
    features,
    ioctls: [],
    ...hooks,
  };
}

/** Two devices on one platform: `kms` (dumb buffers, shmem import) and `gpu` (shmem import). */
export interface TwoDevices {
  readonly env: TestEnv;
  readonly kms: DrmDevice;
  readonly gpu: DrmDevice;
  readonly kmsFile: DrmFile;
  readonly gpuFile: DrmFile;
  readonly user: TestUserMemory;
}

/** Options of {@link makeTwoDevices}. */
export interface TwoDevicesOptions {
  /** Share one process fd table between the devices (default true). */
  readonly shareFds?: boolean;
  /** Give the GPU device the shmem import hook (default true). */
  readonly gpuImports?: boolean;
  /** Highest handle of the GPU device's files. */
  readonly gpuMaxHandles?: number;
}

/** Builds {@link TwoDevices} with one primary-node file on `kms` and one render file on `gpu`. */
export function makeTwoDevices(options: TwoDevicesOptions = {}): TwoDevices {
  const env = makeEnv();
  const shared = (options.shareFds ?? true) ? new FdTable() : undefined;
  const kms = new DrmDevice(
    plainDriver("kms", DRIVER_GEM | DRIVER_MODESET, DRM_GEM_SHMEM_DRIVER_OPS),
    env,
    shared === undefined ? {} : { fds: shared },
  );
  const gpuHooks =
    (options.gpuImports ?? true)
      ? { gemPrimeImportSgTable: DRM_GEM_SHMEM_DRIVER_OPS.gemPrimeImportSgTable }
      : {};
  const gpu = new DrmDevice(plainDriver("gpu", DRIVER_GEM | DRIVER_RENDER, gpuHooks), env, {
    ...(shared === undefined ? {} : { fds: shared }),
    ...(options.gpuMaxHandles === undefined ? {} : { maxHandles: options.gpuMaxHandles }),
  });
  return {
    env,
    kms,
    gpu,
    kmsFile: openFile(kms, "primary"),
    gpuFile: openFile(gpu),
    user: new TestUserMemory(),
  };
}

/** A shmem object of `size` bytes with a handle in `file`; returns the handle and the object. */
export function shmemWithHandle(file: DrmFile, size: number): [number, DrmGemShmemObject] {
  const obj = new DrmGemShmemObject(file.dev as DrmDevice, size);
  const handle = file.gemHandleCreate(obj);
  obj.put();
  if (handle < 0) throw new Error(`handle: ${handle}`);
  return [handle, obj];
}

/** PRIME_HANDLE_TO_FD through the ioctl; returns [ret, fd]. */
export function handleToFd(
  file: DrmFile,
  handle: number,
  flags: number,
  user: TestUserMemory,
): [number, number] {
  const r = callIoctl(
    file,
    DRM_IOCTL_PRIME_HANDLE_TO_FD,
    DrmPrimeHandle,
    { handle, flags, fd: -1 },
    user,
  );
  return [r.ret, r.out.fd];
}

/** PRIME_FD_TO_HANDLE through the ioctl; returns [ret, handle]. */
export function fdToHandle(file: DrmFile, fd: number, user: TestUserMemory): [number, number] {
  const r = callIoctl(
    file,
    DRM_IOCTL_PRIME_FD_TO_HANDLE,
    DrmPrimeHandle,
    { handle: 0, flags: 0, fd },
    user,
  );
  return [r.ret, r.out.handle];
}

/** The object behind `handle` in `file` (no reference taken), as a shmem object. */
export function shmemAt(file: DrmFile, handle: number): DrmGemShmemObject {
  const obj = file.objectIdr.find(handle);
  if (!(obj instanceof DrmGemShmemObject)) throw new Error(`handle ${handle}: no shmem object`);
  return obj;
}
