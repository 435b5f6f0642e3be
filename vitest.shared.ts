/**
 * Shared vitest configuration for every panmmu package.
 *
 * Tests run against the TypeScript sources: the `@panmmu/source` export condition makes
 * `import "@panmmu/x"` resolve to `packages/x/src/index.ts`, so no build is needed first.
 *
 * Benchmarks (`vitest bench`, mode "benchmark") time the built packages as a user runs them:
 * `import "@panmmu/x"` resolves to `dist/` and Node loads it natively. Vitest's module runner
 * would otherwise rewrite every cross-module reference into a getter call, which costs the
 * deep call chains of a driver 2-3x.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** The export condition under which each package exposes its TypeScript sources. */
export const SOURCE_CONDITION = "@panmmu/source";

/**
 * The setup file every package's tests load: it makes a test that runs no `expect` fail.
 */
export const SHARED_SETUP_FILE = fileURLToPath(new URL("./vitest.setup.ts", import.meta.url));

/** Built package files, which benchmarks load natively (not through vitest's transform). */
const BUILT_PACKAGE_FILES = /\/(packages|apps)\/[^/]+\/dist\//;

/** Builds the vitest config for one package. */
export function panmmuVitestConfig() {
  return defineConfig(({ mode }) => {
    const bench = mode === "benchmark";
    const first = bench ? [] : [SOURCE_CONDITION];
    return {
      resolve: { conditions: [...first, "import", "module", "node", "default"] },
      ssr: { resolve: { conditions: [...first, "import", "node", "default"] } },
      test: {
        include: ["test/**/*.test.ts"],
        environment: "node",
        setupFiles: [SHARED_SETUP_FILE],
        testTimeout: 60_000,
        hookTimeout: 60_000,
        benchmark: { include: ["bench/**/*.bench.ts"] },
        server: { deps: { external: bench ? [BUILT_PACKAGE_FILES] : [] } },
      },
    };
  });
}
