/**
 * @panmmu/example — the `panmmu` CLI: narrated scenarios on a simulated Mali GPU.
 *
 * @packageDocumentation
 */
export { banner } from "./cli/banner.js";
export { COMPOSED_PACKAGE_NAMES, type ComposedPackage, composedPackages } from "./cli/packages.js";
export { buildProgram } from "./cli/program.js";
