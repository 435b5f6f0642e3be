/**
 * Must-be-zero fields of the panthor ioctls, in the same table form as panfrost's
 * (packages/panfrost/test/driver/must-be-zero.test.ts): each row sets one field non-zero on
 * otherwise valid arguments and expects Linux's result.
 *
 * This package carries panthor's pure helpers only, so the rows cover the validation that exists
 * here today: VM_CREATE's flags (panthor_vm_create_check_args()). The panthor driver, when it
 * lands, adds one row per must-be-zero field of each ioctl it implements (the pads of
 * VM_DESTROY, BO_CREATE, BO_MMAP_OFFSET, GROUP_DESTROY, GROUP_SUBMIT, QUEUE_SUBMIT,
 * TILER_HEAP_DESTROY, BO_SET_LABEL…), with `check` issuing the ioctl on a file and comparing the
 * driver state before and after.
 */
import {
  type AnyStruct,
  DRM_IOCTL_PANTHOR_VM_CREATE,
  EINVAL,
  findIoctl,
  PANTHOR_IOCTLS,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { vmCreateCheckArgs } from "../src/index.js";

/** One must-be-zero field of one panthor ioctl. */
interface MustBeZeroRow {
  /** The ioctl's macro name. */
  readonly ioctl: string;
  /** Its request number. */
  readonly request: number;
  /** The field under test. */
  readonly field: string;
  /** Non-zero values to try. */
  readonly values: readonly number[];
  /** What Linux returns for them. */
  readonly expected: number;
  /** Where Linux decides it. */
  readonly linux: string;
  /** Runs this package's validation with the field at `value`, the rest valid: 0 or -errno. */
  check(value: number): number;
}

const EVERY_BIT = Array.from({ length: 32 }, (_, i) => 2 ** i);

const PANTHOR_ROWS: readonly MustBeZeroRow[] = [
  {
    ioctl: "DRM_IOCTL_PANTHOR_VM_CREATE",
    request: DRM_IOCTL_PANTHOR_VM_CREATE,
    field: "flags",
    values: EVERY_BIT,
    expected: -EINVAL,
    linux: "panthor_vm_create_check_args: flags & ~PANTHOR_VM_CREATE_FLAGS (no flag is defined)",
    // A 48-bit GPU, the kernel choosing the user range of a 47-bit process.
    check: (flags) => vmCreateCheckArgs(48, 0n, flags, 1n << 47n).ret,
  },
];

describe("panthor must-be-zero fields", () => {
  it("name must-be-zero fields of panthor ioctl structs", () => {
    for (const row of PANTHOR_ROWS) {
      const desc = findIoctl(PANTHOR_IOCTLS, row.request);
      expect(desc?.name, row.ioctl).toBe(row.ioctl);
      const field = (desc?.codec as AnyStruct | undefined)?.field(row.field);
      expect(field?.mustBeZero, `${row.ioctl}.${row.field}`).toBe(true);
    }
  });

  for (const row of PANTHOR_ROWS) {
    describe(`${row.ioctl}.${row.field}`, () => {
      it("the arguments are valid with the field at zero", () => {
        expect(row.check(0)).toBe(0);
      });

      it(`every non-zero value tried gives ${row.expected} (${row.linux})`, () => {
        expect(row.values.map((v) => [v, row.check(v)])).toEqual(
          row.values.map((v) => [v, row.expected]),
        );
      });
    });
  }
});
