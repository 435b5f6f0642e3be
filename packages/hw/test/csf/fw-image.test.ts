/**
 * The CSF firmware image parser (research §3.2.1, FW-IMG-1..6) on the synthetic images of
 * `@panmmu/fixtures`: the reference image parses into the sections the builder wrote, and
 * every corruption fails the check the kernel's panthor_fw_load() fails first, with its errno.
 */
import {
  buildCsfFirmwareImage,
  CSF_IMAGE_CORRUPTIONS,
  CSF_REFERENCE_GIT_SHA,
  CSF_REFERENCE_MINOR,
  CSF_REFERENCE_SECTION_SIZE,
  CSF_REFERENCE_VERSION_HASH,
  CSF_WRONG_SHARED_VA,
  type CsfImageCorruption,
  type CsfImageSectionSpec,
  csfImagePattern,
} from "@panmmu/fixtures";
import { EINVAL } from "@panmmu/uapi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_CACHED,
  CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_CACHED_COHERENT,
  CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_NONE,
  CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_UNCACHED_COHERENT,
  CSF_FW_BINARY_IFACE_ENTRY_EX,
  CSF_FW_BINARY_IFACE_ENTRY_RD,
  CSF_FW_BINARY_IFACE_ENTRY_SHARED,
  CSF_FW_BINARY_IFACE_ENTRY_WR,
  CSF_FW_BINARY_IFACE_ENTRY_ZERO,
  CSF_MCU_SHARED_REGION_START,
  type CsfFirmwareImage,
  type CsfImageCheck,
  findSharedSection,
  inspectCsfFirmwareImage,
  loadCsfFirmwareImage,
  parseCsfFirmwareImage,
  validateCsfSections,
} from "../../src/index.js";

const SIZE = CSF_REFERENCE_SECTION_SIZE;
const SHARED = CSF_MCU_SHARED_REGION_START;

/** Index of the first differing byte, -1 when equal (cheaper than toEqual on 64 KiB). */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function parsed(bytes: Uint8Array): CsfFirmwareImage {
  const r = parseCsfFirmwareImage(bytes);
  if (typeof r === "number") throw new Error(`parse failed: ${r}`);
  return r;
}

function failedCheck(bytes: Uint8Array): CsfImageCheck | "ok" {
  const r = inspectCsfFirmwareImage(bytes);
  return r.ok ? "ok" : r.check;
}

const reference = buildCsfFirmwareImage();

describe("FW-IMG: the firmware image format", () => {
  it("FW-IMG-1: the reference image parses into its sections, VAs, flags and data", () => {
    const image = parsed(reference);
    expect(image).toMatchObject({
      minor: CSF_REFERENCE_MINOR,
      major: 0,
      versionHash: CSF_REFERENCE_VERSION_HASH,
      fileSize: reference.length,
      skipped: [],
    });
    expect(image.size).toBeLessThan(reference.length);
    expect(image.buildInfo).toMatchObject([{ gitSha: CSF_REFERENCE_GIT_SHA, metaSize: 50 }]);
    expect(image.sections.map((s) => s.name)).toEqual(["text", "shared"]);

    const [text, shared] = image.sections;
    expect(text).toMatchObject({
      flags: CSF_FW_BINARY_IFACE_ENTRY_RD | CSF_FW_BINARY_IFACE_ENTRY_EX,
      vaStart: 0,
      vaEnd: SIZE,
      size: SIZE,
      cacheMode: CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_NONE,
      cached: false,
      readable: true,
      writable: false,
      executable: true,
      shared: false,
      zero: false,
      update: false,
    });
    expect(text?.data.length).toBe(SIZE);
    expect(firstDiff(text?.data ?? new Uint8Array(), csfImagePattern(SIZE))).toBe(-1);

    expect(shared).toMatchObject({
      flags:
        (CSF_FW_BINARY_IFACE_ENTRY_RD |
          CSF_FW_BINARY_IFACE_ENTRY_WR |
          CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_UNCACHED_COHERENT |
          CSF_FW_BINARY_IFACE_ENTRY_SHARED |
          CSF_FW_BINARY_IFACE_ENTRY_ZERO) >>>
        0,
      vaStart: SHARED,
      vaEnd: SHARED + SIZE,
      size: SIZE,
      cacheMode: CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_UNCACHED_COHERENT,
      cached: false,
      readable: true,
      writable: true,
      executable: false,
      shared: true,
      zero: true,
    });
    expect(shared?.data.length).toBe(0);

    expect(findSharedSection(image)).toBe(shared);
    expect(validateCsfSections(image)).toBe(0);
    const loaded = loadCsfFirmwareImage(reference);
    expect(typeof loaded === "number" ? loaded : loaded.sections.map((s) => s.vaStart)).toEqual([
      0,
      SHARED,
    ]);
  });

  it("FW-IMG-2: a bad magic fails with -EINVAL", () => {
    const bad = buildCsfFirmwareImage({ corruption: "bad-magic" });
    expect(parseCsfFirmwareImage(bad)).toBe(-EINVAL);
    expect(inspectCsfFirmwareImage(bad)).toEqual({
      ok: false,
      errno: -EINVAL,
      check: "bad-magic",
      offset: 0,
    });
  });

  it("FW-IMG-3: a header major other than 0 fails with -EINVAL", () => {
    expect(parseCsfFirmwareImage(buildCsfFirmwareImage({ corruption: "major-1" }))).toBe(-EINVAL);
    for (const major of [1, 2, 0x80, 0xff]) {
      const bad = buildCsfFirmwareImage({ major });
      expect(parseCsfFirmwareImage(bad), `major ${major}`).toBe(-EINVAL);
      expect(failedCheck(bad)).toBe("bad-major");
    }
    // the minor is free
    expect(parsed(buildCsfFirmwareImage({ minor: 0xff })).minor).toBe(0xff);
  });

  it("FW-IMG-4: a header size beyond the file fails with -EINVAL", () => {
    const bad = buildCsfFirmwareImage({ corruption: "size-beyond-file" });
    expect(parseCsfFirmwareImage(bad)).toBe(-EINVAL);
    expect(failedCheck(bad)).toBe("size-beyond-file");
    // the same image cut one byte short of its entry table
    const cut = reference.slice(0, parsed(reference).size - 1);
    expect(parseCsfFirmwareImage(cut)).toBe(-EINVAL);
    expect(failedCheck(cut)).toBe("size-beyond-file");
  });

  it("FW-IMG-5: an entry running past the header's size fails with -EINVAL", () => {
    const bad = buildCsfFirmwareImage({ corruption: "truncated-entry" });
    expect(parseCsfFirmwareImage(bad)).toBe(-EINVAL);
    const r = inspectCsfFirmwareImage(bad);
    expect(r).toMatchObject({ ok: false, check: "entry-too-long" });
    // the entry the header cuts is the last one (the build info, after both sections)
    const lastEntry = parsed(reference).buildInfo[0]?.offset;
    expect(r.ok ? -1 : r.offset).toBe(lastEntry);
  });

  it("FW-IMG-6: a missing or misplaced shared section parses, but validation fails with -EINVAL", () => {
    const missing = parsed(buildCsfFirmwareImage({ corruption: "missing-shared" }));
    expect(missing.sections.map((s) => s.name)).toEqual(["text"]);
    expect(findSharedSection(missing)).toBeUndefined();
    expect(validateCsfSections(missing)).toBe(-EINVAL);

    const moved = buildCsfFirmwareImage({ corruption: "shared-wrong-va" });
    const image = parsed(moved);
    expect(image.sections[1]).toMatchObject({ shared: true, vaStart: CSF_WRONG_SHARED_VA });
    expect(findSharedSection(image)).toBeUndefined();
    expect(validateCsfSections(image)).toBe(-EINVAL);
    expect(loadCsfFirmwareImage(moved)).toBe(-EINVAL);
  });
});

/** The check each corruption fails ("ok": parses; "no-shared": parses, validation fails). */
const EXPECTED: Record<CsfImageCorruption, CsfImageCheck | "ok" | "no-shared"> = {
  "header-short": "header-short",
  "bad-magic": "bad-magic",
  "major-1": "bad-major",
  "size-beyond-file": "size-beyond-file",
  "truncated-entry": "entry-too-long",
  "entry-size-zero": "entry-too-long",
  "entry-size-unaligned": "entry-unaligned",
  "unknown-entry": "unknown-entry-type",
  "optional-unknown-entry": "ok",
  "metadata-entries": "ok",
  "iface-entry-short": "section-header-short",
  "data-end-before-start": "data-end-before-start",
  "va-end-before-start": "va-end-before-start",
  "data-beyond-file": "data-beyond-file",
  "va-unaligned": "va-unaligned",
  "unsupported-flag": "unsupported-flags",
  "protected-section": "ok",
  "shared-va-not-shared": "shared-va-not-shared",
  "data-exceeds-section": "data-exceeds-section",
  "empty-section": "ok",
  "build-info-corrupt": "ok",
  "build-info-short": "build-info-short",
  "missing-shared": "no-shared",
  "shared-wrong-va": "no-shared",
};

describe("every corruption variant", () => {
  it.each(CSF_IMAGE_CORRUPTIONS.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const bytes = buildCsfFirmwareImage({ corruption: c.name });
    const expected = EXPECTED[c.name];
    const loaded = loadCsfFirmwareImage(bytes);
    expect(typeof loaded !== "number", "kernel acceptance").toBe(c.accepted);
    if (expected === "ok" || expected === "no-shared") {
      expect(failedCheck(bytes)).toBe("ok");
      expect(validateCsfSections(parsed(bytes))).toBe(expected === "ok" ? 0 : -EINVAL);
    } else {
      expect(failedCheck(bytes)).toBe(expected);
      expect(parseCsfFirmwareImage(bytes)).toBe(-EINVAL);
      expect(loaded).toBe(-EINVAL);
    }
  });

  it("records what the kernel skips", () => {
    const skips = (c: CsfImageCorruption) =>
      parsed(buildCsfFirmwareImage({ corruption: c })).skipped.map((s) => [s.type, s.reason]);
    expect(skips("optional-unknown-entry")).toEqual([[5, "optional-unknown"]]);
    expect(skips("metadata-entries")).toEqual([
      [1, "metadata"],
      [2, "metadata"],
      [3, "metadata"],
      [4, "metadata"],
    ]);
    expect(skips("protected-section")).toEqual([[0, "protected"]]);
    expect(skips("empty-section")).toEqual([[0, "empty"]]);
    for (const c of ["protected-section", "empty-section"] as const) {
      expect(parsed(buildCsfFirmwareImage({ corruption: c })).sections.length).toBe(2);
    }
    const info = parsed(buildCsfFirmwareImage({ corruption: "build-info-corrupt" })).buildInfo;
    expect(info).toMatchObject([{ gitSha: null }]);
  });
});

describe("kernel behaviour details", () => {
  const section = (over: Partial<CsfImageSectionSpec>): CsfImageSectionSpec => ({
    name: "s",
    flags: CSF_FW_BINARY_IFACE_ENTRY_RD,
    vaStart: 0x10_0000,
    vaEnd: 0x10_1000,
    ...over,
  });
  const sharedSection = section({
    name: "shared",
    flags: CSF_FW_BINARY_IFACE_ENTRY_RD | CSF_FW_BINARY_IFACE_ENTRY_SHARED,
    vaStart: SHARED,
    vaEnd: SHARED + 0x1000,
  });

  it("checks in the kernel's order: the first failing check wins", () => {
    const both = buildCsfFirmwareImage({ corruption: "major-1" });
    both[0] = (both[0] ?? 0) ^ 1; // bad magic too
    expect(failedCheck(both)).toBe("bad-magic");
    // data.end < data.start is checked before the VA alignment
    const bad = buildCsfFirmwareImage({
      sections: [section({ vaEnd: 0x10_0800 })],
      corruption: "data-end-before-start",
    });
    expect(failedCheck(bad)).toBe("data-end-before-start");
    // unsupported flags are checked before PROT skips the entry
    const prot = buildCsfFirmwareImage({ sections: [section({ flags: 0x20 | 0x100 })] });
    expect(failedCheck(prot)).toBe("unsupported-flags");
    // PROT skips before the shared-VA rule applies
    const protShared = buildCsfFirmwareImage({
      sections: [section({ flags: 0x20, vaStart: SHARED, vaEnd: SHARED })],
    });
    expect(parsed(protShared).skipped).toMatchObject([{ reason: "protected" }]);
    // a zero-size section at the shared VA still needs the SHARED flag, then is skipped
    const empty = buildCsfFirmwareImage({
      sections: [section({ vaStart: SHARED, vaEnd: SHARED })],
    });
    expect(failedCheck(empty)).toBe("shared-va-not-shared");
  });

  it("copies data shorter than the section and keeps a ZERO section's data", () => {
    const data = csfImagePattern(0x100);
    const image = parsed(
      buildCsfFirmwareImage({
        sections: [
          section({ data, vaEnd: 0x10_4000 }),
          { ...sharedSection, flags: sharedSection.flags | CSF_FW_BINARY_IFACE_ENTRY_ZERO, data },
        ],
      }),
    );
    expect(image.sections[0]).toMatchObject({ size: 0x4000, zero: false });
    expect(image.sections[1]).toMatchObject({ size: 0x1000, zero: true });
    for (const s of image.sections) expect(firstDiff(s.data, data)).toBe(-1);
    expect(validateCsfSections(image)).toBe(0);
  });

  it("returns copies: changing the file afterwards does not change the image", () => {
    const bytes = buildCsfFirmwareImage();
    const image = parsed(bytes);
    const text = image.sections[0];
    bytes.fill(0, text?.dataStart ?? 0, text?.dataEnd ?? 0);
    expect(firstDiff(text?.data ?? new Uint8Array(), csfImagePattern(SIZE))).toBe(-1);
  });

  it("reads names without a terminator, and stops a padded name at its first NUL", () => {
    const image = parsed(
      buildCsfFirmwareImage({
        sections: [
          section({ name: "abcd" }),
          section({ name: "x", vaStart: 0x20_0000, vaEnd: 0x20_1000 }),
        ],
      }),
    );
    expect(image.sections.map((s) => s.name)).toEqual(["abcd", "x"]);
    const nameless = parsed(buildCsfFirmwareImage({ sections: [section({ name: "" })] }));
    expect(nameless.sections[0]?.name).toBe("");
  });

  it("maps only cache mode CACHED cacheable", () => {
    const modes = [
      CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_NONE,
      CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_CACHED,
      CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_UNCACHED_COHERENT,
      CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_CACHED_COHERENT,
    ];
    const image = parsed(
      buildCsfFirmwareImage({
        sections: modes.map((m, i) =>
          section({
            flags: CSF_FW_BINARY_IFACE_ENTRY_RD | m,
            vaStart: (i + 1) << 20,
            vaEnd: ((i + 1) << 20) + 0x1000,
          }),
        ),
      }),
    );
    expect(image.sections.map((s) => [s.cacheMode, s.cached])).toEqual([
      [modes[0], false],
      [modes[1], true],
      [modes[2], false],
      [modes[3], false],
    ]);
  });

  it("records the UPDATE bit of an IFACE entry", () => {
    const bytes = buildCsfFirmwareImage({ sections: [sharedSection], gitSha: null });
    const v = new DataView(bytes.buffer);
    v.setUint32(20, (v.getUint32(20, true) | 0x4000_0000) >>> 0, true);
    expect(parsed(bytes).sections[0]?.update).toBe(true);
  });

  it("keeps the last section at the shared VA as the shared section", () => {
    const image = parsed(
      buildCsfFirmwareImage({ sections: [sharedSection, { ...sharedSection, name: "second" }] }),
    );
    expect(findSharedSection(image)?.name).toBe("second");
  });

  it("checks VA alignment against the MCU VM page size", () => {
    const small = buildCsfFirmwareImage({ sections: [sharedSection] });
    expect(failedCheck(small)).toBe("ok");
    expect(parseCsfFirmwareImage(small, { pageSize: 0x1_0000 })).toBe(-EINVAL);
    expect(inspectCsfFirmwareImage(small, { pageSize: 0x1_0000 })).toMatchObject({
      check: "va-unaligned",
    });
  });

  it("accepts an image with no entries, which then has no shared section", () => {
    const bare = buildCsfFirmwareImage({ sections: [], gitSha: null });
    expect(bare.length).toBe(20);
    expect(parsed(bare).sections).toEqual([]);
    expect(loadCsfFirmwareImage(bare)).toBe(-EINVAL);
  });

  it("calls onSection for each section in file order; a negative return stops the parse with it", () => {
    const seen: string[] = [];
    const ok = inspectCsfFirmwareImage(buildCsfFirmwareImage(), {
      onSection: (s) => {
        seen.push(s.name);
        return 0;
      },
    });
    expect(ok.ok).toBe(true);
    expect(seen).toEqual(["text", "shared"]);
    const calls: string[] = [];
    const refused = inspectCsfFirmwareImage(buildCsfFirmwareImage(), {
      onSection: (s) => {
        calls.push(s.name);
        return -28; // -ENOSPC, as a loader whose VA is taken
      },
    });
    expect(refused).toMatchObject({ ok: false, errno: -28, check: "section-rejected" });
    expect(calls).toEqual(["text"]);
  });

  it("parses an image embedded in a larger buffer", () => {
    const big = new Uint8Array(reference.length + 12);
    big.set(reference, 8);
    const image = parsed(big.subarray(8, 8 + reference.length));
    expect(image.sections.map((s) => s.vaStart)).toEqual([0, SHARED]);
    expect(firstDiff(image.sections[0]?.data ?? new Uint8Array(), csfImagePattern(SIZE))).toBe(-1);
  });

  it("ignores build info without the git_sha prefix or the final NUL", () => {
    const bytes = buildCsfFirmwareImage({ sections: [sharedSection] });
    const info = parsed(bytes).buildInfo[0];
    expect(info?.gitSha).toBe(CSF_REFERENCE_GIT_SHA);
    const noNul = bytes.slice();
    noNul[(info?.metaStart ?? 0) + (info?.metaSize ?? 1) - 1] = 0x41;
    expect(parsed(noNul).buildInfo[0]?.gitSha).toBeNull();
    const noPrefix = bytes.slice();
    noPrefix[info?.metaStart ?? 0] = 0x41;
    expect(parsed(noPrefix).buildInfo[0]?.gitSha).toBeNull();
  });
});

describe("robustness (property)", () => {
  /** Parse never throws and returns an image or -EINVAL; a returned image is self-consistent. */
  function checkOutcome(bytes: Uint8Array): void {
    const r = parseCsfFirmwareImage(bytes);
    if (typeof r === "number") {
      expect(r).toBe(-EINVAL);
      return;
    }
    expect(r.size).toBeLessThanOrEqual(bytes.length);
    for (const s of r.sections) {
      expect(s.vaEnd).toBeGreaterThan(s.vaStart);
      expect(s.vaStart % 0x1000).toBe(0);
      expect(s.vaEnd % 0x1000).toBe(0);
      expect(s.data.length).toBe(s.dataEnd - s.dataStart);
      expect(s.data.length).toBeLessThanOrEqual(s.size);
      expect(s.dataEnd).toBeLessThanOrEqual(bytes.length);
    }
    const v = validateCsfSections(r);
    expect(v === 0 || v === -EINVAL).toBe(true);
  }

  /** The entry table and a little beyond: where mutations change parsing. */
  const table = parsed(reference).size + 16;

  it("random byte mutations of the good image", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: table - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (edits) => {
          const bytes = reference.slice();
          for (const [at, value] of edits) bytes[at] = value;
          checkOutcome(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("random 32-bit word overwrites in the entry table", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: (table >> 2) - 1 }),
        fc.nat({ max: 0xffff_ffff }),
        (word, value) => {
          const bytes = reference.slice();
          new DataView(bytes.buffer).setUint32(word * 4, value, true);
          checkOutcome(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("random truncations", () => {
    const tableEnd = parsed(reference).size;
    fc.assert(
      fc.property(fc.nat({ max: reference.length }), (len) => {
        checkOutcome(reference.subarray(0, len));
        if (len < tableEnd) expect(parseCsfFirmwareImage(reference.subarray(0, len))).toBe(-EINVAL);
      }),
      { numRuns: 200 },
    );
  });

  it("random bytes behind a valid header", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.nat({ max: 600 }), (tail, size) => {
        const bytes = new Uint8Array(20 + tail.length);
        bytes.set(reference.subarray(0, 16));
        new DataView(bytes.buffer).setUint32(16, size, true);
        bytes.set(tail, 20);
        checkOutcome(bytes);
      }),
      { numRuns: 500 },
    );
  });
});
