import { describe, expect, it } from "vitest";
import { stderrProgress } from "../src/index.js";

describe("stderrProgress", () => {
  it("stays quiet for short runs", () => {
    const lines: string[] = [];
    let t = 0;
    const p = stderrProgress(
      "x",
      (s) => lines.push(s),
      500,
      () => t,
    );
    for (let i = 1; i <= 10; i++) {
      t += 10;
      p(i, 10);
    }
    expect(lines).toEqual([]);
  });

  it("reports long runs at most every interval, and their end", () => {
    const lines: string[] = [];
    let t = 0;
    const p = stderrProgress(
      "main",
      (s) => lines.push(s),
      500,
      () => t,
    );
    for (let i = 1; i <= 20; i++) {
      t += 200;
      p(i, 20);
    }
    expect(lines[0]).toBe("main: 3/20 jobs (15%)\n");
    expect(lines.at(-1)).toBe("main: 20/20 jobs (100%)\n");
    expect(lines.length).toBe(7);
  });
});
