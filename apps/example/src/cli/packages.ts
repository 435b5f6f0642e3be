/**
 * The panmmu packages this app composes, read from their package.json files at run time so
 * the banner always names what is really linked in.
 */
import { createRequire } from "node:module";

/** Name, version and description of one composed package. */
export interface ComposedPackage {
  /** npm name, e.g. `@panmmu/hw`. */
  readonly name: string;
  /** Version from its package.json. */
  readonly version: string;
  /** One-line description from its package.json. */
  readonly description: string;
}

/** The layers the app stacks, bottom first. */
export const COMPOSED_PACKAGE_NAMES = [
  "@panmmu/uapi",
  "@panmmu/hw",
  "@panmmu/iopgtable",
  "@panmmu/drm",
  "@panmmu/panfrost",
  "@panmmu/panthor",
] as const;

/** Reads the composed packages' metadata. */
export function composedPackages(): ComposedPackage[] {
  const require = createRequire(import.meta.url);
  return COMPOSED_PACKAGE_NAMES.map((name) => {
    const pj = require(`${name}/package.json`) as { version: string; description: string };
    return { name, version: pj.version, description: pj.description };
  });
}
