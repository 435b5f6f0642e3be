/** The README example, executed: a VM_BIND argument with two ops in UserMemory. */
import { expect, it } from "vitest";
import {
  DRM_IOCTL_PANTHOR_VM_BIND,
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  DrmPanthorVmBind,
  DrmPanthorVmBindOp,
  getUobjArray,
  ioctlSize,
  UserMemory,
  writeObjArray,
} from "../src/index.js";

it("builds, encodes and decodes a two-op DRM_IOCTL_PANTHOR_VM_BIND argument", () => {
  const mem = new UserMemory(); // the calling process's memory
  const noSyncs = { stride: 0, count: 0, array: 0n };
  const ops = writeObjArray(mem, DrmPanthorVmBindOp, [
    {
      flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP | DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
      bo_handle: 1,
      bo_offset: 0n,
      va: 0x100_0000n,
      size: 0x20_0000n,
      syncs: noSyncs,
    },
    {
      flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
      bo_handle: 0,
      bo_offset: 0n,
      va: 0x400_0000n,
      size: 0x1000n,
      syncs: noSyncs,
    },
  ]);
  const arg = DrmPanthorVmBind.encode({ vm_id: 1, flags: 0, ops }); // the ioctl() argument
  expect(arg.length).toBe(ioctlSize(DRM_IOCTL_PANTHOR_VM_BIND));

  // Kernel side: decode the argument, then follow `ops.array` into user memory.
  const bind = DrmPanthorVmBind.decode(arg);
  const back = getUobjArray(mem, bind.ops, DrmPanthorVmBindOp); // ops, or -EINVAL/-E2BIG/-EFAULT
  expect(bind).toEqual({ vm_id: 1, flags: 0, ops: { stride: 48, count: 2, array: ops.array } });
  expect(back).toHaveLength(2);
  expect(typeof back === "number" ? back : back.map((op) => op.va)).toEqual([
    0x100_0000n,
    0x400_0000n,
  ]);
});
