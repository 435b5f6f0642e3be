/** drm_panthor_obj_array and copy_struct_from_user semantics. */
import { describe, expect, it } from "vitest";
import {
  copyStructFromUser,
  DRM_PANTHOR_OBJ_ARRAY,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  DrmGemClose,
  DrmPanthorCsifInfo,
  DrmPanthorGpuInfo,
  DrmPanthorObjArray,
  DrmPanthorQueueCreate,
  DrmPanthorQueueSubmit,
  DrmPanthorSyncOp,
  type DrmPanthorSyncOpArgs,
  DrmPanthorTimestampInfo,
  DrmPanthorVmBindOp,
  type DrmPanthorVmBindOpArgs,
  defineStruct,
  E2BIG,
  EFAULT,
  EINVAL,
  ENOMEM,
  getUobjArray,
  PANTHOR_UOBJ_MIN_SIZE,
  readObjArray,
  readStructFromUser,
  setUobj,
  UserMemory,
  u32,
  u64,
  writeObjArray,
} from "../src/index.js";

/** A hypothetical future sync_op with one more u64, to read old 16-byte elements. */

const SyncOpV2 = defineStruct("drm_panthor_sync_op_v2", {
  flags: [0, u32],
  handle: [4, u32],
  timeline_value: [8, u64],
  extra: [16, u64],
});

const OPS: DrmPanthorVmBindOpArgs[] = [
  {
    flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
    bo_handle: 1,
    bo_offset: 0n,
    va: 0x100000n,
    size: 0x2000n,
    syncs: { stride: 16, count: 0, array: 0n },
  },
  {
    flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
    bo_handle: 0,
    bo_offset: 0n,
    va: 0x200000n,
    size: 0x1000n,
    syncs: { stride: 16, count: 1, array: 0x5000n },
  },
];

const SYNCS: DrmPanthorSyncOpArgs[] = [
  { flags: 0, handle: 3, timeline_value: 0n },
  { flags: (DRM_PANTHOR_SYNC_OP_SIGNAL | 1) >>> 0, handle: 4, timeline_value: 7n },
  { flags: 1, handle: 5, timeline_value: 0xffff_ffff_ffffn },
];

const MIN = PANTHOR_UOBJ_MIN_SIZE(DrmPanthorSyncOp);

describe("readObjArray (panthor_get_uobj_array)", () => {
  it("stride equal to the struct size: one block copy", () => {
    const mem = new UserMemory();
    const arr = writeObjArray(mem, DrmPanthorVmBindOp, OPS);
    expect(arr.stride).toBe(48);
    expect(readObjArray(mem, arr, DrmPanthorVmBindOp, 48)).toEqual(OPS);
  });

  it("stride larger with a zero tail: accepted", () => {
    const mem = new UserMemory();
    const arr = writeObjArray(mem, DrmPanthorSyncOp, SYNCS, 24);
    expect(readObjArray(mem, arr, DrmPanthorSyncOp, MIN)).toEqual(SYNCS);
  });

  it("stride larger with a non-zero tail: -E2BIG", () => {
    const mem = new UserMemory();
    const tail = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1]);
    const arr = writeObjArray(mem, DrmPanthorSyncOp, SYNCS, 24, tail);
    expect(readObjArray(mem, arr, DrmPanthorSyncOp, MIN)).toBe(-E2BIG);
  });

  it("non-zero tail on the last element only still fails", () => {
    const mem = new UserMemory();
    const arr = writeObjArray(mem, DrmPanthorSyncOp, SYNCS, 20);
    mem.write(arr.array + BigInt(2 * 20 + 16), new Uint8Array([0, 0, 9, 0]));
    expect(readObjArray(mem, arr, DrmPanthorSyncOp, MIN)).toBe(-E2BIG);
  });

  it("stride smaller than the kernel struct but not below the minimum: zero-filled", () => {
    // A kernel whose sync_op grew by 8 bytes reading today's 16-byte elements.
    const mem = new UserMemory();
    const arr = writeObjArray(mem, DrmPanthorSyncOp, SYNCS);
    const grown = readObjArray(mem, { ...arr }, SyncOpV2, 16);
    expect(grown).toEqual(
      SYNCS.map((s) => ({
        flags: s.flags,
        handle: s.handle,
        timeline_value: s.timeline_value,
        extra: 0n,
      })),
    );
  });

  it("stride below the minimum: -EINVAL", () => {
    const mem = new UserMemory();
    const arr = writeObjArray(mem, DrmPanthorSyncOp, SYNCS, 12);
    expect(readObjArray(mem, arr, DrmPanthorSyncOp, MIN)).toBe(-EINVAL);
    expect(readObjArray(mem, { ...arr, stride: 0 }, DrmPanthorSyncOp, MIN)).toBe(-EINVAL);
  });

  it("a count running past the end of user memory: -EFAULT (both paths)", () => {
    const mem = new UserMemory();
    const arr = writeObjArray(mem, DrmPanthorVmBindOp, OPS);
    expect(readObjArray(mem, { ...arr, count: 3 }, DrmPanthorVmBindOp, 48)).toBe(-EFAULT);
    const wide = writeObjArray(mem, DrmPanthorSyncOp, SYNCS, 24);
    expect(readObjArray(mem, { ...wide, count: 4 }, DrmPanthorSyncOp, MIN)).toBe(-EFAULT);
    expect(readObjArray(mem, { ...arr, array: 0n }, DrmPanthorVmBindOp, 48)).toBe(-EFAULT);
  });

  it("errors come in element order: a bad tail before an unmapped element is -E2BIG", () => {
    const mem = new UserMemory();
    const tail = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]);
    const arr = writeObjArray(mem, DrmPanthorSyncOp, SYNCS, 24, tail);
    expect(readObjArray(mem, { ...arr, count: 10 }, DrmPanthorSyncOp, MIN)).toBe(-E2BIG);
    const clean = writeObjArray(mem, DrmPanthorSyncOp, SYNCS, 24);
    expect(readObjArray(mem, { ...clean, count: 10 }, DrmPanthorSyncOp, MIN)).toBe(-EFAULT);
  });

  it("count 0 never touches the pointer", () => {
    const mem = new UserMemory();
    expect(
      readObjArray(mem, { stride: 0, count: 0, array: 0xdeadn }, DrmPanthorSyncOp, MIN),
    ).toEqual([]);
  });

  it("a kernel copy over INT_MAX bytes: -ENOMEM before any access", () => {
    const mem = new UserMemory();
    const arr = { stride: 48, count: 0xffffffff, array: 0n };
    expect(readObjArray(mem, arr, DrmPanthorVmBindOp, 48)).toBe(-ENOMEM);
  });

  it("getUobjArray uses the struct's first-version size as the minimum", () => {
    const mem = new UserMemory();
    const arr = writeObjArray(mem, DrmPanthorQueueCreate, [
      { priority: 1, pad: [0, 0, 0], ringbuf_size: 4096 },
    ]);
    expect(getUobjArray(mem, arr, DrmPanthorQueueCreate)).toEqual([
      { priority: 1, pad: [0, 0, 0], ringbuf_size: 4096 },
    ]);
    expect(getUobjArray(mem, { ...arr, stride: 4 }, DrmPanthorQueueCreate)).toBe(-EINVAL);
  });
});

describe("PANTHOR_UOBJ_MIN_SIZE", () => {
  it("is the end of each struct's last first-version field", () => {
    expect(PANTHOR_UOBJ_MIN_SIZE(DrmPanthorSyncOp)).toBe(16);
    expect(PANTHOR_UOBJ_MIN_SIZE(DrmPanthorVmBindOp)).toBe(48);
    expect(PANTHOR_UOBJ_MIN_SIZE(DrmPanthorQueueSubmit)).toBe(40);
    expect(PANTHOR_UOBJ_MIN_SIZE(DrmPanthorQueueCreate)).toBe(8);
    expect(PANTHOR_UOBJ_MIN_SIZE(DrmPanthorGpuInfo)).toBe(96);
    expect(PANTHOR_UOBJ_MIN_SIZE(DrmPanthorCsifInfo)).toBe(24);
    expect(PANTHOR_UOBJ_MIN_SIZE(DrmPanthorTimestampInfo)).toBe(16);
    expect(() => PANTHOR_UOBJ_MIN_SIZE(DrmGemClose)).toThrow(/not a panthor uobj/);
  });
});

describe("copyStructFromUser", () => {
  it("usize == ksize copies", () => {
    const mem = new UserMemory();
    const p = mem.writeStruct(DrmGemClose, { handle: 3, pad: 0 });
    expect(readStructFromUser(mem, DrmGemClose, p, 8)).toEqual({ handle: 3, pad: 0 });
  });

  it("usize < ksize zero-fills the rest", () => {
    const mem = new UserMemory();
    const p = mem.alloc(4);
    mem.write(p, new Uint8Array([7, 0, 0, 0]));
    const out = copyStructFromUser(mem, 8, p, 4) as Uint8Array;
    expect([...out]).toEqual([7, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("usize > ksize: zero extra bytes accepted, non-zero is -E2BIG", () => {
    const mem = new UserMemory();
    const p = mem.alloc(12);
    mem.write(p, new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]));
    expect(readStructFromUser(mem, DrmGemClose, p, 12)).toEqual({ handle: 1, pad: 2 });
    mem.write(p + 11n, new Uint8Array([1]));
    expect(readStructFromUser(mem, DrmGemClose, p, 12)).toBe(-E2BIG);
  });

  it("unmapped source or tail is -EFAULT", () => {
    const mem = new UserMemory();
    const p = mem.alloc(8);
    expect(copyStructFromUser(mem, 8, p, 12)).toBe(-EFAULT);
    expect(copyStructFromUser(mem, 8, 0n, 8)).toBe(-EFAULT);
  });
});

describe("setUobj (panthor_set_uobj)", () => {
  const info = {
    csg_slot_count: 8,
    cs_slot_count: 8,
    cs_reg_count: 96,
    scoreboard_slot_count: 8,
    unpreserved_cs_reg_count: 4,
    pad: 0,
  };

  it("copies min(user, kernel) bytes and zeroes the user surplus", () => {
    const mem = new UserMemory();
    const p = mem.alloc(32);
    mem.fill(p, 32, 0xaa);
    expect(setUobj(mem, p, 32, DrmPanthorCsifInfo, info)).toBe(0);
    const bytes = mem.read(p, 32) as Uint8Array;
    expect(DrmPanthorCsifInfo.decode(bytes.subarray(0, 24))).toEqual(info);
    expect([...bytes.subarray(24)]).toEqual(new Array(8).fill(0));
  });

  it("a user size below the minimum is -EINVAL; a bad pointer -EFAULT", () => {
    const mem = new UserMemory();
    const p = mem.alloc(24);
    expect(setUobj(mem, p, 20, DrmPanthorCsifInfo, info)).toBe(-EINVAL);
    expect(setUobj(mem, 0n, 24, DrmPanthorCsifInfo, info)).toBe(-EFAULT);
    expect(setUobj(mem, p, 32, DrmPanthorCsifInfo, info)).toBe(-EFAULT);
  });
});

describe("DRM_PANTHOR_OBJ_ARRAY", () => {
  it("puts the element size in stride and the element count in count", () => {
    const v = DRM_PANTHOR_OBJ_ARRAY(5, 0x7f00_1000n, DrmPanthorVmBindOp);
    expect(v).toEqual({ stride: 48, count: 5, array: 0x7f00_1000n });
    // drm_panthor_obj_array: u32 stride at 0, u32 count at 4, u64 array at 8.
    expect([...DrmPanthorObjArray.encode(v)]).toEqual([
      48, 0, 0, 0, 5, 0, 0, 0, 0x00, 0x10, 0x00, 0x7f, 0, 0, 0, 0,
    ]);
  });

  it("describes an array the kernel reads back element by element", () => {
    const mem = new UserMemory();
    const ops: DrmPanthorSyncOpArgs[] = [
      { flags: DRM_PANTHOR_SYNC_OP_SIGNAL >>> 0, handle: 1, timeline_value: 0n },
      { flags: 0, handle: 2, timeline_value: 0n },
      { flags: 0, handle: 3, timeline_value: 0n },
    ];
    const ptr = mem.writeArray(DrmPanthorSyncOp, ops, DrmPanthorSyncOp.size);
    expect(
      getUobjArray(mem, DRM_PANTHOR_OBJ_ARRAY(3, ptr, DrmPanthorSyncOp), DrmPanthorSyncOp),
    ).toEqual(ops);
  });
});
