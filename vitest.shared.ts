/**
 * Shared vitest configuration for every panmmu package.
 *
 * Tests run against the TypeScript sources: the `@panmmu/source` export condition makes
 * `import "@panmmu/x"` resolve to `packages/x/src/index.ts`, so no build is needed first.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** The export condition under which each package exposes its TypeScript sources. */
export const SOURCE_CONDITION = "@panmmu/source";

/**
 * The setup file every package's tests load: it makes a test that runs no `expect` fail.
 */
export const SHARED_SETUP_FILE = fileURLToPath(new URL("./vitest.setup.ts", import.meta.url));

/** Builds the vitest config for one package. */
export function panmmuVitestConfig() {
  return defineConfig({
    resolve: { conditions: [SOURCE_CONDITION, "import", "module", "node", "default"] },
    ssr: { resolve: { conditions: [SOURCE_CONDITION, "import", "node", "default"] } },
    test: {
      include: ["test/**/*.test.ts"],
      environment: "node",
      setupFiles: [SHARED_SETUP_FILE],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      benchmark: { include: ["bench/**/*.bench.ts"] },
    },
  });
}
