/**
 * Codec throughput. Each group compares the descriptor-driven codec with a hand-written
 * DataView baseline of the same struct in the same run, so results read as ratios.
 */
import { bench, describe } from "vitest";
import {
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DrmPanthorVmBindOp,
  type DrmPanthorVmBindOpArgs,
  readObjArray,
  UserMemory,
  writeObjArray,
} from "../src/index.js";

const OP: DrmPanthorVmBindOpArgs = {
  flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  bo_handle: 7,
  bo_offset: 0x1000n,
  va: 0x4000_0000n,
  size: 0x20_0000n,
  syncs: { stride: 16, count: 1, array: 0x1_0000n },
};

function handEncode(v: DrmPanthorVmBindOpArgs): Uint8Array {
  const bytes = new Uint8Array(48);
  const d = new DataView(bytes.buffer);
  d.setUint32(0, v.flags, true);
  d.setUint32(4, v.bo_handle, true);
  d.setBigUint64(8, v.bo_offset, true);
  d.setBigUint64(16, v.va, true);
  d.setBigUint64(24, v.size, true);
  d.setUint32(32, v.syncs.stride, true);
  d.setUint32(36, v.syncs.count, true);
  d.setBigUint64(40, v.syncs.array, true);
  return bytes;
}

function handDecode(bytes: Uint8Array): DrmPanthorVmBindOpArgs {
  const d = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    flags: d.getUint32(0, true),
    bo_handle: d.getUint32(4, true),
    bo_offset: d.getBigUint64(8, true),
    va: d.getBigUint64(16, true),
    size: d.getBigUint64(24, true),
    syncs: {
      stride: d.getUint32(32, true),
      count: d.getUint32(36, true),
      array: d.getBigUint64(40, true),
    },
  };
}

const BYTES = DrmPanthorVmBindOp.encode(OP);
let sink = 0;

describe("drm_panthor_vm_bind_op encode", () => {
  bench("baseline: hand-written DataView", () => {
    sink ^= handEncode(OP)[0] as number;
  });
  bench("DrmPanthorVmBindOp.encode", () => {
    sink ^= DrmPanthorVmBindOp.encode(OP)[0] as number;
  });
});

describe("drm_panthor_vm_bind_op decode", () => {
  bench("baseline: hand-written DataView", () => {
    sink ^= handDecode(BYTES).bo_handle;
  });
  bench("DrmPanthorVmBindOp.decode", () => {
    sink ^= DrmPanthorVmBindOp.decode(BYTES).bo_handle;
  });
});

const mem = new UserMemory();
const ops = Array.from({ length: 64 }, (_, i) => ({ ...OP, va: OP.va + BigInt(i) * 0x20_0000n }));
const same = writeObjArray(mem, DrmPanthorVmBindOp, ops);
const wider = writeObjArray(mem, DrmPanthorVmBindOp, ops, 64);

describe("VM_BIND array of 64 ops from user memory", () => {
  bench("baseline: read bytes + hand decode", () => {
    const bytes = mem.read(same.array, 64 * 48) as Uint8Array;
    for (let i = 0; i < 64; i++) sink ^= handDecode(bytes.subarray(i * 48, i * 48 + 48)).bo_handle;
  });
  bench("readObjArray, stride == sizeof (block copy)", () => {
    sink ^= (readObjArray(mem, same, DrmPanthorVmBindOp, 48) as DrmPanthorVmBindOpArgs[]).length;
  });
  bench("readObjArray, stride 64 (copy_struct_from_user per element)", () => {
    sink ^= (readObjArray(mem, wider, DrmPanthorVmBindOp, 48) as DrmPanthorVmBindOpArgs[]).length;
  });
});

export { sink };
