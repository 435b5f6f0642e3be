import {
  DRM_IOCTL_SYNCOBJ_CREATE,
  DRM_IOCTL_SYNCOBJ_DESTROY,
  DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
  DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
  DRM_IOCTL_SYNCOBJ_QUERY,
  DRM_IOCTL_SYNCOBJ_RESET,
  DRM_IOCTL_SYNCOBJ_SIGNAL,
  DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
  DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
  DRM_IOCTL_SYNCOBJ_TRANSFER,
  DRM_IOCTL_SYNCOBJ_WAIT,
  DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
  DrmSyncobjArray,
  DrmSyncobjCreate,
  DrmSyncobjDestroy,
  DrmSyncobjHandle,
  DrmSyncobjTimelineArray,
  DrmSyncobjTimelineWait,
  DrmSyncobjTransfer,
  DrmSyncobjWait,
  EINVAL,
  ENOENT,
  ETIME,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  DmaFenceContext,
  type DrmFile,
  drmSyncobjFindFence,
  drmSyncobjInstallFence,
} from "../../src/index.js";
import { callIoctl, makeToyDevice, openFile, TestUserMemory } from "./helpers.js";

function setup() {
  const t = makeToyDevice();
  const f = openFile(t.dev);
  const user = new TestUserMemory();
  const ctx = new DmaFenceContext(t.env.loop, "toy", "ring");
  const create = (flags = 0): number => {
    const r = callIoctl(f, DRM_IOCTL_SYNCOBJ_CREATE, DrmSyncobjCreate, { handle: 0, flags }, user);
    expect(r.ret).toBe(0);
    return r.out.handle;
  };
  return { ...t, f, user, ctx, create };
}

function wait(
  f: DrmFile<unknown>,
  user: TestUserMemory,
  handles: number[],
  flags: number,
  timeout: bigint,
) {
  return callIoctl(
    f,
    DRM_IOCTL_SYNCOBJ_WAIT,
    DrmSyncobjWait,
    DrmSyncobjWait.create({
      handles: user.mapU32(handles),
      count_handles: handles.length,
      flags,
      timeout_nsec: timeout,
    }),
    user,
  );
}

describe("syncobj ioctls", () => {
  it("create/destroy with handle reuse and the kernel's errors", () => {
    const { f, user, create } = setup();
    expect([create(), create(1), create()]).toEqual([1, 2, 3]);
    expect(
      callIoctl(f, DRM_IOCTL_SYNCOBJ_CREATE, DrmSyncobjCreate, { handle: 0, flags: 2 }, user).ret,
    ).toBe(-EINVAL);
    expect(f.syncobjIdr.find(2)?.fence?.signaled).toBe(true);
    expect(f.syncobjIdr.find(1)?.fence).toBe(null);
    expect(
      callIoctl(f, DRM_IOCTL_SYNCOBJ_DESTROY, DrmSyncobjDestroy, { handle: 2, pad: 1 }, user).ret,
    ).toBe(-EINVAL);
    expect(
      callIoctl(f, DRM_IOCTL_SYNCOBJ_DESTROY, DrmSyncobjDestroy, { handle: 2, pad: 0 }, user).ret,
    ).toBe(0);
    expect(
      callIoctl(f, DRM_IOCTL_SYNCOBJ_DESTROY, DrmSyncobjDestroy, { handle: 2, pad: 0 }, user).ret,
    ).toBe(-EINVAL);
    expect(create()).toBe(2);
  });

  it("WAIT: -EINVAL without a fence, -ETIME on the virtual clock, first_signaled, WAIT_ALL", () => {
    const { f, user, create, ctx, env } = setup();
    const a = create();
    const b = create();
    expect(wait(f, user, [a, b], 0, 0n).ret).toBe(-EINVAL);
    expect(wait(f, user, [], 0, 0n).ret).toBe(-EINVAL);
    expect(wait(f, user, [a], 0x10, 0n).ret).toBe(-EINVAL);
    expect(wait(f, user, [a, 9], 0, 0n).ret).toBe(-ENOENT);
    const fa = ctx.createFence();
    const fb = ctx.createFence();
    expect(drmSyncobjInstallFence(f, a, 0, fa)).toBe(0);
    expect(drmSyncobjInstallFence(f, b, 0, fb)).toBe(0);
    expect(drmSyncobjInstallFence(f, 9, 0, fb)).toBe(-ENOENT);
    env.loop.schedule(2000, () => fb.signal(), "fb");
    env.loop.schedule(5000, () => fa.signal(), "fa");
    // poll (timeout 0) and a deadline already passed
    expect(wait(f, user, [a, b], 0, 0n).ret).toBe(-ETIME);
    expect(env.loop.now).toBe(0);
    // absolute deadline 1000 ns: times out at 1000
    expect(wait(f, user, [a, b], 0, 1000n).ret).toBe(-ETIME);
    expect(env.loop.now).toBe(1000);
    const any = wait(f, user, [a, b], 0, 100_000n);
    expect(any.ret).toBe(0);
    expect(any.out.first_signaled).toBe(1);
    expect(env.loop.now).toBe(2000);
    const all = wait(f, user, [a, b], DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, 100_000n);
    expect(all.ret).toBe(0);
    expect(env.loop.now).toBe(5000);
    // as in the kernel, WAIT_ALL reports the first handle already signalled when the wait began
    expect(all.out.first_signaled).toBe(1);
  });

  it("WAIT_FOR_SUBMIT waits for a fence to be installed later", () => {
    const { f, user, create, ctx, env } = setup();
    const a = create();
    const fence = ctx.createFence();
    env.loop.schedule(300, () => drmSyncobjInstallFence(f, a, 0, fence), "submit");
    env.loop.schedule(700, () => fence.signal(), "done");
    const r = wait(f, user, [a], DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, 10_000n);
    expect(r.ret).toBe(0);
    expect(env.loop.now).toBe(700);
    // the driver-side lookup with WAIT_FOR_SUBMIT times out after 5 s of virtual time
    const b = create();
    expect(drmSyncobjFindFence(f, b, 0, 0)).toBe(-EINVAL);
    expect(drmSyncobjFindFence(f, 99, 0, 0)).toBe(-ENOENT);
    expect(drmSyncobjFindFence(f, b, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT)).toBe(-ETIME);
    expect(env.loop.now).toBe(700 + 5_000_000_000);
  });

  it("SIGNAL and RESET", () => {
    const { f, user, create } = setup();
    const a = create();
    const arr = { handles: user.mapU32([a]), count_handles: 1, pad: 0 };
    expect(callIoctl(f, DRM_IOCTL_SYNCOBJ_SIGNAL, DrmSyncobjArray, arr, user).ret).toBe(0);
    expect(wait(f, user, [a], 0, 0n).ret).toBe(0);
    expect(callIoctl(f, DRM_IOCTL_SYNCOBJ_RESET, DrmSyncobjArray, arr, user).ret).toBe(0);
    expect(wait(f, user, [a], 0, 0n).ret).toBe(-EINVAL);
    expect(
      callIoctl(f, DRM_IOCTL_SYNCOBJ_SIGNAL, DrmSyncobjArray, { ...arr, pad: 1 }, user).ret,
    ).toBe(-EINVAL);
    expect(
      callIoctl(f, DRM_IOCTL_SYNCOBJ_SIGNAL, DrmSyncobjArray, { ...arr, count_handles: 0 }, user)
        .ret,
    ).toBe(-EINVAL);
  });

  it("timelines: signal points, query last signalled/submitted, wait on points, transfer", () => {
    const { f, user, create, ctx, env } = setup();
    const t = create();
    const f1 = ctx.createFence();
    const f2 = ctx.createFence();
    drmSyncobjInstallFence(f, t, 1, f1);
    drmSyncobjInstallFence(f, t, 4, f2);
    const pts = user.mapU64([0n]);
    const query = (flags: number): bigint => {
      const r = callIoctl(
        f,
        DRM_IOCTL_SYNCOBJ_QUERY,
        DrmSyncobjTimelineArray,
        { handles: user.mapU32([t]), points: pts, count_handles: 1, flags },
        user,
      );
      expect(r.ret).toBe(0);
      return user.readU64(pts, 1)[0] as bigint;
    };
    expect(query(0)).toBe(0n);
    expect(query(DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED)).toBe(4n);
    f1.signal();
    expect(query(0)).toBe(1n);
    const twait = (point: bigint, flags: number, timeout: bigint) =>
      callIoctl(
        f,
        DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
        DrmSyncobjTimelineWait,
        DrmSyncobjTimelineWait.create({
          handles: user.mapU32([t]),
          points: user.mapU64([point]),
          count_handles: 1,
          flags,
          timeout_nsec: timeout,
        }),
        user,
      ).ret;
    expect(twait(1n, 0, 0n)).toBe(0);
    expect(twait(3n, 0, 0n)).toBe(-ETIME);
    expect(twait(9n, 0, 0n)).toBe(-EINVAL);
    expect(twait(9n, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 0n)).toBe(-ETIME);
    expect(twait(4n, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 0n)).toBe(0);
    env.loop.schedule(50, () => f2.signal(), "f2");
    expect(twait(3n, 0, 1000n)).toBe(0);
    expect(env.loop.now).toBe(50);
    expect(query(0)).toBe(4n);
    // TIMELINE_SIGNAL adds an already signalled point
    const r = callIoctl(
      f,
      DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
      DrmSyncobjTimelineArray,
      { handles: user.mapU32([t]), points: user.mapU64([7n]), count_handles: 1, flags: 0 },
      user,
    );
    expect(r.ret).toBe(0);
    expect(query(DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED)).toBe(7n);
    expect(query(0)).toBe(7n);
    // TRANSFER point 7 of t to a binary syncobj, and a binary fence to point 2 of a new timeline
    const bin = create();
    const x = callIoctl(
      f,
      DRM_IOCTL_SYNCOBJ_TRANSFER,
      DrmSyncobjTransfer,
      DrmSyncobjTransfer.create({ src_handle: t, dst_handle: bin, src_point: 7n }),
      user,
    );
    expect(x.ret).toBe(0);
    expect(f.syncobjIdr.find(bin)?.fence?.signaled).toBe(true);
    const t2 = create();
    const pending = ctx.createFence();
    drmSyncobjInstallFence(f, bin, 0, pending);
    expect(
      callIoctl(
        f,
        DRM_IOCTL_SYNCOBJ_TRANSFER,
        DrmSyncobjTransfer,
        DrmSyncobjTransfer.create({ src_handle: bin, dst_handle: t2, dst_point: 2n }),
        user,
      ).ret,
    ).toBe(0);
    const found = drmSyncobjFindFence(f, t2, 2, 0);
    expect(typeof found).not.toBe("number");
    expect(typeof found !== "number" && found.signaled).toBe(false);
    pending.signal();
    expect(typeof found !== "number" && found.signaled).toBe(true);
    expect(
      callIoctl(
        f,
        DRM_IOCTL_SYNCOBJ_TRANSFER,
        DrmSyncobjTransfer,
        DrmSyncobjTransfer.create({ src_handle: bin, dst_handle: 77 }),
        user,
      ).ret,
    ).toBe(-ENOENT);
    expect(
      callIoctl(
        f,
        DRM_IOCTL_SYNCOBJ_TRANSFER,
        DrmSyncobjTransfer,
        DrmSyncobjTransfer.create({ src_handle: 77, dst_handle: bin }),
        user,
      ).ret,
    ).toBe(-ENOENT);
    expect(
      callIoctl(
        f,
        DRM_IOCTL_SYNCOBJ_TRANSFER,
        DrmSyncobjTransfer,
        DrmSyncobjTransfer.create({ src_handle: bin, dst_handle: t2, pad: 1 }),
        user,
      ).ret,
    ).toBe(-EINVAL);
  });

  it("TIMELINE_WAIT with WAIT_AVAILABLE alone returns once the point is submitted, unsignalled", () => {
    const { f, user, create, ctx, env } = setup();
    const t = create();
    const late = ctx.createFence();
    env.loop.schedule(400, () => drmSyncobjInstallFence(f, t, 3, late), "submit");
    const start = env.loop.now;
    const r = callIoctl(
      f,
      DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
      DrmSyncobjTimelineWait,
      DrmSyncobjTimelineWait.create({
        handles: user.mapU32([t]),
        points: user.mapU64([3n]),
        count_handles: 1,
        flags: DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
        timeout_nsec: BigInt(start + 10_000),
      }),
      user,
    );
    expect(r.ret).toBe(0);
    expect(r.out.first_signaled).toBe(0);
    expect(env.loop.now).toBe(start + 400);
    expect(late.signaled).toBe(false);
  });

  it("HANDLE_TO_FD / FD_TO_HANDLE share a syncobj between files; sync files carry a fence", () => {
    const { f, user, create, ctx, dev } = setup();
    const g = openFile(dev);
    const a = create();
    const fence = ctx.createFence();
    drmSyncobjInstallFence(f, a, 0, fence);
    const ex = callIoctl(
      f,
      DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
      DrmSyncobjHandle,
      { handle: a, flags: 0, fd: -1, pad: 0 },
      user,
    );
    expect(ex.ret).toBe(0);
    const im = callIoctl(
      g,
      DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
      DrmSyncobjHandle,
      { handle: 0, flags: 0, fd: ex.out.fd, pad: 0 },
      user,
    );
    expect(im.ret).toBe(0);
    expect(g.syncobjIdr.find(im.out.handle)).toBe(f.syncobjIdr.find(a));
    expect(dev.closeFd(ex.out.fd)).toBe(0);
    const sf = callIoctl(
      f,
      DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
      DrmSyncobjHandle,
      { handle: a, flags: 1, fd: -1, pad: 0 },
      user,
    );
    expect(sf.ret).toBe(0);
    const b = callIoctl(
      g,
      DRM_IOCTL_SYNCOBJ_CREATE,
      DrmSyncobjCreate,
      { handle: 0, flags: 0 },
      user,
    ).out.handle;
    expect(
      callIoctl(
        g,
        DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
        DrmSyncobjHandle,
        { handle: b, flags: 1, fd: sf.out.fd, pad: 0 },
        user,
      ).ret,
    ).toBe(0);
    expect(g.syncobjIdr.find(b)?.fence).toBe(fence);
    expect(
      callIoctl(
        g,
        DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
        DrmSyncobjHandle,
        { handle: 0, flags: 0, fd: sf.out.fd, pad: 0 },
        user,
      ).ret,
    ).toBe(-EINVAL);
    expect(
      callIoctl(
        g,
        DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
        DrmSyncobjHandle,
        { handle: 0, flags: 0, fd: 55, pad: 0 },
        user,
      ).ret,
    ).toBe(-EINVAL);
    expect(
      callIoctl(
        f,
        DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
        DrmSyncobjHandle,
        { handle: 42, flags: 0, fd: -1, pad: 0 },
        user,
      ).ret,
    ).toBe(-EINVAL);
  });
});
