/** Property tests: every struct round-trips, encodes zero padding and rejects wrong sizes. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AnyStruct,
  EINVAL,
  KernelError,
  UAPI_LATER_STRUCTS,
  UAPI_STRUCTS,
} from "../src/index.js";
import { arbitraryStruct } from "./arbitrary.js";

const ALL: AnyStruct[] = [...UAPI_STRUCTS.values(), ...UAPI_LATER_STRUCTS.values()];

/** Bytes of `s` covered by no declared field (implicit padding, tail padding). */
function paddingBytes(s: AnyStruct): number[] {
  return s.padding.flatMap((p) => Array.from({ length: p.size }, (_, i) => p.offset + i));
}

function errnoOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof KernelError ? e.errno : undefined;
  }
  return undefined;
}

describe("struct codecs", () => {
  it("cover every struct of the three headers", () => {
    expect(UAPI_STRUCTS.size).toBeGreaterThanOrEqual(50);
  });

  for (const s of ALL) {
    describe(`${s.name} (${s.size} bytes)`, () => {
      it("decode(encode(x)) equals x for random values", () => {
        fc.assert(
          fc.property(arbitraryStruct(s), (v) => {
            const bytes = s.encode(v as never);
            expect(bytes.length).toBe(s.size);
            expect(s.decode(bytes)).toEqual(v);
          }),
          { numRuns: 60 },
        );
      });

      it("encode zero-fills every padding byte", () => {
        const pad = paddingBytes(s);
        // Declared fields and padding cover every byte of the struct exactly once.
        const owners = new Array<number>(s.size).fill(0);
        for (const f of s.fields) for (let i = 0; i < f.size; i++) owners[f.offset + i]! += 1;
        for (const i of pad) owners[i]! += 1;
        expect(owners).toEqual(new Array<number>(s.size).fill(1));
        fc.assert(
          fc.property(arbitraryStruct(s), (v) => {
            const bytes = s.encode(v as never);
            for (const i of pad) expect(bytes[i]).toBe(0);
          }),
          { numRuns: 30 },
        );
      });

      it("zero() encodes to all-zero bytes and decodes back", () => {
        const bytes = s.encode(s.zero() as never);
        expect(bytes.every((b) => b === 0)).toBe(true);
        expect(s.decode(bytes)).toEqual(s.zero());
      });

      it("decode of a wrong-sized buffer is EINVAL", () => {
        for (const len of [0, s.size - 1, s.size + 1, s.size * 2]) {
          expect(errnoOf(() => s.decode(new Uint8Array(len)))).toBe(EINVAL);
        }
      });
    });
  }

  it("canonical bytes survive encode(decode(bytes)) when padding is zero", () => {
    for (const s of ALL) {
      if (s.fields.some((f) => f.ctype === "union")) continue;
      const pad = new Set(paddingBytes(s));
      fc.assert(
        fc.property(fc.uint8Array({ minLength: s.size, maxLength: s.size }), (raw) => {
          const bytes = raw.map((b, i) => (pad.has(i) ? 0 : b));
          expect(s.encode(s.decode(bytes) as never)).toEqual(bytes);
        }),
        { numRuns: 20 },
      );
    }
  });
});
