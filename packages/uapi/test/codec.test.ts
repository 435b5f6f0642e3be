/** Behaviour of the struct descriptor language and of particular codecs. */
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  array,
  DrmGemClose,
  type DrmGemCloseArgs,
  DrmPanthorGroupPrioritiesInfo,
  DrmPanthorSyncOp,
  DrmPanthorVmBind,
  type DrmPanthorVmBindArgs,
  DrmPanthorVmBindOp,
  DrmPrimeHandle,
  DrmVersion,
  defineStruct,
  EINVAL,
  KernelError,
  MUST_BE_ZERO,
  PANFROSTDUMP_BUF_BO,
  PANFROSTDUMP_BUF_REG,
  PANFROSTDUMP_BUF_TRAILER,
  PANFROSTDUMP_MAGIC,
  PanfrostDumpObjectHeader,
  type StructValue,
  u8,
  u32,
  u64,
} from "../src/index.js";

function errnoOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof KernelError ? e.errno : undefined;
  }
  return undefined;
}

describe("defineStruct", () => {
  it("derives size, alignment and padding from C layout rules", () => {
    const S = defineStruct("demo", { a: [0, u8], b: [8, u64], c: [16, u8] });
    expect(S.size).toBe(24);
    expect(S.align).toBe(8);
    expect(S.padding).toEqual([
      { offset: 1, size: 7 },
      { offset: 17, size: 7 },
    ]);
  });

  it("rejects an offset that C would not produce", () => {
    expect(() => defineStruct("bad", { a: [0, u32], b: [6, u64] })).toThrow(/C layout gives 8/);
    expect(() => defineStruct("gap", { a: [0, u32], b: [12, u32] })).toThrow(/C layout gives 4/);
  });

  it("infers the TS value type from the description", () => {
    const desc = { handle: [0, u32], flags: [4, array(u8, 4)], va: [8, u64] } as const;
    const S = defineStruct("t", desc);
    expectTypeOf<StructValue<typeof S>>().toEqualTypeOf<{
      handle: number;
      flags: number[];
      va: bigint;
    }>();
    expectTypeOf<StructValue<typeof desc>>().toEqualTypeOf<StructValue<typeof S>>();
    // The runtime values have the shape the types promise.
    expect(S.zero()).toEqual({ handle: 0, flags: [0, 0, 0, 0], va: 0n });
    expect(S.decode(S.encode({ handle: 7, flags: [1, 2, 3, 4], va: 1n << 40n }))).toEqual({
      handle: 7,
      flags: [1, 2, 3, 4],
      va: 1n << 40n,
    });
    expectTypeOf<DrmGemCloseArgs>().toEqualTypeOf<{ handle: number; pad: number }>();
    expectTypeOf<DrmPanthorVmBindArgs["ops"]>().toEqualTypeOf<{
      stride: number;
      count: number;
      array: bigint;
    }>();
  });

  it("create() fills unspecified fields with zero", () => {
    expect(DrmGemClose.create({ handle: 7 })).toEqual({ handle: 7, pad: 0 });
  });
});

describe("encode", () => {
  it("writes little-endian bytes at the kernel offsets", () => {
    const bytes = DrmPanthorSyncOp.encode({
      flags: 0x80000001,
      handle: 0x11223344,
      timeline_value: 0x0102030405060708n,
    });
    expect([...bytes]).toEqual([
      0x01, 0x00, 0x00, 0x80, 0x44, 0x33, 0x22, 0x11, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02,
      0x01,
    ]);
  });

  it("accepts the int32 reading of a u32 bit pattern and decodes it unsigned", () => {
    const v = DrmPanthorSyncOp.create({ flags: (1 << 31) | 1 });
    expect(DrmPanthorSyncOp.decode(DrmPanthorSyncOp.encode(v)).flags).toBe(0x80000001);
  });

  it("zero-fills implicit padding (drm_version hole at 12..15)", () => {
    const bytes = DrmVersion.encode({
      version_major: -1,
      version_minor: -1,
      version_patchlevel: -1,
      name_len: 1n,
      name: 2n,
      date_len: 3n,
      date: 4n,
      desc_len: 5n,
      desc: 6n,
    });
    expect([...bytes.subarray(8, 16)]).toEqual([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
  });

  it("rejects values that do not fit their C type with EINVAL", () => {
    const ok = DrmGemClose.create({ handle: 1 });
    expect(errnoOf(() => DrmGemClose.encode({ ...ok, handle: 2 ** 32 }))).toBe(EINVAL);
    expect(errnoOf(() => DrmGemClose.encode({ ...ok, handle: 1.5 }))).toBe(EINVAL);
    expect(errnoOf(() => DrmGemClose.encode({ ...ok, handle: -(2 ** 31) - 1 }))).toBe(EINVAL);
    expect(errnoOf(() => DrmPrimeHandle.encode({ handle: 0, flags: 0, fd: 2 ** 31 }))).toBe(EINVAL);
    const op = DrmPanthorVmBindOp.zero();
    expect(errnoOf(() => DrmPanthorVmBindOp.encode({ ...op, va: -1n }))).toBe(EINVAL);
    expect(errnoOf(() => DrmPanthorVmBindOp.encode({ ...op, size: 1n << 64n }))).toBe(EINVAL);
    const prio = DrmPanthorGroupPrioritiesInfo.zero();
    expect(errnoOf(() => DrmPanthorGroupPrioritiesInfo.encode({ ...prio, pad: [0, 0] }))).toBe(
      EINVAL,
    );
    expect(
      errnoOf(() => DrmPanthorGroupPrioritiesInfo.encode({ ...prio, allowed_mask: 256 })),
    ).toBe(EINVAL);
  });

  it("rejects a missing field with EINVAL", () => {
    expect(errnoOf(() => DrmGemClose.encode({ handle: 1 } as DrmGemCloseArgs))).toBe(EINVAL);
  });

  it("nests structs at their offset", () => {
    const bytes = DrmPanthorVmBind.encode({
      vm_id: 1,
      flags: 0,
      ops: { stride: 48, count: 2, array: 0x1000n },
    });
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(8, true)).toBe(48);
    expect(view.getUint32(12, true)).toBe(2);
    expect(view.getBigUint64(16, true)).toBe(0x1000n);
  });
});

describe("decode", () => {
  it("throws KernelError EINVAL for a buffer of the wrong length", () => {
    expect(errnoOf(() => DrmGemClose.decode(new Uint8Array(7)))).toBe(EINVAL);
    expect(errnoOf(() => DrmGemClose.decode(new Uint8Array(9)))).toBe(EINVAL);
  });

  it("reads from a subarray at its own offset", () => {
    const big = new Uint8Array(32);
    big.set([5, 0, 0, 0, 9, 0, 0, 0], 8);
    expect(DrmGemClose.decode(big.subarray(8, 16))).toEqual({ handle: 5, pad: 9 });
    expect(DrmGemClose.decodeAt(big, 8)).toEqual({ handle: 5, pad: 9 });
    expect(errnoOf(() => DrmGemClose.decodeAt(big, 28))).toBe(EINVAL);
  });
});

describe("must-be-zero fields", () => {
  it("flags non-zero pads, also in nested structs", () => {
    expect(DrmGemClose.mustBeZeroOk({ handle: 1, pad: 0 })).toBe(true);
    expect(DrmGemClose.mustBeZeroOk({ handle: 1, pad: 1 })).toBe(false);
    const prio = DrmPanthorGroupPrioritiesInfo.create({ allowed_mask: 3 });
    expect(DrmPanthorGroupPrioritiesInfo.mustBeZeroOk(prio)).toBe(true);
    expect(DrmPanthorGroupPrioritiesInfo.mustBeZeroOk({ ...prio, pad: [0, 1, 0] })).toBe(false);
    const Outer = defineStruct("outer", { inner: [0, DrmGemClose], x: [8, u32, MUST_BE_ZERO] });
    expect(Outer.mustBeZeroOk({ inner: { handle: 0, pad: 2 }, x: 0 })).toBe(false);
  });
});

describe("panfrost_dump_object_header anonymous union", () => {
  it("decodes the member named by `type`", () => {
    const reg = PanfrostDumpObjectHeader.create({
      magic: PANFROSTDUMP_MAGIC,
      type: PANFROSTDUMP_BUF_REG,
      reghdr: { jc: 0x1000n, gpu_id: 0x7093, major: 1, minor: 0, nbos: 3n },
    });
    const bytes = PanfrostDumpObjectHeader.encode(reg);
    expect(bytes.length).toBe(2000);
    expect(new DataView(bytes.buffer).getBigUint64(16, true)).toBe(0x1000n);
    expect(new DataView(bytes.buffer).getBigUint64(40, true)).toBe(3n);
    expect(PanfrostDumpObjectHeader.decode(bytes)).toEqual(reg);

    const bo = PanfrostDumpObjectHeader.create({
      type: PANFROSTDUMP_BUF_BO,
      bomap: { valid: 1, iova: 0x2000000n, data: [4, 0] },
    });
    const back = PanfrostDumpObjectHeader.decode(PanfrostDumpObjectHeader.encode(bo));
    expect(back).toEqual(bo);
    expect("reghdr" in back).toBe(false);

    const trailer = PanfrostDumpObjectHeader.decode(
      PanfrostDumpObjectHeader.encode(
        PanfrostDumpObjectHeader.create({ type: PANFROSTDUMP_BUF_TRAILER }),
      ),
    );
    expect(Object.keys(trailer)).toContain("sizer");
  });

  it("rejects a value carrying two members", () => {
    const v = {
      ...PanfrostDumpObjectHeader.zero(),
      bomap: { valid: 0, iova: 0n, data: [0, 0] },
    };
    expect(errnoOf(() => PanfrostDumpObjectHeader.encode(v as never))).toBe(EINVAL);
  });
});

describe("codec staging", () => {
  it("encodeInto leaves the target untouched when a field does not fit", () => {
    const target = new Uint8Array(DrmPanthorVmBindOp.size + 8).fill(0x5a);
    const op = DrmPanthorVmBindOp.zero();
    op.va = 0x1000n;
    op.size = -1n;
    expect(errnoOf(() => DrmPanthorVmBindOp.encodeInto(op, target, 4))).toBe(EINVAL);
    expect(target.every((b) => b === 0x5a)).toBe(true);
    op.size = 0x2000n;
    DrmPanthorVmBindOp.encodeInto(op, target, 4);
    expect(target.subarray(0, 4).every((b) => b === 0x5a)).toBe(true);
    expect(DrmPanthorVmBindOp.decodeAt(target, 4)).toEqual(op);
  });

  it("gives every decode its own nested objects", () => {
    const op = DrmPanthorVmBindOp.zero();
    op.syncs.count = 2;
    const bytes = DrmPanthorVmBindOp.encode(op);
    const a = DrmPanthorVmBindOp.decode(bytes);
    const b = DrmPanthorVmBindOp.decode(bytes);
    expect(a.syncs).not.toBe(b.syncs);
    a.syncs.count = 7;
    expect(b.syncs.count).toBe(2);
    expect(DrmPanthorVmBindOp.decode(bytes).syncs.count).toBe(2);
    // encode() returns a fresh buffer each time, not its scratch bytes.
    const again = DrmPanthorVmBindOp.encode(op);
    expect(again).not.toBe(bytes);
    again[0] = 0xff;
    expect(DrmPanthorVmBindOp.encode(op)[0]).toBe(0);
  });
});
