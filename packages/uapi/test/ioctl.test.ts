/** ioctl number encoding, decoding and the driver tables. */
import { describe, expect, it } from "vitest";
import {
  _IO,
  _IOC,
  _IOC_NONE,
  _IOC_READ,
  _IOC_WRITE,
  _IOR,
  _IOW,
  _IOWR,
  DRM_COMMAND_BASE,
  DRM_COMMAND_END,
  DRM_CORE_IOCTLS,
  DRM_CORE_IOCTLS_DEADLINE,
  DRM_IO,
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_PANFROST_SUBMIT,
  DRM_IOCTL_PANTHOR,
  DRM_IOCTL_PANTHOR_VM_BIND,
  DRM_IOCTL_SYNCOBJ_WAIT,
  DRM_IOCTL_SYNCOBJ_WAIT_DEADLINE,
  DRM_IOR,
  DRM_IOW,
  DRM_IOWR,
  DRM_PANTHOR_VM_BIND,
  DrmGemClose,
  DrmPanthorVmBind,
  decodeIoctlArg,
  findIoctl,
  findIoctlByNr,
  type IoctlDesc,
  ioctlDesc,
  ioctlDir,
  ioctlNr,
  ioctlSize,
  ioctlType,
  PANFROST_IOCTLS,
  PANFROST_IOCTLS_NEWEST,
  PANTHOR_IOCTLS,
} from "../src/index.js";

describe("_IOC encoding", () => {
  it("packs dir, size, type and nr like asm-generic", () => {
    expect(_IOC(_IOC_READ | _IOC_WRITE, "d", 0x43, 24)).toBe(0xc0186443);
    expect(_IOW("d", 0x09, 8)).toBe(0x40086409);
    expect(_IOR("d", 0x01, 4)).toBe(0x80046401);
    expect(_IO("d", 0x02)).toBe(0x00006402);
    expect(_IOWR(0x64, 0x40, DrmPanthorVmBind)).toBe(0xc0186440);
  });

  it("decodes every component back", () => {
    const r = DRM_IOCTL_PANTHOR_VM_BIND;
    expect(ioctlDir(r)).toBe(_IOC_READ | _IOC_WRITE);
    expect(ioctlType(r)).toBe("d".charCodeAt(0));
    expect(ioctlNr(r)).toBe(DRM_COMMAND_BASE + DRM_PANTHOR_VM_BIND);
    expect(ioctlSize(r)).toBe(24);
    expect(ioctlDir(DRM_IOCTL_GEM_CLOSE)).toBe(_IOC_WRITE);
    expect(ioctlDir(_IO("d", 1))).toBe(_IOC_NONE);
  });

  it("refuses components that overflow their bit field", () => {
    expect(() => _IOC(4, "d", 1, 8)).toThrow(RangeError);
    expect(() => _IOC(1, "d", 256, 8)).toThrow(RangeError);
    expect(() => _IOC(1, 256, 1, 8)).toThrow(RangeError);
    expect(() => _IOC(1, "d", 1, 1 << 14)).toThrow(RangeError);
  });

  it("DRM_IOCTL_PANTHOR() builds the same numbers as the table", () => {
    expect(DRM_IOCTL_PANTHOR("WR", DRM_PANTHOR_VM_BIND, DrmPanthorVmBind)).toBe(
      DRM_IOCTL_PANTHOR_VM_BIND,
    );
    expect(DRM_IOWR(DRM_COMMAND_BASE + DRM_PANTHOR_VM_BIND, 24)).toBe(DRM_IOCTL_PANTHOR_VM_BIND);
  });

  it("builds each direction's number as the kernel headers give it", () => {
    // Read (kernel -> user): drm.h DRM_IOCTL_GET_MAGIC = DRM_IOR(0x02, drm_auth_t).
    expect(DRM_IOR(0x02, 4)).toBe(0x80046402);
    expect(DRM_IOCTL_PANTHOR("R", 0x00, { size: 16 })).toBe(0x80106440);
    expect(ioctlDir(DRM_IOCTL_PANTHOR("R", 0x05, { size: 24 }))).toBe(_IOC_READ);
    // Write (user -> kernel): DRM_IOCTL_AUTH_MAGIC, DRM_IOCTL_GEM_CLOSE, DRM_IOCTL_PANFROST_SUBMIT.
    expect(DRM_IOW(0x11, 4)).toBe(0x40046411);
    expect(DRM_IOW(0x09, 8)).toBe(0x40086409);
    expect(DRM_IOW(DRM_COMMAND_BASE + 0x00, 48)).toBe(0x40306440);
    expect(DRM_IOCTL_PANTHOR("W", 0x01, { size: 16 })).toBe(0x40106441);
    expect(ioctlDir(DRM_IOCTL_PANTHOR("W", 0x05, { size: 24 }))).toBe(_IOC_WRITE);
    // Both: DRM_IOCTL_VERSION (LP64), DRM_IOCTL_PANTHOR_DEV_QUERY, DRM_IOCTL_PANTHOR_BO_CREATE.
    expect(DRM_IOWR(0x00, 64)).toBe(0xc0406400);
    expect(DRM_IOCTL_PANTHOR("WR", 0x00, { size: 16 })).toBe(0xc0106440);
    expect(DRM_IOCTL_PANTHOR("WR", 0x05, { size: 24 })).toBe(0xc0186445);
    // None: DRM_IOCTL_SET_MASTER = DRM_IO(0x1e).
    expect(DRM_IO(0x1e)).toBe(0x641e);
  });

  it("ioctlDesc refuses a codec whose size differs from the encoded one", () => {
    expect(() => ioctlDesc("X", _IOW("d", 1, 16), DrmGemClose)).toThrow(/8/);
  });
});

function checkTable(table: readonly IoctlDesc[], driver: boolean): void {
  const nrs = new Set<number>();
  for (const d of table) {
    expect(nrs.has(d.nr), `${d.name} nr unique`).toBe(false);
    nrs.add(d.nr);
    expect(d.request).toBe(_IOC(d.dir, "d", d.nr, d.size));
    expect(d.size).toBe(d.codec.size);
    expect(Object.isFrozen(d)).toBe(true);
    if (driver) {
      expect(d.nr).toBeGreaterThanOrEqual(DRM_COMMAND_BASE);
      expect(d.nr).toBeLessThan(DRM_COMMAND_END);
    } else {
      expect(d.nr < DRM_COMMAND_BASE || d.nr >= DRM_COMMAND_END).toBe(true);
    }
  }
}

describe("ioctl tables", () => {
  it("are internally consistent", () => {
    checkTable(DRM_CORE_IOCTLS, false);
    checkTable(PANFROST_IOCTLS, true);
    checkTable([...PANFROST_IOCTLS, ...PANFROST_IOCTLS_NEWEST], true);
    checkTable(PANTHOR_IOCTLS, true);
    expect(PANFROST_IOCTLS).toHaveLength(12);
    expect(PANTHOR_IOCTLS).toHaveLength(17);
  });

  it("look up by request and by nr within one driver", () => {
    expect(findIoctl(PANTHOR_IOCTLS, DRM_IOCTL_PANTHOR_VM_BIND)?.codec).toBe(DrmPanthorVmBind);
    expect(findIoctl(PANFROST_IOCTLS, DRM_IOCTL_PANFROST_SUBMIT)?.name).toBe(
      "DRM_IOCTL_PANFROST_SUBMIT",
    );
    // Same nr, different driver: the request number alone does not name the driver.
    expect(findIoctlByNr(PANFROST_IOCTLS, 0x43)?.name).toBe("DRM_IOCTL_PANFROST_MMAP_BO");
    expect(findIoctlByNr(PANTHOR_IOCTLS, 0x43)?.name).toBe("DRM_IOCTL_PANTHOR_VM_BIND");
    expect(findIoctl(PANTHOR_IOCTLS, DRM_IOCTL_GEM_CLOSE)).toBeUndefined();
  });

  it("keep both sizes of SYNCOBJ_WAIT under one nr", () => {
    expect(ioctlNr(DRM_IOCTL_SYNCOBJ_WAIT)).toBe(ioctlNr(DRM_IOCTL_SYNCOBJ_WAIT_DEADLINE));
    expect(ioctlSize(DRM_IOCTL_SYNCOBJ_WAIT)).toBe(32);
    expect(ioctlSize(DRM_IOCTL_SYNCOBJ_WAIT_DEADLINE)).toBe(40);
    expect(DRM_CORE_IOCTLS_DEADLINE.map((d) => d.size)).toEqual([40, 48]);
  });
});

describe("decodeIoctlArg", () => {
  it("decodes a traced argument by request number", () => {
    const bytes = DrmPanthorVmBind.encode({
      vm_id: 2,
      flags: 1,
      ops: { stride: 48, count: 1, array: 0x1000n },
    });
    const r = decodeIoctlArg(PANTHOR_IOCTLS, DRM_IOCTL_PANTHOR_VM_BIND, bytes);
    expect(r?.desc.name).toBe("DRM_IOCTL_PANTHOR_VM_BIND");
    expect(r?.args).toEqual({ vm_id: 2, flags: 1, ops: { stride: 48, count: 1, array: 0x1000n } });
    expect(decodeIoctlArg(PANTHOR_IOCTLS, DRM_IOCTL_PANTHOR_VM_BIND, bytes.subarray(1))).toBe(
      undefined,
    );
    expect(decodeIoctlArg(PANTHOR_IOCTLS, DRM_IOCTL_GEM_CLOSE, new Uint8Array(8))).toBe(undefined);
  });
});
