/**
 * Panthor's extensible user objects: `drm_panthor_obj_array` arrays and DEV_QUERY outputs,
 * copied with the rules of panthor_drv.c (PANTHOR_UOBJ_*).
 */
import { EFAULT, EINVAL, ENOMEM } from "../errno/errno.js";
import type { StructCodec } from "../struct/codec.js";
import type { FieldsDesc, StructType } from "../struct/define.js";
import { copyStructFromBytes, copyStructFromUser, type UserReader } from "../user/copy.js";
import type { UserMemory } from "../user/user-memory.js";
import {
  DrmPanthorBoSyncOp,
  DrmPanthorCsifInfo,
  DrmPanthorGpuInfo,
  DrmPanthorGroupPrioritiesInfo,
  DrmPanthorMmuInfo,
  type DrmPanthorObjArrayArgs,
  DrmPanthorQueueCreate,
  DrmPanthorQueueSubmit,
  DrmPanthorSyncOp,
  DrmPanthorTimestampInfo,
  DrmPanthorVmBindOp,
} from "./structs.js";

/** Largest allocation kvmalloc() accepts (INT_MAX); larger arrays fail with -ENOMEM. */
export const KVMALLOC_MAX_BYTES = 0x7fffffff;

/**
 * The last field of each extensible struct's first version (PANTHOR_UOBJ_DECL list): the
 * minimum size userspace may pass is the end of that field.
 */
const LAST_MANDATORY: ReadonlyMap<StructType<FieldsDesc>, string> = new Map<
  StructType<FieldsDesc>,
  string
>([
  [DrmPanthorGpuInfo, "tiler_present"],
  [DrmPanthorCsifInfo, "pad"],
  [DrmPanthorTimestampInfo, "current_timestamp"],
  [DrmPanthorGroupPrioritiesInfo, "pad"],
  [DrmPanthorMmuInfo, "page_size_bitmap"],
  [DrmPanthorSyncOp, "timeline_value"],
  [DrmPanthorQueueSubmit, "syncs"],
  [DrmPanthorQueueCreate, "ringbuf_size"],
  [DrmPanthorVmBindOp, "syncs"],
  [DrmPanthorBoSyncOp, "size"],
] as [StructType<FieldsDesc>, string][]);

/** The minimum size of each extensible struct, computed once. */
const MIN_SIZES: ReadonlyMap<StructType<FieldsDesc>, number> = new Map(
  [...LAST_MANDATORY].map(([codec, last]) => {
    const field = codec.field(last);
    if (field === undefined) throw new Error(`struct ${codec.name} has no field ${last}`);
    return [codec, field.offset + field.size] as const;
  }),
);

/**
 * Mirrors PANTHOR_UOBJ_MIN_SIZE(): offset + size of the struct's last mandatory field.
 *
 * @throws Error for a struct that is not one of panthor's extensible objects.
 */
export function PANTHOR_UOBJ_MIN_SIZE(codec: StructCodec<unknown>): number {
  const min = MIN_SIZES.get(codec as StructType<FieldsDesc>);
  if (min === undefined) throw new Error(`struct ${codec.name} is not a panthor uobj`);
  return min;
}

/**
 * Mirrors panthor_get_uobj_array(): reads `objArray.count` elements of `objArray.stride` bytes
 * each and returns them decoded with the kernel's `codec`.
 *
 * - count 0 gives `[]` (the pointer is not looked at);
 * - a stride below `minStride` gives -EINVAL;
 * - more than {@link KVMALLOC_MAX_BYTES} of kernel copy gives -ENOMEM;
 * - stride == struct size: one copy of the whole array (-EFAULT if any byte is unmapped);
 * - otherwise each element goes through copy_struct_from_user (zero-filled when shorter,
 *   -E2BIG when a longer element has non-zero bytes beyond the kernel struct, -EFAULT).
 *
 * @returns the decoded elements, or a negative errno.
 */
export function readObjArray<T>(
  mem: UserReader,
  objArray: Readonly<DrmPanthorObjArrayArgs>,
  codec: StructCodec<T>,
  minStride: number,
): T[] | number {
  const { stride, count, array } = objArray;
  if (count === 0) return [];
  if (stride < minStride) return -EINVAL;
  if (count * codec.size > KVMALLOC_MAX_BYTES) return -ENOMEM;
  const out: T[] = [];
  if (stride === codec.size) {
    const bytes = mem.read(array, count * stride);
    if (typeof bytes === "number") return bytes;
    if (count === 1) return [codec.decode(bytes)];
    for (let i = 0; i < count; i++) {
      out.push(codec.decode(bytes.subarray(i * stride, (i + 1) * stride)));
    }
    return out;
  }
  const block = mem.read(array, count * stride);
  if (typeof block !== "number") {
    // The whole array is mapped, so per-element copies cannot fault: apply the same rules to
    // the bytes in hand (results and error order are those of the element loop below).
    for (let i = 0; i < count; i++) {
      const bytes = copyStructFromBytes(codec.size, block.subarray(i * stride, (i + 1) * stride));
      if (typeof bytes === "number") return bytes;
      out.push(codec.decode(bytes));
    }
    return out;
  }
  for (let i = 0; i < count; i++) {
    const bytes = copyStructFromUser(mem, codec.size, array + BigInt(i) * BigInt(stride), stride);
    if (typeof bytes === "number") return bytes;
    out.push(codec.decode(bytes));
  }
  return out;
}

/** Mirrors PANTHOR_UOBJ_GET_ARRAY(): {@link readObjArray} with the struct's own minimum size. */
export function getUobjArray<T>(
  mem: UserReader,
  objArray: Readonly<DrmPanthorObjArrayArgs>,
  codec: StructCodec<T>,
): T[] | number {
  return readObjArray(mem, objArray, codec, PANTHOR_UOBJ_MIN_SIZE(codec as StructCodec<unknown>));
}

/**
 * Mirrors panthor_set_uobj() / PANTHOR_UOBJ_SET(): copies a kernel object to a user buffer of
 * `usrSize` bytes. Below the minimum size: -EINVAL. Copies `min(usrSize, sizeof)` bytes and
 * zeroes the user bytes beyond the kernel struct. -EFAULT on an unmapped buffer.
 */
export function setUobj<T>(
  mem: Pick<UserMemory, "write">,
  usrPtr: bigint,
  usrSize: number,
  codec: StructCodec<T>,
  value: T,
): number {
  if (usrSize < PANTHOR_UOBJ_MIN_SIZE(codec as StructCodec<unknown>)) return -EINVAL;
  const bytes = codec.encode(value);
  if (mem.write(usrPtr, bytes.subarray(0, Math.min(usrSize, codec.size))) < 0) return -EFAULT;
  if (
    usrSize > codec.size &&
    mem.write(usrPtr + BigInt(codec.size), new Uint8Array(usrSize - codec.size)) < 0
  ) {
    return -EFAULT;
  }
  return 0;
}

/**
 * Userspace side: writes `values` as an array with `stride` bytes per element (default: the
 * struct size) and returns the matching `drm_panthor_obj_array` value. `tail`, when given,
 * fills each element's bytes beyond the struct (to model newer userspace).
 */
export function writeObjArray<T>(
  mem: UserMemory,
  codec: StructCodec<T>,
  values: readonly T[],
  stride: number = codec.size,
  tail?: Uint8Array,
): DrmPanthorObjArrayArgs {
  if (values.length === 0) return { stride, count: 0, array: 0n };
  const array = mem.writeArray(codec, values, stride);
  if (tail !== undefined && stride > codec.size) {
    for (let i = 0; i < values.length; i++) {
      mem.write(array + BigInt(i * stride + codec.size), tail.subarray(0, stride - codec.size));
    }
  }
  return { stride, count: values.length, array };
}
