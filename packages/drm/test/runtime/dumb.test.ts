/**
 * Dumb buffers: GET_CAP(DRM_CAP_DUMB_BUFFER), MODE_CREATE_DUMB's argument checks and the shmem
 * implementation, MODE_DESTROY_DUMB.
 */
import {
  DRM_CAP_DUMB_BUFFER,
  DRM_IOCTL_GET_CAP,
  DRM_IOCTL_MODE_CREATE_DUMB,
  DRM_IOCTL_MODE_DESTROY_DUMB,
  DrmGetCap,
  DrmModeCreateDumb,
  type DrmModeCreateDumbArgs,
  DrmModeDestroyDumb,
  EACCES,
  EINVAL,
  ENOSYS,
  EOPNOTSUPP,
} from "@panmmu/uapi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DRIVER_GEM,
  DRIVER_MODESET,
  DRM_GEM_SHMEM_DRIVER_OPS,
  DrmDevice,
  type DrmDriver,
  type DrmFile,
  DrmGemShmemObject,
  drmGemShmemDumbCreate,
} from "../../src/index.js";
import { callIoctl, makeEnv, mmapObject, openFile, TestUserMemory } from "./helpers.js";
import { plainDriver } from "./prime-helpers.js";

const user = new TestUserMemory();
const U32 = 0x1_0000_0000;

function createDumb(
  file: DrmFile,
  width: number,
  height: number,
  bpp: number,
  flags = 0,
): { ret: number; out: DrmModeCreateDumbArgs } {
  // Garbage in the output fields: the kernel overwrites them either way.
  const args = { height, width, bpp, flags, handle: 0xabcd, pitch: 0x1234, size: 0x5678n };
  return callIoctl(file, DRM_IOCTL_MODE_CREATE_DUMB, DrmModeCreateDumb, args, user);
}

function destroyDumb(file: DrmFile, handle: number): number {
  return file.ioctl(DRM_IOCTL_MODE_DESTROY_DUMB, DrmModeDestroyDumb.encode({ handle }), user);
}

function getCap(file: DrmFile, capability: number): { ret: number; value: bigint } {
  const r = callIoctl(
    file,
    DRM_IOCTL_GET_CAP,
    DrmGetCap,
    { capability: BigInt(capability), value: 7n },
    user,
  );
  return { ret: r.ret, value: r.out.value };
}

/** A KMS device whose dumb_create is the shmem one, counting the hook's calls. */
function kmsDevice(hooks: Partial<Pick<DrmDriver, "dumbCreate">> = DRM_GEM_SHMEM_DRIVER_OPS) {
  const env = makeEnv();
  const calls: number[][] = [];
  const inner = hooks.dumbCreate;
  const driver = plainDriver(
    "kms",
    DRIVER_GEM | DRIVER_MODESET,
    inner === undefined
      ? {}
      : {
          dumbCreate: (file: DrmFile, w: number, h: number, bpp: number) => {
            calls.push([w, h, bpp]);
            return inner(file, w, h, bpp);
          },
        },
  );
  const dev = new DrmDevice(driver, env);
  return { env, dev, calls, file: openFile(dev, "primary") };
}

describe("GET_CAP(DRM_CAP_DUMB_BUFFER)", () => {
  it("is 1 on a KMS driver with dumbCreate, 0 without it", () => {
    expect(getCap(kmsDevice().file, DRM_CAP_DUMB_BUFFER)).toEqual({ ret: 0, value: 1n });
    expect(getCap(kmsDevice({}).file, DRM_CAP_DUMB_BUFFER)).toEqual({ ret: 0, value: 0n });
  });

  it("is -EOPNOTSUPP without DRIVER_MODESET, as every KMS capability (render-only drivers)", () => {
    const dev = new DrmDevice(plainDriver("gpu", DRIVER_GEM, DRM_GEM_SHMEM_DRIVER_OPS), makeEnv());
    expect(getCap(openFile(dev), DRM_CAP_DUMB_BUFFER)).toEqual({ ret: -EOPNOTSUPP, value: 0n });
  });

  it("answers -EINVAL on a KMS driver for a capability the model does not know", () => {
    expect(getCap(kmsDevice().file, 0x7777).ret).toBe(-EINVAL);
  });
});

describe("MODE_CREATE_DUMB / MODE_DESTROY_DUMB", () => {
  it("IGT's 1024×1024×32: handle 1, pitch 4096, 4 MiB, pages only on first use", () => {
    const { env, dev, file } = kmsDevice();
    const r = createDumb(file, 1024, 1024, 32);
    expect(r.ret).toBe(0);
    expect(r.out).toMatchObject({ handle: 1, pitch: 4096, size: 4n * 1024n * 1024n });
    const obj = file.objectIdr.find(1) as DrmGemShmemObject;
    expect(obj).toBeInstanceOf(DrmGemShmemObject);
    expect(obj.size).toBe(4 * 1024 * 1024);
    expect(env.memory.allocatedPages).toBe(0);
    const view = mmapObject(file, obj);
    view.writeU32(4096 * 1023, 0xff00ff);
    expect(view.munmap()).toBe(0);
    expect(destroyDumb(file, 1)).toBe(0);
    expect(obj.freed).toBe(true);
    expect(destroyDumb(file, 1)).toBe(-EINVAL);
    expect(env.memory.allocatedPages).toBe(0);
    expect(dev.objects.size).toBe(0);
    expect(env.warnings.warnings).toEqual([]);
  });

  it("pitch is width × ⌈bpp/8⌉ and the size is page aligned", () => {
    const { file } = kmsDevice();
    expect(createDumb(file, 3, 3, 8).out).toMatchObject({ pitch: 3, size: 4096n });
    expect(createDumb(file, 640, 480, 24).out).toMatchObject({ pitch: 1920, size: 921600n });
    expect(createDumb(file, 100, 10, 12).out).toMatchObject({ pitch: 200, size: 4096n });
    expect(createDumb(file, 1, 1, 1).out).toMatchObject({ pitch: 1, size: 4096n });
    expect(file.objectIdr.size).toBe(4);
  });

  it("refuses zero, overflowing and flagged requests with -EINVAL, zeroed outputs, no hook call", () => {
    const { file, calls, dev } = kmsDevice();
    const bad: [number, number, number, number][] = [
      [0, 1, 32, 0],
      [1, 0, 32, 0],
      [1, 1, 0, 0],
      [1, 1, 0xffff_fff8, 0], // bpp > U32_MAX - 8
      [0x4000_0000, 1, 32, 0], // cpp × width > U32_MAX
      [1, 9, 0xffff_fff7, 0], // stride × height > U32_MAX
      [0x10_0000, 4096, 8, 0], // 4 GiB: does not fit 32 bits
      [0x10_0000, 4095, 9, 0], // cpp 2: 8190 MiB
      [0xffff_f001, 1, 8, 0], // fits, but PAGE_ALIGN wraps to 0
      [64, 64, 32, 1], // flags must be zero
      [64, 64, 32, 0x8000_0000],
    ];
    for (const [w, h, bpp, flags] of bad) {
      const r = createDumb(file, w, h, bpp, flags);
      expect(r.ret, `${w}x${h}x${bpp} flags ${flags}`).toBe(-EINVAL);
      expect(r.out).toMatchObject({ handle: 0, pitch: 0, size: 0n });
    }
    expect(calls).toEqual([]);
    expect(dev.objects.size).toBe(0);
    // The largest size that still page-aligns below 2^32 passes the checks.
    const ok = createDumb(file, 0xffff_f000, 1, 8);
    expect(ok.ret).toBe(0);
    expect(ok.out.size).toBe(0xffff_f000n);
    expect(calls).toEqual([[0xffff_f000, 1, 8]]);
  });

  it("-ENOSYS without a dumbCreate hook, for create and destroy", () => {
    const { file } = kmsDevice({});
    const r = createDumb(file, 64, 64, 32);
    expect(r.ret).toBe(-ENOSYS);
    expect(r.out).toMatchObject({ handle: 0, pitch: 0, size: 0n });
    expect(destroyDumb(file, 1)).toBe(-ENOSYS);
  });

  it("is a primary-node ioctl: render nodes get -EACCES", () => {
    const { dev } = kmsDevice();
    const render = openFile(dev, "render");
    expect(createDumb(render, 64, 64, 32).ret).toBe(-EACCES);
    expect(destroyDumb(render, 1)).toBe(-EACCES);
  });

  it("destroy is GEM handle deletion; the shmem helper can be called directly", () => {
    const { env, dev, file } = kmsDevice();
    const r = createDumb(file, 64, 64, 32);
    const obj = file.objectIdr.find(r.out.handle) as DrmGemShmemObject;
    expect(obj.pin()).toBe(0);
    obj.unpin();
    expect(drmGemShmemDumbCreate(file, 1, 1, 8)).toEqual({ handle: 2, pitch: 1, size: 4096 });
    expect(destroyDumb(file, 2)).toBe(0);
    expect(destroyDumb(file, r.out.handle)).toBe(0);
    expect(obj.freed).toBe(true);
    expect(dev.objects.size).toBe(0);
    expect(env.memory.allocatedPages).toBe(0);
  });
});

describe("MODE_CREATE_DUMB property", () => {
  it("succeeds exactly when the kernel's 32-bit arithmetic fits; pitch and size follow", () => {
    const { file, dev } = kmsDevice();
    const u32 = fc.oneof(
      fc.integer({ min: 0, max: 4096 }),
      fc.integer({ min: 0, max: U32 - 1 }),
      fc.constantFrom(0, 1, 7, 8, 9, 0xffff, 0x1_0000, 0xffff_fff7, 0xffff_fff8, U32 - 1),
    );
    fc.assert(
      fc.property(u32, u32, u32, fc.constantFrom(0, 0, 0, 1), (w, h, bpp, flags) => {
        const cpp = Math.ceil(bpp / 8);
        const line = cpp * w;
        const fits =
          w > 0 &&
          h > 0 &&
          bpp > 0 &&
          bpp <= U32 - 1 - 8 &&
          line <= U32 - 1 &&
          line * h <= U32 - 4096 &&
          flags === 0;
        const r = createDumb(file, w, h, bpp, flags);
        if (!fits) {
          expect(r.ret).toBe(-EINVAL);
          expect(r.out).toMatchObject({ handle: 0, pitch: 0, size: 0n });
          return;
        }
        expect(r.ret).toBe(0);
        expect(r.out.pitch).toBe(line);
        expect(Number(r.out.size)).toBe(Math.ceil((line * h) / 4096) * 4096);
        expect(destroyDumb(file, r.out.handle)).toBe(0);
      }),
      { numRuns: 300, seed: 0x5eed },
    );
    expect(dev.objects.size).toBe(0);
  });
});
