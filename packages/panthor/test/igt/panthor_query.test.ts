/**
 * Port of IGT tests/panthor/panthor_query.c: the upstream `query` subtest and every 2026 extended
 * one (CSIF info, timestamps and their flags, group priorities, size negotiation, and
 * set_user_mmio_offset: the offset validation and which window maps the LATEST_FLUSH_ID page).
 * Each test is named after its IGT subtest.
 */

import { DrmVma } from "@panmmu/drm";
import { CSF_GPU_LATEST_FLUSH_ID } from "@panmmu/hw";
import {
  DRM_IOCTL_PANTHOR_DEV_QUERY,
  DRM_IOCTL_PANTHOR_SET_USER_MMIO_OFFSET,
  DRM_PANTHOR_DEV_QUERY_CSIF_INFO,
  DRM_PANTHOR_DEV_QUERY_GPU_INFO,
  DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO,
  DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO,
  DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC,
  DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW,
  DRM_PANTHOR_TIMESTAMP_FREQ,
  DRM_PANTHOR_TIMESTAMP_GPU,
  DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET,
  DRM_PANTHOR_USER_MMIO_OFFSET_32BIT,
  DRM_PANTHOR_USER_MMIO_OFFSET_64BIT,
  DrmPanthorCsifInfo,
  DrmPanthorDevQuery,
  DrmPanthorGpuInfo,
  DrmPanthorSetUserMmioOffset,
  DrmPanthorTimestampInfo,
  type DrmPanthorTimestampInfoArgs,
  EINVAL,
  MAP_SHARED,
  PANTHOR_GROUP_PRIORITY_LOW,
  PANTHOR_GROUP_PRIORITY_MEDIUM,
  PANTHOR_GROUP_PRIORITY_REALTIME,
  PROT_READ,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanthorClient } from "../../src/client/client.js";
import {
  drmCloseDriver,
  drmOpenDriver,
  drmReopenDriver,
  type IgtPanthor,
  igtIoctl,
  igtPanthorBoCreateMapped,
  igtPanthorFreeBo,
  igtPanthorQuery,
  NSEC_PER_SEC,
} from "./igt-lib.js";

/** QUERY_TAIL: extra bytes after a query buffer to watch the zero fill. */
const QUERY_TAIL = 16;
/** getpagesize(). */
const PAGE = 4096n;

/** One test body on a freshly opened device; closes it and checks the WARN_ON sink after. */
function withDevice(body: (t: IgtPanthor) => void): void {
  const t = drmOpenDriver();
  body(t);
  drmCloseDriver(t);
}

/** do_query(): DEV_QUERY with a raw pointer and size; the result and the size written back. */
function doQuery(
  fd: PanthorClient,
  type: number,
  pointer: bigint,
  size: number,
): { ret: number; size: number } {
  const { ret, out } = fd.ioctl(DRM_IOCTL_PANTHOR_DEV_QUERY, DrmPanthorDevQuery, {
    type,
    size,
    pointer,
  });
  return { ret, size: out.size };
}

/** query_size(): the size the driver reports for `type` (asserted non-zero). */
function querySize(fd: PanthorClient, type: number): number {
  const r = doQuery(fd, type, 0n, 0);
  expect(r.ret).toBe(0);
  expect(r.size).not.toBe(0);
  return r.size;
}

/** TIMESTAMP_INFO with `flags` set in the buffer, expecting `err`; the decoded struct on success. */
function timestampQuery(
  fd: PanthorClient,
  flags: number,
  err: number,
): DrmPanthorTimestampInfoArgs | null {
  const init = DrmPanthorTimestampInfo.encode({
    ...DrmPanthorTimestampInfo.zero(),
    flags: flags >>> 0,
  });
  const out = igtPanthorQuery(fd, DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO, init.length, err, init);
  return out === null ? null : DrmPanthorTimestampInfo.decode(out);
}

/** set_user_mmio_offset(): the raw result. */
function setUserMmioOffset(fd: PanthorClient, offset: bigint): number {
  return igtIoctl(fd, DRM_IOCTL_PANTHOR_SET_USER_MMIO_OFFSET, DrmPanthorSetUserMmioOffset, {
    offset,
  });
}

describe("panthor_query", () => {
  it("query", () =>
    withDevice((t) => {
      const out = igtPanthorQuery(t.fd, DRM_PANTHOR_DEV_QUERY_GPU_INFO, DrmPanthorGpuInfo.size, 0);
      const gpu = DrmPanthorGpuInfo.decode(out as Uint8Array);
      expect(gpu.gpu_id).not.toBe(0);
      // The G610's GPU_ID: architecture 10 (CSF).
      expect(gpu.gpu_id >>> 28).toBe(10);
    }));

  it("query_csif", () =>
    withDevice((t) => {
      const out = igtPanthorQuery(
        t.fd,
        DRM_PANTHOR_DEV_QUERY_CSIF_INFO,
        DrmPanthorCsifInfo.size,
        0,
      );
      const csif = DrmPanthorCsifInfo.decode(out as Uint8Array);
      expect(csif.csg_slot_count).not.toBe(0);
      expect(csif.cs_slot_count).not.toBe(0);
      expect(csif.cs_reg_count).not.toBe(0);
      expect(csif.scoreboard_slot_count).not.toBe(0);
      expect(csif.pad).toBe(0);
    }));

  it("query_timestamp", () =>
    withDevice((t) => {
      const first = timestampQuery(t.fd, 0, 0) as DrmPanthorTimestampInfoArgs;
      const second = timestampQuery(t.fd, 0, 0) as DrmPanthorTimestampInfoArgs;
      expect(second.current_timestamp >= first.current_timestamp).toBe(true);
      // On the virtual clock: 1 ms later the counter moved by frequency / 1000 ticks.
      t.sim.loop.advance(1_000_000);
      const third = timestampQuery(t.fd, 0, 0) as DrmPanthorTimestampInfoArgs;
      expect(first.timestamp_frequency).not.toBe(0n);
      expect(third.current_timestamp - second.current_timestamp).toBe(
        first.timestamp_frequency / 1000n,
      );
    }));

  it("query_timestamp_flags", () =>
    withDevice((t) => {
      expect(querySize(t.fd, DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO)).toBeGreaterThanOrEqual(
        DrmPanthorTimestampInfo.size,
      );
      // A CLOCK_MONOTONIC read on a real machine is never in its first second (IGT skips when
      // the CPU timestamp reads 0 s): start the virtual clock past it.
      t.sim.loop.advance(2 * NSEC_PER_SEC);
      let info = timestampQuery(
        t.fd,
        DRM_PANTHOR_TIMESTAMP_GPU | DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC,
        0,
      ) as DrmPanthorTimestampInfoArgs;
      expect(info.cpu_timestamp_sec).not.toBe(0n);
      expect(info.current_timestamp).not.toBe(0n);

      info = timestampQuery(t.fd, DRM_PANTHOR_TIMESTAMP_GPU, 0) as DrmPanthorTimestampInfoArgs;
      expect(info.cpu_timestamp_sec).toBe(0n);
      expect(info.cpu_timestamp_nsec).toBe(0n);
      expect(info.timestamp_offset).toBe(0n);
      expect(info.timestamp_frequency).toBe(0n);
      expect(info.cycle_count).toBe(0n);

      info = timestampQuery(t.fd, DRM_PANTHOR_TIMESTAMP_FREQ, 0) as DrmPanthorTimestampInfoArgs;
      expect(info.current_timestamp).toBe(0n);
      expect(info.timestamp_frequency).not.toBe(0n);

      timestampQuery(
        t.fd,
        DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC | DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW,
        EINVAL,
      );
      timestampQuery(t.fd, 1 << 31, EINVAL);
    }));

  it("query_group_priorities", () =>
    withDevice((t) => {
      const out = igtPanthorQuery(
        t.fd,
        DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO,
        4,
        0,
      ) as Uint8Array;
      const mask = out[0] as number;
      expect(mask & (1 << PANTHOR_GROUP_PRIORITY_LOW)).not.toBe(0);
      expect(mask & (1 << PANTHOR_GROUP_PRIORITY_MEDIUM)).not.toBe(0);
      expect(mask & ~((1 << (PANTHOR_GROUP_PRIORITY_REALTIME + 1)) - 1)).toBe(0);
      expect([out[1], out[2], out[3]]).toEqual([0, 0, 0]);
    }));

  it("query_size_negotiation", () =>
    withDevice((t) => {
      const types = [
        DRM_PANTHOR_DEV_QUERY_GPU_INFO,
        DRM_PANTHOR_DEV_QUERY_CSIF_INFO,
        DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO,
        DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO,
      ];
      const outputOnly = [
        DRM_PANTHOR_DEV_QUERY_GPU_INFO,
        DRM_PANTHOR_DEV_QUERY_CSIF_INFO,
        DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO,
      ];
      const buf = t.fd.user.alloc(DrmPanthorGpuInfo.size);
      // offsetof(tiler_present) + sizeof(tiler_present): what GPU_INFO first carried.
      const gpuInfoMin = 96;

      for (const type of types) {
        querySize(t.fd, type);
        expect(doQuery(t.fd, type, buf, 0).ret).toBe(-EINVAL);
      }
      expect(doQuery(t.fd, DRM_PANTHOR_DEV_QUERY_GPU_INFO, buf, gpuInfoMin).ret).toBe(0);
      expect(doQuery(t.fd, DRM_PANTHOR_DEV_QUERY_GPU_INFO, buf, gpuInfoMin - 1).ret).toBe(-EINVAL);

      for (const type of outputOnly) {
        const size = querySize(t.fd, type);
        const poisoned = t.fd.user.alloc(size + QUERY_TAIL);
        t.fd.user.fill(poisoned, size + QUERY_TAIL, 0xff);
        expect(doQuery(t.fd, type, poisoned, size + QUERY_TAIL).ret).toBe(0);
        const tail = t.fd.user.read(poisoned + BigInt(size), QUERY_TAIL) as Uint8Array;
        expect([...tail]).toEqual(new Array<number>(QUERY_TAIL).fill(0));
        t.fd.user.free(poisoned);
      }

      expect(doQuery(t.fd, 0xdeadbeef, 0n, 0).ret).toBe(-EINVAL);
      expect(doQuery(t.fd, 0xdeadbeef, buf, DrmPanthorGpuInfo.size).ret).toBe(-EINVAL);
      t.fd.user.free(buf);
    }));

  it("set_user_mmio_offset", () =>
    withDevice((t) => {
      const local = drmReopenDriver(t);
      expect(setUserMmioOffset(local, DRM_PANTHOR_USER_MMIO_OFFSET_64BIT)).toBe(0);
      expect(setUserMmioOffset(local, 0n)).toBe(-EINVAL);
      expect(setUserMmioOffset(local, PAGE)).toBe(-EINVAL);
      expect(setUserMmioOffset(local, DRM_PANTHOR_USER_MMIO_OFFSET_32BIT + PAGE)).toBe(-EINVAL);
      expect(setUserMmioOffset(local, DRM_PANTHOR_USER_MMIO_OFFSET_64BIT - 1n)).toBe(-EINVAL);
      expect(local.handle.priv.userMmioOffset).toBe(DRM_PANTHOR_USER_MMIO_OFFSET_64BIT);

      // The default window maps the USER page: LATEST_FLUSH_ID, read-only, shared.
      const def = local.mmap(
        DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET,
        Number(PAGE),
        PROT_READ,
        MAP_SHARED,
      );
      expect(def).toBeInstanceOf(DrmVma);
      const flushId = (def as DrmVma).readU32(0);
      expect(flushId).toBe(t.dev.platform.mmio.read32(CSF_GPU_LATEST_FLUSH_ID));
      expect((def as DrmVma).munmap()).toBe(0);
      // Below the selected window the offset is a GEM fake offset naming no BO: mmap fails.
      expect(
        local.mmap(DRM_PANTHOR_USER_MMIO_OFFSET_32BIT, Number(PAGE), PROT_READ, MAP_SHARED),
      ).toBe(-EINVAL);

      expect(setUserMmioOffset(local, DRM_PANTHOR_USER_MMIO_OFFSET_32BIT)).toBe(0);
      expect(local.handle.priv.userMmioOffset).toBe(DRM_PANTHOR_USER_MMIO_OFFSET_32BIT);
      // Per file: the first file keeps the default window.
      expect(t.fd.handle.priv.userMmioOffset).toBe(DRM_PANTHOR_USER_MMIO_OFFSET_64BIT);
      // The 32-bit window now maps it; the 64-bit offset lies past the page in that window.
      const low = local.mmap(
        DRM_PANTHOR_USER_MMIO_OFFSET_32BIT,
        Number(PAGE),
        PROT_READ,
        MAP_SHARED,
      );
      expect((low as DrmVma).readU32(0)).toBe(flushId);
      expect((low as DrmVma).munmap()).toBe(0);
      expect(
        local.mmap(DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET, Number(PAGE), PROT_READ, MAP_SHARED),
      ).toBe(-EINVAL);
      expect(
        t.fd.mmap(DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET, Number(PAGE), PROT_READ, MAP_SHARED),
      ).toBeInstanceOf(DrmVma);

      // BO offsets sit below both windows and still map.
      const bo = igtPanthorBoCreateMapped(local, PAGE, 0, 0);
      expect(bo.map).not.toBeNull();
      expect(bo.offset < DRM_PANTHOR_USER_MMIO_OFFSET_32BIT).toBe(true);
      igtPanthorFreeBo(local, bo);
      expect(local.close()).toBe(0);
    }));
});
