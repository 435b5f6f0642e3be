import { describe, expect, it } from "vitest";
import { banner, COMPOSED_PACKAGE_NAMES, composedPackages } from "../src/index.js";

describe("banner", () => {
  it("names every composed package with its version", () => {
    const text = banner();
    for (const p of composedPackages()) {
      expect(text).toContain(p.name);
      expect(text).toContain(p.version);
    }
    expect(composedPackages().map((p) => p.name)).toEqual([...COMPOSED_PACKAGE_NAMES]);
  });
});
