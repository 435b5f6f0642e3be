/** UserMemory: a process's memory as the kernel sees it through user pointers. */
import { describe, expect, it } from "vitest";
import {
  checkZeroedUser,
  DrmPanthorSyncOp,
  EFAULT,
  EINVAL,
  ENOMEM,
  KernelError,
  strndupUser,
  UserMemory,
} from "../src/index.js";

describe("UserMemory", () => {
  it("allocates aligned, zeroed, non-NULL memory", () => {
    const mem = new UserMemory();
    const p = mem.alloc(10, 64);
    expect(p).toBeGreaterThan(0n);
    expect(p % 64n).toBe(0n);
    expect(mem.read(p, 10)).toEqual(new Uint8Array(10));
    expect(mem.allocatedBytes).toBe(10);
  });

  it("writes and reads bytes back", () => {
    const mem = new UserMemory();
    const p = mem.alloc(8);
    expect(mem.write(p + 2n, new Uint8Array([1, 2, 3]))).toBe(0);
    expect(mem.read(p, 6)).toEqual(new Uint8Array([0, 0, 1, 2, 3, 0]));
  });

  it("returns copies, not views", () => {
    const mem = new UserMemory();
    const p = mem.alloc(4);
    const r = mem.read(p, 4) as Uint8Array;
    r[0] = 9;
    expect((mem.read(p, 4) as Uint8Array)[0]).toBe(0);
  });

  it("faults on NULL, unmapped, past-the-end and negative pointers", () => {
    const mem = new UserMemory();
    const p = mem.alloc(16);
    expect(mem.read(0n, 1)).toBe(-EFAULT);
    expect(mem.read(p + 16n, 1)).toBe(-EFAULT);
    expect(mem.read(p + 8n, 9)).toBe(-EFAULT);
    expect(mem.read(p - 1n, 2)).toBe(-EFAULT);
    expect(mem.read(-8n, 4)).toBe(-EFAULT);
    expect(mem.write(p + 15n, new Uint8Array(2))).toBe(-EFAULT);
    expect(mem.fill(p + 10n, 7)).toBe(-EFAULT);
  });

  it("a faulting write changes nothing", () => {
    const mem = new UserMemory();
    const p = mem.alloc(4);
    expect(mem.write(p + 2n, new Uint8Array([1, 2, 3]))).toBe(-EFAULT);
    expect(mem.read(p, 4)).toEqual(new Uint8Array(4));
  });

  it("never places two allocations back to back", () => {
    const mem = new UserMemory();
    const a = mem.alloc(8);
    const b = mem.alloc(8);
    expect(b - a).toBeGreaterThan(8n);
    expect(mem.read(a, 16)).toBe(-EFAULT);
  });

  it("zero-length accesses succeed anywhere", () => {
    const mem = new UserMemory();
    expect(mem.read(0n, 0)).toEqual(new Uint8Array(0));
    expect(mem.write(0xdeadn, new Uint8Array(0))).toBe(0);
  });

  it("free unmaps; double free is EINVAL", () => {
    const mem = new UserMemory();
    const p = mem.alloc(8);
    expect(mem.free(p)).toBe(0);
    expect(mem.read(p, 1)).toBe(-EFAULT);
    expect(mem.free(p)).toBe(-EINVAL);
    expect(mem.allocatedBytes).toBe(0);
  });

  it("enforces its capacity with ENOMEM", () => {
    const mem = new UserMemory({ capacity: 100 });
    mem.alloc(60);
    let err: unknown;
    try {
      mem.alloc(60);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).errno).toBe(ENOMEM);
  });

  it("stores structs and arrays", () => {
    const mem = new UserMemory();
    const op = { flags: 1, handle: 5, timeline_value: 9n };
    const p = mem.writeStruct(DrmPanthorSyncOp, op);
    expect(mem.readStruct(DrmPanthorSyncOp, p)).toEqual(op);
    expect(mem.readStruct(DrmPanthorSyncOp, p + 8n)).toBe(-EFAULT);
    const h = mem.writeU32Array([1, 2, 0xffffffff]);
    expect(mem.readU32Array(h, 3)).toEqual([1, 2, 0xffffffff]);
    expect(mem.readU32Array(h, 4)).toBe(-EFAULT);
    const pts = mem.writeU64Array([1n, 1n << 63n]);
    expect(mem.readU64Array(pts, 2)).toEqual([1n, 1n << 63n]);
  });
});

describe("strndupUser", () => {
  it("reads a NUL-terminated string within the limit", () => {
    const mem = new UserMemory();
    const p = mem.writeString("heap chunk");
    expect(strndupUser(mem, p, 4096)).toBe("heap chunk");
    expect(strndupUser(mem, p, 11)).toBe("heap chunk");
  });

  it("is EINVAL when no NUL fits in the limit, EFAULT when unmapped", () => {
    const mem = new UserMemory();
    const p = mem.writeString("abcdef");
    expect(strndupUser(mem, p, 6)).toBe(-EINVAL);
    const q = mem.alloc(3);
    mem.write(q, new Uint8Array([0x61, 0x62, 0x63]));
    expect(strndupUser(mem, q, 100)).toBe(-EFAULT);
    expect(strndupUser(mem, 0n, 100)).toBe(-EFAULT);
  });

  it("is EFAULT for a limit of 0, like strnlen_user() returning 0", () => {
    const mem = new UserMemory();
    const p = mem.writeString("");
    expect(strndupUser(mem, p, 1)).toBe("");
    expect(strndupUser(mem, p, 0)).toBe(-EFAULT);
  });
});

describe("checkZeroedUser", () => {
  it("reports zero, non-zero and faults", () => {
    const mem = new UserMemory();
    const p = mem.alloc(8);
    expect(checkZeroedUser(mem, p, 8)).toBe(1);
    mem.write(p + 7n, new Uint8Array([1]));
    expect(checkZeroedUser(mem, p, 8)).toBe(0);
    expect(checkZeroedUser(mem, p, 9)).toBe(-EFAULT);
  });
});
