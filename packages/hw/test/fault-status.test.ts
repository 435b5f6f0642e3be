/** AS_FAULTSTATUS decoding and the access-type names the drivers print. */
import { describe, expect, it } from "vitest";
import { accessTypeName, decodeFaultStatus } from "../src/index.js";

describe("AS_FAULTSTATUS decoding", () => {
  it("splits exception type, access type, source id and the decoder bit", () => {
    expect(decodeFaultStatus(0x1234_06c1)).toEqual({
      exceptionType: 0xc1,
      accessType: 2,
      sourceId: 0x1234,
      decoder: true,
    });
    expect(decodeFaultStatus(0xffff_03cb)).toEqual({
      exceptionType: 0xcb,
      accessType: 3,
      sourceId: 0xffff,
      decoder: false,
    });
  });

  it("names access types as the kernel does (ATOMIC only with the AArch64 MMU)", () => {
    expect([0, 1, 2, 3].map((t) => accessTypeName(t, true))).toEqual([
      "ATOMIC",
      "EXECUTE",
      "READ",
      "WRITE",
    ]);
    expect(accessTypeName(0, false)).toBe("UNKNOWN");
  });
});
