/**
 * Port of IGT tests/panthor/panthor_gem.c: the upstream subtests (bo_create, bo_mmap_offset,
 * bo_mmap_offset_invalid_handle, bo_create_round_size, bo_zeroed) and the 2026 extended ones
 * (creation validation, BO_SYNC, write-back mappings, labels, BO_QUERY_INFO with PRIME). Each
 * test is named after its IGT subtest and asserts what IGT asserts, plus the BO state behind it.
 */
import {
  DRM_CLOEXEC,
  DRM_IOCTL_PANTHOR_BO_CREATE,
  DRM_IOCTL_PANTHOR_BO_QUERY_INFO,
  DRM_IOCTL_PANTHOR_BO_SET_LABEL,
  DRM_IOCTL_PANTHOR_BO_SYNC,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_PANTHOR_BO_NO_MMAP,
  DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH,
  DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH_AND_INVALIDATE,
  DRM_PANTHOR_BO_WB_MMAP,
  DRM_RDWR,
  DrmPanthorBoCreate,
  type DrmPanthorBoCreateArgs,
  DrmPanthorBoQueryInfo,
  DrmPanthorBoSetLabel,
  DrmPanthorBoSync,
  DrmPanthorBoSyncOp,
  type DrmPanthorBoSyncOpArgs,
  DrmPrimeHandle,
  E2BIG,
  EFAULT,
  EINVAL,
  ENOENT,
  EPERM,
  writeObjArray,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanthorClient } from "../../src/client/client.js";
import { PanthorBo } from "../../src/gem/bo.js";
import {
  doIoctl,
  doIoctlErr,
  drmCloseDriver,
  drmOpenDriver,
  drmReopenDriver,
  gemClose,
  type IgtPanthor,
  igtIoctl,
  igtPanthorBoCreate,
  igtPanthorBoCreateMapped,
  igtPanthorBoMmapOffset,
  igtPanthorFreeBo,
  igtPanthorVmCreate,
  igtPanthorVmDestroy,
  PAGE_SIZE,
} from "./igt-lib.js";

/** PANTHOR_BO_LABEL_MAXLEN: the longest label, its NUL included. */
const LABEL_MAXLEN = 4096;
const UINT64_MAX = (1n << 64n) - 1n;

/** One test body on a freshly opened device; closes it and checks the WARN_ON sink after. */
function withDevice(body: (t: IgtPanthor) => void): void {
  const t = drmOpenDriver();
  body(t);
  drmCloseDriver(t);
}

/** The BO object behind `handle` (for the state checks the ports add). */
function boOf(fd: PanthorClient, handle: number): PanthorBo {
  const obj = fd.handle.file.gemObjectLookup(handle);
  obj?.put();
  expect(obj).toBeInstanceOf(PanthorBo);
  return obj as PanthorBo;
}

/** A BO_CREATE argument block. */
function createArgs(o: Partial<DrmPanthorBoCreateArgs>): DrmPanthorBoCreateArgs {
  return { ...DrmPanthorBoCreate.zero(), ...o };
}

/** do_bo_sync_op(): BO_SYNC of one op; the raw result. */
function doBoSyncOp(fd: PanthorClient, op: DrmPanthorBoSyncOpArgs): number {
  return igtIoctl(fd, DRM_IOCTL_PANTHOR_BO_SYNC, DrmPanthorBoSync, {
    ops: writeObjArray(fd.user, DrmPanthorBoSyncOp, [op]),
  });
}

/** A BO_SYNC op (offset 0 unless given). */
function syncOp(handle: number, type: number, size: bigint, offset = 0n): DrmPanthorBoSyncOpArgs {
  return { handle, type, offset, size };
}

/** set_label(): BO_SET_LABEL with a label pointer (0 clears); the raw result. */
function setLabelPtr(fd: PanthorClient, handle: number, label: bigint): number {
  return igtIoctl(fd, DRM_IOCTL_PANTHOR_BO_SET_LABEL, DrmPanthorBoSetLabel, {
    handle,
    pad: 0,
    label,
  });
}

/** set_label() with a string copied to user memory, or null for a NULL pointer. */
function setLabel(fd: PanthorClient, handle: number, label: string | null): number {
  return setLabelPtr(fd, handle, label === null ? 0n : fd.user.writeString(label));
}

/** query_info(): BO_QUERY_INFO with every output preset to garbage, asserting success. */
function queryInfo(fd: PanthorClient, handle: number) {
  return doIoctl(fd, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, DrmPanthorBoQueryInfo, {
    handle,
    extra_flags: 0xdeadbeef,
    create_flags: 0xdeadbeef,
    pad: 0xdeadbeef,
  });
}

describe("panthor_gem (upstream)", () => {
  it("bo_create", () =>
    withDevice((t) => {
      const bo = igtPanthorBoCreate(t.fd, 4096n, 0, 0);
      expect(bo.handle).not.toBe(0);
      expect(boOf(t.fd, bo.handle).size).toBe(4096);
      igtPanthorFreeBo(t.fd, bo);
    }));

  it("bo_mmap_offset", () =>
    withDevice((t) => {
      const bo = igtPanthorBoCreate(t.fd, 4096n, 0, 0);
      expect(bo.handle).not.toBe(0);
      expect(igtPanthorBoMmapOffset(t.fd, bo.handle, 0)).not.toBe(0n);
      igtPanthorFreeBo(t.fd, bo);
    }));

  it("bo_mmap_offset_invalid_handle", () =>
    withDevice((t) => {
      const bo = igtPanthorBoCreate(t.fd, 4096n, 0, 0);
      expect(bo.handle).not.toBe(0);
      expect(igtPanthorBoMmapOffset(t.fd, 0xdeadbeef, ENOENT)).toBe(0n);
      igtPanthorFreeBo(t.fd, bo);
    }));

  it("bo_create_round_size", () =>
    withDevice((t) => {
      const bo = igtPanthorBoCreate(t.fd, 4096n + 904n, 0, 0);
      expect(bo.handle).not.toBe(0);
      expect(bo.size).toBe(8192n);
      igtPanthorFreeBo(t.fd, bo);
    }));

  it("bo_zeroed", () =>
    withDevice((t) => {
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      expect(bo.map).not.toBeNull();
      expect(bo.map?.readU32(0)).toBe(0);
      // The whole page, not only its first word.
      expect(bo.map?.read(0, 4096).every((b) => b === 0)).toBe(true);
      igtPanthorFreeBo(t.fd, bo);
    }));
});

describe("panthor_gem (extended)", () => {
  it("bo_create_validation", () =>
    withDevice((t) => {
      const req = DRM_IOCTL_PANTHOR_BO_CREATE;
      const before = t.dev.drm.objects.size;
      doIoctlErr(t.fd, req, DrmPanthorBoCreate, createArgs({ size: 0n }), EINVAL);
      doIoctlErr(
        t.fd,
        req,
        DrmPanthorBoCreate,
        createArgs({ size: PAGE_SIZE, flags: 1 << 31 }),
        EINVAL,
      );
      doIoctlErr(t.fd, req, DrmPanthorBoCreate, createArgs({ size: PAGE_SIZE, pad: 1 }), EINVAL);
      doIoctlErr(
        t.fd,
        req,
        DrmPanthorBoCreate,
        createArgs({ size: PAGE_SIZE, exclusive_vm_id: 0xdeadbeef }),
        EINVAL,
      );
      expect(t.dev.drm.objects.size).toBe(before);
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const out = doIoctl(
        t.fd,
        req,
        DrmPanthorBoCreate,
        createArgs({ size: PAGE_SIZE, exclusive_vm_id: vmId }),
      );
      expect(boOf(t.fd, out.handle).exclusiveVmRootGem).not.toBeNull();
      gemClose(t.fd, out.handle);
      igtPanthorVmDestroy(t.fd, vmId, 0);
      // UINT64_MAX overflows the page rounding (IGT accepts any errno).
      expect(
        igtIoctl(t.fd, req, DrmPanthorBoCreate, createArgs({ size: UINT64_MAX })),
      ).toBeLessThan(0);
    }));

  it("bo_sync", () =>
    withDevice((t) => {
      const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      const obj = boOf(t.fd, bo.handle);
      const flush = DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH;
      // FLUSH of a write-combined BO and size 0: no-op successes.
      expect(doBoSyncOp(t.fd, syncOp(bo.handle, flush, PAGE_SIZE))).toBe(0);
      expect(doBoSyncOp(t.fd, syncOp(bo.handle, flush, 0n))).toBe(0);
      expect(obj.cacheSyncs).toBe(0);
      // A bogus type; a bogus handle (IGT accepts any errno; panthor says ENOENT).
      expect(doBoSyncOp(t.fd, syncOp(bo.handle, 0xdeadbeef, PAGE_SIZE))).toBe(-EINVAL);
      expect(doBoSyncOp(t.fd, syncOp(0xdeadbeef, flush, PAGE_SIZE))).toBe(-ENOENT);

      const op = DrmPanthorBoSyncOp.encode(syncOp(bo.handle, flush, PAGE_SIZE));
      const padded = (tail0: number): bigint => {
        const bytes = new Uint8Array(op.length + 16);
        bytes.set(op);
        bytes[op.length] = tail0;
        const ptr = t.fd.user.alloc(bytes.length);
        t.fd.user.write(ptr, bytes);
        return ptr;
      };
      const plain = t.fd.user.alloc(op.length);
      t.fd.user.write(plain, op);
      const req = DRM_IOCTL_PANTHOR_BO_SYNC;
      doIoctlErr(
        t.fd,
        req,
        DrmPanthorBoSync,
        { ops: { count: 1, stride: op.length - 4, array: plain } },
        EINVAL,
      );
      doIoctl(t.fd, req, DrmPanthorBoSync, {
        ops: { count: 1, stride: op.length + 16, array: padded(0) },
      });
      doIoctlErr(
        t.fd,
        req,
        DrmPanthorBoSync,
        { ops: { count: 1, stride: op.length + 16, array: padded(1) } },
        E2BIG,
      );
      doIoctl(t.fd, req, DrmPanthorBoSync, { ops: { count: 0, stride: op.length, array: 0n } });
      igtPanthorFreeBo(t.fd, bo);
    }));

  it("bo_wb_mmap", () =>
    withDevice((t) => {
      const bo = igtPanthorBoCreateMapped(t.fd, PAGE_SIZE, DRM_PANTHOR_BO_WB_MMAP, 0);
      expect(bo.handle).not.toBe(0);
      const map = bo.map;
      expect(map).not.toBeNull();
      if (map === null) return;
      map.write(0, Uint8Array.of(0xa5));
      map.write(4095, Uint8Array.of(0x5a));
      expect(map.read(0, 1)[0]).toBe(0xa5);
      expect(map.read(4095, 1)[0]).toBe(0x5a);
      const obj = boOf(t.fd, bo.handle);
      expect(
        doBoSyncOp(t.fd, syncOp(bo.handle, DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH, PAGE_SIZE)),
      ).toBe(0);
      expect(
        doBoSyncOp(
          t.fd,
          syncOp(bo.handle, DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH_AND_INVALIDATE, PAGE_SIZE),
        ),
      ).toBe(0);
      expect(
        doBoSyncOp(t.fd, syncOp(bo.handle, DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH, 128n, 64n)),
      ).toBe(0);
      // A cached BO gets the maintenance the write-combined one was spared.
      expect(obj.cacheSyncs).toBe(3);
      igtPanthorFreeBo(t.fd, bo);
    }));

  it("bo_mmap_flags_exclusive", () =>
    withDevice((t) => {
      doIoctlErr(
        t.fd,
        DRM_IOCTL_PANTHOR_BO_CREATE,
        DrmPanthorBoCreate,
        createArgs({ size: PAGE_SIZE, flags: DRM_PANTHOR_BO_NO_MMAP | DRM_PANTHOR_BO_WB_MMAP }),
        EINVAL,
      );
      // And a NO_MMAP BO has no mmap offset (spec 1.5).
      const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, DRM_PANTHOR_BO_NO_MMAP, 0);
      igtPanthorBoMmapOffset(t.fd, bo.handle, EPERM);
      igtPanthorFreeBo(t.fd, bo);
    }));

  it("bo_set_label", () =>
    withDevice((t) => {
      const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      const obj = boOf(t.fd, bo.handle);
      expect(setLabel(t.fd, bo.handle, "igt-first")).toBe(0);
      expect(obj.label).toBe("igt-first");
      expect(setLabel(t.fd, bo.handle, "igt-second")).toBe(0);
      expect(obj.label).toBe("igt-second");
      expect(setLabel(t.fd, bo.handle, null)).toBe(0);
      expect(obj.label).toBeNull();
      expect(setLabel(t.fd, bo.handle, null)).toBe(0);
      expect(setLabel(t.fd, bo.handle, "")).toBe(0);
      expect(obj.label).toBe("");
      const longest = "a".repeat(LABEL_MAXLEN - 1);
      expect(setLabel(t.fd, bo.handle, longest)).toBe(0);
      expect(obj.label).toBe(longest);
      igtPanthorFreeBo(t.fd, bo);
    }));

  it("bo_set_label_validation", () =>
    withDevice((t) => {
      const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      const obj = boOf(t.fd, bo.handle);
      expect(setLabel(t.fd, bo.handle, "a".repeat(LABEL_MAXLEN))).toBe(-E2BIG);
      expect(setLabel(t.fd, bo.handle, "a".repeat(2 * LABEL_MAXLEN))).toBe(-E2BIG);
      expect(setLabel(t.fd, 0xdeadbeef, "igt")).toBe(-ENOENT);
      doIoctlErr(
        t.fd,
        DRM_IOCTL_PANTHOR_BO_SET_LABEL,
        DrmPanthorBoSetLabel,
        { handle: bo.handle, pad: 1, label: t.fd.user.writeString("igt") },
        EINVAL,
      );
      // A label in unmapped memory, and one running into unmapped memory before its NUL (the
      // user allocation is followed by an unmapped guard, IGT's PROT_NONE page).
      const page = t.fd.user.alloc(16);
      t.fd.user.fill(page, 16, 0x61);
      expect(setLabelPtr(t.fd, bo.handle, page + 16n)).toBe(-EFAULT);
      expect(setLabelPtr(t.fd, bo.handle, page)).toBe(-EFAULT);
      expect(obj.label).toBeNull();
      // The refusals left the BO usable.
      expect(setLabel(t.fd, bo.handle, "igt")).toBe(0);
      expect(obj.label).toBe("igt");
      igtPanthorFreeBo(t.fd, bo);
    }));

  it("bo_query_info", () =>
    withDevice((t) => {
      for (const flags of [0, DRM_PANTHOR_BO_NO_MMAP, DRM_PANTHOR_BO_WB_MMAP]) {
        const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, flags, 0);
        const info = queryInfo(t.fd, bo.handle);
        expect(info.handle).toBe(bo.handle);
        expect(info.create_flags).toBe(flags);
        expect(info.extra_flags).toBe(0);
        expect(info.pad).toBe(0);
        igtPanthorFreeBo(t.fd, bo);
      }
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const out = doIoctl(
        t.fd,
        DRM_IOCTL_PANTHOR_BO_CREATE,
        DrmPanthorBoCreate,
        createArgs({ size: PAGE_SIZE, exclusive_vm_id: vmId }),
      );
      const info = queryInfo(t.fd, out.handle);
      expect(info.create_flags).toBe(0);
      expect(info.extra_flags).toBe(0);
      expect(info.pad).toBe(0);
      gemClose(t.fd, out.handle);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("bo_query_info_prime", () =>
    withDevice((t) => {
      const fd2 = drmReopenDriver(t);
      const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, DRM_PANTHOR_BO_WB_MMAP, 0);
      const exported = doIoctl(t.fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, DrmPrimeHandle, {
        handle: bo.handle,
        flags: DRM_CLOEXEC | DRM_RDWR,
        fd: -1,
      });
      const imported = doIoctl(fd2, DRM_IOCTL_PRIME_FD_TO_HANDLE, DrmPrimeHandle, {
        handle: 0,
        flags: 0,
        fd: exported.fd,
      });
      expect(t.dev.drm.fds.close(exported.fd)).toBe(0);
      // The same device resolves the dma-buf to the same GEM object: not "imported".
      expect(boOf(fd2, imported.handle)).toBe(boOf(t.fd, bo.handle));
      let info = queryInfo(fd2, imported.handle);
      expect(info.create_flags).toBe(DRM_PANTHOR_BO_WB_MMAP);
      expect(info.extra_flags).toBe(0);
      expect(info.pad).toBe(0);
      info = queryInfo(t.fd, bo.handle);
      expect(info.create_flags).toBe(DRM_PANTHOR_BO_WB_MMAP);
      expect(info.extra_flags).toBe(0);
      gemClose(fd2, imported.handle);
      igtPanthorFreeBo(t.fd, bo);
      expect(fd2.close()).toBe(0);
    }));

  it("bo_query_info_invalid_handle", () =>
    withDevice((t) => {
      const info = { handle: 0xdeadbeef, extra_flags: 0, create_flags: 0, pad: 0 };
      doIoctlErr(t.fd, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, DrmPanthorBoQueryInfo, info, ENOENT);
      info.handle = 0;
      doIoctlErr(t.fd, DRM_IOCTL_PANTHOR_BO_QUERY_INFO, DrmPanthorBoQueryInfo, info, ENOENT);
    }));
});
