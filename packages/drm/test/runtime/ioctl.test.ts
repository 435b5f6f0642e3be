import {
  _IOC,
  _IOC_READ,
  _IOC_WRITE,
  DRM_CAP_PRIME,
  DRM_CAP_SYNCOBJ,
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_GEM_FLINK,
  DRM_IOCTL_GET_CAP,
  DRM_IOCTL_PANFROST_CREATE_BO,
  DRM_IOCTL_PANFROST_SUBMIT,
  DRM_IOCTL_SYNCOBJ_CREATE,
  DRM_IOCTL_SYNCOBJ_RESET,
  DRM_IOCTL_SYNCOBJ_WAIT,
  DRM_IOCTL_SYNCOBJ_WAIT_DEADLINE,
  DRM_IOCTL_VERSION,
  DrmGemClose,
  DrmGemFlink,
  DrmGetCap,
  DrmPanfrostCreateBo,
  DrmSyncobjArray,
  DrmSyncobjCreate,
  DrmSyncobjWait,
  DrmSyncobjWaitDeadline,
  DrmVersion,
  EACCES,
  EFAULT,
  EINVAL,
  ENOENT,
  EOPNOTSUPP,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { DRIVER_GEM, type DrmGemShmemObject } from "../../src/index.js";
import { callIoctl, makeToyDevice, openFile, TestUserMemory } from "./helpers.js";

describe("ioctl dispatch", () => {
  it("dispatches a driver ioctl built from uapi (CREATE_BO) and copies the result out", () => {
    const { dev } = makeToyDevice();
    const f = openFile(dev);
    const user = new TestUserMemory();
    const r = callIoctl(
      f,
      DRM_IOCTL_PANFROST_CREATE_BO,
      DrmPanfrostCreateBo,
      DrmPanfrostCreateBo.create({ size: 8192 }),
      user,
    );
    expect(r.ret).toBe(0);
    expect(r.out.handle).toBe(1);
    const bo = f.objectIdr.find(1) as DrmGemShmemObject;
    expect(r.out.offset).toBe(BigInt(bo.pages?.[0] ?? -1));
    expect(bo.pagesPinCount).toBe(1);
    const bad = callIoctl(
      f,
      DRM_IOCTL_PANFROST_CREATE_BO,
      DrmPanfrostCreateBo,
      DrmPanfrostCreateBo.create({ size: 0 }),
      user,
    );
    expect(bad.ret).toBe(-EINVAL);
    expect(f.objectIdr.ids()).toEqual([1]);
  });

  it("an unknown command number gives -EINVAL (drm_ioctl's default), in both ranges", () => {
    const { dev } = makeToyDevice();
    const f = openFile(dev);
    const user = new TestUserMemory();
    // a driver number with no entry (panfrost SUBMIT is not in the toy table)
    expect(f.ioctl(DRM_IOCTL_PANFROST_SUBMIT, new Uint8Array(48), user)).toBe(-EINVAL);
    // a core number with no entry, and one past the driver range
    expect(f.ioctl(_IOC(_IOC_READ | _IOC_WRITE, 0x64, 0x3f, 8), new Uint8Array(8), user)).toBe(
      -EINVAL,
    );
    expect(f.ioctl(_IOC(_IOC_READ | _IOC_WRITE, 0x64, 0xa0, 8), new Uint8Array(8), user)).toBe(
      -EINVAL,
    );
  });

  it("render nodes may not call DRM_AUTH-only ioctls", () => {
    const { dev, log } = makeToyDevice();
    void log;
    const r = openFile(dev, "render");
    const p = openFile(dev, "primary");
    const user = new TestUserMemory();
    for (const f of [r, p]) {
      callIoctl(
        f,
        DRM_IOCTL_PANFROST_CREATE_BO,
        DrmPanfrostCreateBo,
        DrmPanfrostCreateBo.create({ size: 4096 }),
        user,
      );
    }
    expect(callIoctl(r, DRM_IOCTL_GEM_FLINK, DrmGemFlink, { handle: 1, name: 0 }, user).ret).toBe(
      -EACCES,
    );
    const ok = callIoctl(p, DRM_IOCTL_GEM_FLINK, DrmGemFlink, { handle: 1, name: 0 }, user);
    expect(ok.ret).toBe(0);
    expect(ok.out.name).toBe(1);
  });

  it("the render-node permission check runs after the copy-in: a bad argument faults first", () => {
    const { dev } = makeToyDevice();
    const r = openFile(dev, "render");
    const user = new TestUserMemory();
    // GEM_FLINK is DRM_AUTH only: drm_ioctl copies the argument in before drm_ioctl_kernel()
    // refuses it, so a NULL or short argument is -EFAULT, not -EACCES
    expect(r.ioctl(DRM_IOCTL_GEM_FLINK, null, user)).toBe(-EFAULT);
    expect(r.ioctl(DRM_IOCTL_GEM_FLINK, new Uint8Array(3), user)).toBe(-EFAULT);
    // a refused call still copies the (unchanged) argument back
    const arg = DrmGemFlink.encode({ handle: 7, name: 9 });
    expect(r.ioctl(DRM_IOCTL_GEM_FLINK, arg, user)).toBe(-EACCES);
    expect(DrmGemFlink.decode(arg)).toEqual({ handle: 7, name: 9 });
  });

  it("a shorter user struct is zero-extended, a longer one round-trips its extra bytes", () => {
    const { dev } = makeToyDevice();
    const f = openFile(dev);
    const user = new TestUserMemory();
    // GET_CAP with only the first 8 bytes (capability) from an "old" userspace: request size 8
    const shortReq = _IOC(_IOC_READ | _IOC_WRITE, 0x64, 0x0c, 8);
    const shortArg = new Uint8Array(8);
    new DataView(shortArg.buffer).setBigUint64(0, BigInt(DRM_CAP_SYNCOBJ), true);
    expect(f.ioctl(shortReq, shortArg, user)).toBe(0);
    // only 8 bytes copied back: the capability itself, unchanged
    expect(new DataView(shortArg.buffer).getBigUint64(0, true)).toBe(BigInt(DRM_CAP_SYNCOBJ));
    // a v6.5+ SYNCOBJ_WAIT (40 bytes) on the 32-byte kernel struct: accepted, deadline bytes kept
    const h = callIoctl(
      f,
      DRM_IOCTL_SYNCOBJ_CREATE,
      DrmSyncobjCreate,
      { handle: 0, flags: 1 },
      user,
    ).out.handle;
    const handles = user.mapU32([h]);
    const longArgs = DrmSyncobjWaitDeadline.create({
      handles,
      count_handles: 1,
      deadline_nsec: 0x1122334455667788n,
      first_signaled: 99,
    });
    const r = callIoctl(f, DRM_IOCTL_SYNCOBJ_WAIT_DEADLINE, DrmSyncobjWaitDeadline, longArgs, user);
    expect(r.ret).toBe(0);
    expect(r.out.first_signaled).toBe(0);
    expect(r.out.deadline_nsec).toBe(0x1122334455667788n);
    // the same through the old 32-byte request
    const old = callIoctl(
      f,
      DRM_IOCTL_SYNCOBJ_WAIT,
      DrmSyncobjWait,
      DrmSyncobjWait.create({ handles, count_handles: 1 }),
      user,
    );
    expect(old.ret).toBe(0);
  });

  it("a user buffer shorter than the request size, or a NULL argument, faults", () => {
    const { dev } = makeToyDevice();
    const f = openFile(dev);
    const user = new TestUserMemory();
    callIoctl(
      f,
      DRM_IOCTL_PANFROST_CREATE_BO,
      DrmPanfrostCreateBo,
      DrmPanfrostCreateBo.create({ size: 4096 }),
      user,
    );
    expect(f.ioctl(DRM_IOCTL_GEM_CLOSE, new Uint8Array(4), user)).toBe(-EFAULT);
    expect(f.ioctl(DRM_IOCTL_GEM_CLOSE, null, user)).toBe(-EFAULT);
    expect(f.objectIdr.ids()).toEqual([1]); // the handler did not run
    expect(f.ioctl(DRM_IOCTL_GEM_CLOSE, DrmGemClose.encode({ handle: 1, pad: 0 }), user)).toBe(0);
  });

  it("bad user pointers inside the struct give -EFAULT with nothing changed", () => {
    const { dev } = makeToyDevice();
    const f = openFile(dev);
    const user = new TestUserMemory();
    const h = callIoctl(
      f,
      DRM_IOCTL_SYNCOBJ_CREATE,
      DrmSyncobjCreate,
      { handle: 0, flags: 1 },
      user,
    ).out.handle;
    const fence = f.syncobjIdr.find(h)?.fence;
    expect(
      callIoctl(
        f,
        DRM_IOCTL_SYNCOBJ_RESET,
        DrmSyncobjArray,
        { handles: 0xdead0000n, count_handles: 1, pad: 0 },
        user,
      ).ret,
    ).toBe(-EFAULT);
    expect(
      callIoctl(
        f,
        DRM_IOCTL_SYNCOBJ_RESET,
        DrmSyncobjArray,
        { handles: 0n, count_handles: 1, pad: 0 },
        user,
      ).ret,
    ).toBe(-EFAULT);
    // a pointer whose array runs past the mapping
    const oneHandle = user.mapU32([h]);
    expect(
      callIoctl(
        f,
        DRM_IOCTL_SYNCOBJ_RESET,
        DrmSyncobjArray,
        { handles: oneHandle, count_handles: 2000, pad: 0 },
        user,
      ).ret,
    ).toBe(-EFAULT);
    expect(f.syncobjIdr.find(h)?.fence).toBe(fence);
    // unknown handle in a good array
    expect(
      callIoctl(
        f,
        DRM_IOCTL_SYNCOBJ_RESET,
        DrmSyncobjArray,
        { handles: user.mapU32([h, 77]), count_handles: 2, pad: 0 },
        user,
      ).ret,
    ).toBe(-ENOENT);
    expect(f.syncobjIdr.find(h)?.fence).toBe(fence);
    expect(
      callIoctl(
        f,
        DRM_IOCTL_SYNCOBJ_RESET,
        DrmSyncobjArray,
        { handles: oneHandle, count_handles: 1, pad: 0 },
        user,
      ).ret,
    ).toBe(0);
    expect(f.syncobjIdr.find(h)?.fence).toBe(null);
  });

  it("VERSION copies the strings into user buffers and reports their lengths", () => {
    const { dev } = makeToyDevice();
    const f = openFile(dev);
    const user = new TestUserMemory();
    const nameBuf = user.map(new Uint8Array(3));
    const r = callIoctl(
      f,
      DRM_IOCTL_VERSION,
      DrmVersion,
      DrmVersion.create({ name: nameBuf, name_len: 3n }),
      user,
    );
    expect(r.ret).toBe(0);
    expect([r.out.version_major, r.out.version_minor]).toEqual([1, 3]);
    expect(r.out.name_len).toBe(3n);
    expect(new TextDecoder().decode(user.read(nameBuf, 3) as Uint8Array)).toBe("toy");
    expect(r.out.desc_len).toBe(BigInt("toy DRM driver".length));
    const bad = callIoctl(
      f,
      DRM_IOCTL_VERSION,
      DrmVersion,
      DrmVersion.create({ name: 0xbad000n, name_len: 3n }),
      user,
    );
    expect(bad.ret).toBe(-EFAULT);
  });

  it("GET_CAP answers the render-node capabilities and -EOPNOTSUPP otherwise; features gate ioctls", () => {
    const { dev } = makeToyDevice();
    const f = openFile(dev);
    const user = new TestUserMemory();
    expect(
      callIoctl(
        f,
        DRM_IOCTL_GET_CAP,
        DrmGetCap,
        { capability: BigInt(DRM_CAP_PRIME), value: 0n },
        user,
      ).out.value,
    ).toBe(3n);
    expect(
      callIoctl(
        f,
        DRM_IOCTL_GET_CAP,
        DrmGetCap,
        { capability: BigInt(DRM_CAP_SYNCOBJ), value: 0n },
        user,
      ).out.value,
    ).toBe(1n);
    expect(
      callIoctl(f, DRM_IOCTL_GET_CAP, DrmGetCap, { capability: 0x10n, value: 0n }, user).ret,
    ).toBe(-EOPNOTSUPP);
    const gemOnly = makeToyDevice({ features: DRIVER_GEM });
    const g = openFile(gemOnly.dev);
    expect(
      callIoctl(g, DRM_IOCTL_SYNCOBJ_CREATE, DrmSyncobjCreate, { handle: 0, flags: 0 }, user).ret,
    ).toBe(-EOPNOTSUPP);
    expect(
      callIoctl(
        g,
        DRM_IOCTL_GET_CAP,
        DrmGetCap,
        { capability: BigInt(DRM_CAP_SYNCOBJ), value: 7n },
        user,
      ).out.value,
    ).toBe(0n);
  });

  it("results are copied out even when the handler fails (as drm_ioctl does)", () => {
    const { dev } = makeToyDevice();
    const f = openFile(dev);
    const user = new TestUserMemory();
    const r = callIoctl(f, DRM_IOCTL_GET_CAP, DrmGetCap, { capability: 0x10n, value: 55n }, user);
    expect(r.ret).toBe(-EOPNOTSUPP);
    expect(r.out.value).toBe(0n);
    // a write-only request copies nothing back
    const close = DrmGemClose.encode({ handle: 9, pad: 0 });
    expect(f.ioctl(DRM_IOCTL_GEM_CLOSE, close, user)).toBe(-EINVAL);
    expect(DrmGemClose.decode(close)).toEqual({ handle: 9, pad: 0 });
    void _IOC_WRITE;
  });
});
