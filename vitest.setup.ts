/**
 * Setup file shared by every panmmu package's vitest run (see `vitest.shared.ts`).
 *
 * Every test must make at least one `expect` assertion: a test that asserts nothing cannot
 * fail and so cannot notice a bug. fast-check properties therefore assert with `expect`
 * inside the predicate, or the test adds an `expect` of its own after `fc.assert`.
 */
import { beforeEach, expect } from "vitest";

beforeEach(() => {
  expect.hasAssertions();
});
