import {
  DRM_IOCTL_PANFROST_CREATE_BO,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DrmPanfrostCreateBo,
  DrmPrimeHandle,
  ENOMEM,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { type DrmFile, DrmGemShmemObject, drmGemFlink, drmGemOpen } from "../../src/index.js";
import {
  callIoctl,
  makeToyDevice,
  openFile,
  TestUserMemory,
  ToyBo,
  type ToyFilePriv,
} from "./helpers.js";

/**
 * State the kernel promises to restore on failure. Pages an object keeps in its backing store
 * (as a shmem file does) belong to it and go when it is freed; every other page must be back.
 */
function snapshot(dev: ReturnType<typeof makeToyDevice>["dev"], files: DrmFile<ToyFilePriv>[]) {
  let backing = 0;
  for (const obj of dev.objects) if (obj instanceof DrmGemShmemObject) backing += obj.residentPages;
  return {
    pages: dev.memory.allocatedPages - backing,
    handles: files.map((f) => f.objectIdr.ids()),
    prime: files.map((f) => [...f.primeByHandle.keys()]),
    objects: dev.objects.size,
    names: dev.objectNames.size,
    fds: dev.fds.size,
  };
}

/**
 * A scenario with one allocation-failing step after another: create a BO through the CREATE_BO
 * ioctl (its open callback pins the pages and allocates a mapping page), get the pages of a
 * shmem object, pin another, share the first BO into a second file through PRIME and through
 * flink (each import opens it in that file, allocating a mapping page).
 */
function runScenario(failNth: number) {
  const setup = makeToyDevice();
  const { dev, env, log } = setup;
  const a = openFile(dev, "primary");
  const b = openFile(dev, "primary");
  const c = openFile(dev, "primary");
  const user = new TestUserMemory();
  const plain = new DrmGemShmemObject(dev, 4 * 4096);
  const pinned = new DrmGemShmemObject(dev, 2 * 4096);
  const spare = new ToyBo(dev, 4096, log, true);
  let boHandle = 0;
  let fd = -1;
  const steps: [string, () => number][] = [
    [
      "create",
      () => {
        const r = callIoctl(
          a,
          DRM_IOCTL_PANFROST_CREATE_BO,
          DrmPanfrostCreateBo,
          DrmPanfrostCreateBo.create({ size: 3 * 4096 }),
          user,
        );
        if (r.ret === 0) boHandle = r.out.handle;
        return r.ret;
      },
    ],
    ["get pages", () => plain.getPages()],
    ["pin", () => pinned.pin()],
    ["handle on a pinned BO", () => a.gemHandleCreate(spare)],
    [
      "prime share",
      () => {
        if (boHandle === 0) return 0;
        const ex = callIoctl(
          a,
          DRM_IOCTL_PRIME_HANDLE_TO_FD,
          DrmPrimeHandle,
          { handle: boHandle, flags: 0, fd: -1 },
          user,
        );
        if (ex.ret < 0) return ex.ret;
        fd = ex.out.fd;
        const im = callIoctl(
          b,
          DRM_IOCTL_PRIME_FD_TO_HANDLE,
          DrmPrimeHandle,
          { handle: 0, flags: 0, fd },
          user,
        );
        return im.ret;
      },
    ],
    [
      "flink share",
      () => {
        if (boHandle === 0) return 0;
        const name = drmGemFlink(a, boHandle);
        const r = drmGemOpen(c, name);
        return typeof r === "number" ? r : 0;
      },
    ],
  ];
  env.memory.failNthAllocation(failNth);
  const results: { step: string; ret: number; restored: boolean }[] = [];
  for (const [step, fn] of steps) {
    const before = snapshot(dev, [a, b, c]);
    const ret = fn();
    if (ret < 0) {
      const after = snapshot(dev, [a, b, c]);
      // the export of a failing prime share legitimately left an fd; compare the rest
      if (step === "prime share") {
        after.fds = before.fds;
        after.prime[0] = before.prime[0] as number[];
      }
      if (step === "flink share") after.names = before.names;
      results.push({ step, ret, restored: JSON.stringify(after) === JSON.stringify(before) });
    } else {
      results.push({ step, ret: 0, restored: true });
    }
  }
  const allocCalls = env.memory.stats.allocations + env.memory.stats.failures;
  // tear everything down: nothing may leak
  if (fd >= 0) dev.closeFd(fd);
  for (const f of [a, b, c]) dev.close(f);
  if (pinned.pagesPinCount > 0) pinned.unpin();
  if (plain.pagesUseCount > 0) plain.putPages();
  plain.put();
  pinned.put();
  spare.put();
  return {
    results,
    allocCalls,
    leftPages: env.memory.allocatedPages,
    warnings: env.warnings.warnings,
    objects: dev.objects.size,
  };
}

describe("fault injection: the Nth page allocation fails", () => {
  it("every failing call returns -ENOMEM and restores pages and handle tables, for every N", () => {
    const clean = runScenario(0);
    expect(clean.results.every((r) => r.ret === 0)).toBe(true);
    expect(clean.leftPages).toBe(0);
    expect(clean.objects).toBe(0);
    const total = clean.allocCalls;
    expect(total).toBe(3 + 1 + 4 + 2 + 1 + 1 + 1 + 1); // create(3+1) plain(4) pinned(2) spare(1+1) prime(1) flink(1)
    let failures = 0;
    for (let n = 1; n <= total; n++) {
      const run = runScenario(n);
      const failed = run.results.filter((r) => r.ret !== 0);
      expect(failed, `N=${n}`).toHaveLength(1);
      expect(failed[0]?.ret, `N=${n} ${failed[0]?.step}`).toBe(-ENOMEM);
      expect(failed[0]?.restored, `N=${n} ${failed[0]?.step}`).toBe(true);
      expect(run.leftPages, `N=${n}`).toBe(0);
      expect(run.objects, `N=${n}`).toBe(0);
      expect(run.warnings, `N=${n}`).toEqual([]);
      failures++;
    }
    expect(failures).toBe(total);
  });
});
